"""A plain-Python reference of Epstein's ADM for one member, one day at a time.

It implements the equations of :mod:`posturelab.models.campaign` (with its extensions: the air
and exchange schedules, breakpoints that follow the front and the pursuit of a broken defence)
with Python floats and explicit branches, independently of the vectorised loop of
:mod:`posturelab.models.campaign_dynamics`. Tests and benchmarks hold the two together.
"""

# The names follow Epstein's symbols (A, D, W, X, alphaA, ...).
# ruff: noqa: SIM300

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from posturelab.models.campaign import (
    ATTACKER_BREAKPOINT,
    DEFENDER_BREAKPOINT,
    HORIZON,
    OBJECTIVE,
    SCALAR_FIELDS,
    ADMParams,
)

_NAMES = ("A", "D", "alpha", "W", "X", "alphaA", "alphaD", "Dcas", "Acas")


def _sched(value: ArrayLike | None, days: int, fill: float) -> list[float]:
    if value is None:
        return [fill] * days
    seq = [float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1)]
    return (seq + [fill] * days)[:days]


def _g(alpha: float, s: float) -> float:
    if alpha <= 0.0:
        return s
    return float((1.0 - (1.0 - alpha) ** (s + 1.0)) / alpha - 1.0)


def simulate_adm_scalar(params: ADMParams, days: int) -> dict[str, list[float]]:
    """Run the ADM for one member with plain Python floats, one day at a time.

    Every field of ``params`` must be a scalar (or a one-element array). Returns the daily trace
    as lists keyed like the attributes of :class:`~posturelab.models.campaign.ADMResult`, plus
    ``days_run``, ``stop_code``, ``objective_day`` and ``broke_day`` as one-element lists.
    """
    f = {name: float(np.asarray(getattr(params, name)).reshape(-1)[0]) for name in SCALAR_FIELDS}
    ra, rd = _sched(params.reinforcement_A, days, 0.0), _sched(params.reinforcement_D, days, 0.0)
    air, rho_f = _sched(params.air_factor_D, days, 1.0), _sched(params.rho_factor, days, 1.0)
    A0, D0 = max(f["A0"], 0.0), max(f["D0"], 0.0)
    A, D = A0, D0
    alpha = min(max(f["alpha0"], 0.0), 1.0)
    W = X = 0.0
    Dcas, Acas = max(f["Dcas0"], 0.0), max(f["Acas0"], 0.0)
    kill_d = f["k"] * f["K_d"] * _g(f["alpha_da"], f["S_d"])
    kill_a = f["k"] * f["K_a"] * _g(f["alpha_aa"], f["S_a"])
    lost_d = 1.0 - float((1.0 - f["alpha_da"]) ** f["S_d"])
    lost_a = 1.0 - float((1.0 - f["alpha_aa"]) ** f["S_a"])
    pursuit = max(f["pursuit_km_per_day"], 0.0)
    out: dict[str, list[float]] = {n: [] for n in _NAMES}
    stopped = chasing = False
    days_run, stop_code, objective_day, broke_day = days, HORIZON, -1, -1
    for t in range(days + 1):
        if not stopped:
            pace = min(W / f["W_max"], 1.0)
            share_a = min(max(f["breakpoint_A"] - f["breakpoint_A_momentum"] * pace, 0.0), 1.0)
            share_d = min(max(f["breakpoint_D"] + f["breakpoint_D_momentum"] * pace, 0.0), 1.0)
            reached = X >= f["objective_km"]
            if A <= share_a * A0:
                stop_code = ATTACKER_BREAKPOINT
            elif not chasing and D <= share_d * D0:
                if broke_day < 0:
                    broke_day = t
                if pursuit > 0.0 and not reached:
                    chasing = True
                else:
                    stop_code = DEFENDER_BREAKPOINT
            if reached:
                objective_day = t
                if stop_code == HORIZON:
                    stop_code = OBJECTIVE
            if stop_code != HORIZON:
                stopped, chasing, days_run = True, False, t
        fighting = not stopped and t < days
        aA = aD = 0.0
        u = air[t] if t < days else 1.0
        if fighting:
            a_t = 0.0 if chasing else alpha * (1.0 - W / f["W_max"])
            A_next = max(A - a_t * A - kill_d * Dcas * u, 0.0)
            D_next = max(D - a_t * A / (f["rho"] * rho_f[t]) - kill_a * Acas, 0.0)
            aA = (A - A_next) / A if A > 0.0 else 0.0
            aD = (D - D_next) / D if D > 0.0 else 0.0
        for name, value in zip(_NAMES, (A, D, alpha, W, X, aA, aD, Dcas, Acas), strict=True):
            out[name].append(value)
        if not fighting:
            W = 0.0
            continue
        W_next = 0.0
        if aD > f["alpha_dT"] and not chasing:
            W_next = W + (f["W_max"] - W) / (1.0 - f["alpha_dT"]) * (aD - f["alpha_dT"])
        if not chasing:
            alpha_next = alpha - (f["alpha_aT"] - alpha) / f["alpha_aT"] * (aA - f["alpha_aT"])
            alpha = min(max(alpha_next, 0.0), 1.0)
        A, D = A_next + ra[t], D_next + rd[t]
        W = min(max(W_next, 0.0), f["W_max"])
        if chasing:
            if D >= f["reform_share"] * D0:
                chasing, W = False, 0.0
            else:
                W = pursuit
        X += W
        Dcas *= 1.0 - lost_d * u
        Acas *= 1.0 - lost_a
    out["days_run"] = [float(days_run)]
    out["stop_code"] = [float(stop_code)]
    out["objective_day"] = [float(objective_day)]
    out["broke_day"] = [float(broke_day)]
    return out
