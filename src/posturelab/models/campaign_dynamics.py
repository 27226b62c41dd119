r"""The daily loop of Epstein's Adaptive Dynamic Model for one block of members.

The equations are in :mod:`posturelab.models.campaign` (the public entry point,
:func:`~posturelab.models.campaign.simulate_adm`) and ``docs/models/campaign.md``. This module
holds only the vectorised day-by-day recursion, with the three extensions of the classic model:

* **time-varying air and exchange factors**: the defender's close air support on day :math:`t` is
  scaled by :math:`u_t` (warning, strikes on air bases, weather and night) and the exchange ratio
  by :math:`f_t` (chemical attack), both per member and day;
* **breakpoints that depend on the course of the offensive**,
  :math:`\beta^A_t = \beta_A - m_A \min(W_t/W_{max}, 1)` and
  :math:`\beta^D_t = \beta_D + m_D \min(W_t/W_{max}, 1)` (an advancing attacker bears more
  losses, a retreating defender fewer; Helmbold 1971);
* **pursuit**: when the defender breaks and the pursuit rate :math:`v_p > 0`, ground combat stops
  and the front moves :math:`v_p` km a day until the defender's lethality, rebuilt by
  reinforcements, reaches :math:`\phi D_0` (a new line forms and combat resumes with
  :math:`W = 0`), the attacker breaks, the objective falls or the horizon ends.

It imports nothing from the rest of the package.
"""

# The names follow Epstein's symbols (A, D, W, X, alphaA, ...), kept for fidelity to the literature.
# ruff: noqa: SIM300

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

HORIZON: Final = 0
ATTACKER_BREAKPOINT: Final = 1
DEFENDER_BREAKPOINT: Final = 2
OBJECTIVE: Final = 3
TINY: Final = 1e-300

#: The daily trace, in the order the loop writes it.
TRACE_NAMES: Final[tuple[str, ...]] = (
    "A",
    "D",
    "alpha",
    "W",
    "X",
    "alphaA",
    "alphaD",
    "Dcas",
    "Acas",
)


def _floors(
    c: dict[str, FloatArray], W: FloatArray, dynamic: bool
) -> tuple[FloatArray, FloatArray]:
    """The day's breakpoint levels of the attacker and the defender (lethality units)."""
    if not dynamic:
        return c["floor_a"], c["floor_d"]
    pace = np.minimum(W * c["inv_W_max"], 1.0)
    share_a = np.clip(c["bA"] - c["mA"] * pace, 0.0, 1.0)
    share_d = np.clip(c["bD"] + c["mD"] * pace, 0.0, 1.0)
    return share_a * c["A0"], share_d * c["D0"]


def run_block(
    c: dict[str, FloatArray],
    sched: dict[str, FloatArray | None],
    days: int,
    block: slice,
    trace: dict[str, FloatArray],
    out: dict[str, IntArray],
    keep_trace: bool,
) -> None:
    """Run the members of ``block``, writing their columns of ``trace`` and ``out``.

    ``c`` holds the per-member constants of the block (see ``_block_constants`` in
    :mod:`posturelab.models.campaign`); ``sched`` the per-day schedules of shape
    ``(members, days)`` or ``None``: ``reinf_a``, ``reinf_d``, ``air_d`` and ``rho_f``; ``out``
    the per-member outputs ``days_run``, ``stop_code``, ``objective_day`` and ``broke_day``.

    Stopped members first stay in the working arrays as no-ops (the factor ``on`` is 0 for them);
    once a quarter of the working set has stopped they are retired and the working set is
    compacted to the members still fighting. A block-sized snapshot keeps every member's latest
    values (retired members' frozen state, with W = 0), so each day's trace row is written whole.
    """
    n = c["A0"].shape[0]
    lo = int(block.start)
    local = np.arange(n)  # block positions of the working set
    full = True  # the working set is the whole block, in order
    A, D, alpha = c["A0"].copy(), c["D0"].copy(), c["alpha0"].copy()
    W, X = np.zeros(n), np.zeros(n)
    Dcas, Acas = c["Dcas0"].copy(), c["Acas0"].copy()
    active = np.ones(n, dtype=bool)
    chase = np.zeros(n, dtype=bool)  # in pursuit of a broken defender
    on = np.ones(n)  # 1.0 while a member fights, 0.0 once it has stopped
    zeros = np.zeros(n)
    snap = {name: np.zeros(n) for name in TRACE_NAMES}
    any_pursuit = bool((c["pursuit"] > 0.0).any())
    dynamic = bool((c["mA"] != 0.0).any() or (c["mD"] != 0.0).any())

    def write(rows: int | slice, rate_a: FloatArray, rate_d: FloatArray) -> None:
        values = (A, D, alpha, W, X, rate_a, rate_d, Dcas, Acas)
        for name, value in zip(TRACE_NAMES, values, strict=True):
            if full:
                trace[name][rows, block] = value
            else:
                snap[name][local] = value
                trace[name][rows, block] = snap[name]

    all_on = True  # no stopped member in the working set
    for t in range(days + 1):
        # Stop conditions on the state of day t, in order of precedence.
        floor_a, floor_d = _floors(c, W, dynamic)
        broke_a = A <= floor_a
        broke_d = (D <= floor_d) & ~broke_a & ~chase
        reached = X >= c["objective"]
        if not all_on:
            broke_a &= active
            broke_d &= active
            reached &= active
        if any_pursuit and broke_d.any():
            # A broken defence is pursued where the member has a pursuit rate (and the
            # objective has not fallen): those members go on, the others stop.
            pursue = broke_d & (c["pursuit"] > 0.0) & ~reached
            first = pursue & (out["broke_day"][lo + local] < 0)
            out["broke_day"][lo + local[first]] = t
            chase |= pursue
            broke_d &= ~pursue
        hit = broke_a | broke_d | reached
        if broke_d.any():
            first = broke_d & (out["broke_day"][lo + local] < 0)
            out["broke_day"][lo + local[first]] = t
        if hit.any():
            took_obj = reached & ~broke_a & ~broke_d
            out["objective_day"][lo + local[reached]] = t
            out["stop_code"][lo + local[broke_a]] = ATTACKER_BREAKPOINT
            out["stop_code"][lo + local[broke_d]] = DEFENDER_BREAKPOINT
            out["stop_code"][lo + local[took_obj]] = OBJECTIVE
            out["days_run"][lo + local[hit]] = t
            active &= ~hit
            chase &= active
            all_on = False
            on = active.astype(np.float64)
        if t == days or not active.any():
            write(t if keep_trace else 0, zeros, zeros)
            if t < days:
                # Every member has stopped: the remaining days repeat the frozen state, W = 0.
                W = zeros
                write(slice(t + 1, None) if keep_trace else 0, zeros, zeros)
            return

        # One day of fighting; the factor `on` turns it into a no-op for stopped members, and
        # members in pursuit fight no ground battle.
        air = sched["air_d"][:, t] if sched["air_d"] is not None else None
        a_t = alpha * (1.0 - W * c["inv_W_max"])
        if not all_on:
            a_t *= on
        if any_pursuit:
            a_t = np.where(chase, 0.0, a_t)
        ground = a_t * A
        A_next = A - ground
        kill_d = c["kill_d"] * Dcas if air is None else c["kill_d"] * Dcas * air
        A_next -= kill_d if all_on else kill_d * on
        inv_rho = c["inv_rho"] if sched["rho_f"] is None else c["inv_rho"] / sched["rho_f"][:, t]
        D_next = D - ground * inv_rho
        D_next -= c["kill_a"] * Acas if all_on else c["kill_a"] * Acas * on
        np.maximum(A_next, 0.0, out=A_next)
        np.maximum(D_next, 0.0, out=D_next)
        # A member at zero lethality loses nothing more: 0 / tiny = 0.
        alphaA = (A - A_next) / np.maximum(A, TINY)
        alphaD = (D - D_next) / np.maximum(D, TINY)
        if keep_trace:
            write(t, alphaA, alphaD)

        # alphaD is 0 for stopped members, so their W becomes 0 (alpha_dT >= 0).
        excess = alphaD - c["alpha_dT"]
        # W <= W_max for every member in combat (a pursuit's rate is replaced below).
        W_next = (c["W_max"] - W) * c["inv_dT"]
        W_next *= excess
        W_next += W
        np.clip(W_next, 0.0, c["W_max"], out=W_next)
        W_next = np.where(excess > 0.0, W_next, 0.0)
        alpha_aT = c["alpha_aT"]
        alpha_next = alpha - (alpha_aT - alpha) * c["inv_aT"] * (alphaA - alpha_aT)
        np.clip(alpha_next, 0.0, 1.0, out=alpha_next)
        keep = active & ~chase if any_pursuit else active
        alpha = alpha_next if all_on and not chase.any() else np.where(keep, alpha_next, alpha)
        reinf_a, reinf_d = sched["reinf_a"], sched["reinf_d"]
        A = A_next if reinf_a is None else A_next + reinf_a[:, t] * on
        D = D_next if reinf_d is None else D_next + reinf_d[:, t] * on
        if any_pursuit and chase.any():
            # The pursuit ends the day the defender's rebuilt lethality reaches phi * D0: no
            # advance that day, and combat resumes from the new line.
            reformed = chase & (D >= c["reform"])
            chase &= ~reformed
            W_next = np.where(chase, c["pursuit"], np.where(reformed, 0.0, W_next))
        W = W_next
        X = X + W
        lost_d = c["lost_d"] if air is None else c["lost_d"] * air
        Dcas = Dcas * (1.0 - lost_d * on)
        Acas = Acas * (1.0 - c["lost_a"] * on)

        if all_on:
            continue
        n_stopped = int(np.count_nonzero(~active))
        if n_stopped * 4 >= local.shape[0]:
            # Retire the stopped members: the snapshot keeps their state of day t + 1 (frozen,
            # W = 0, no attrition), and the working set keeps only the members still fighting.
            values = (A, D, alpha, W, X, zeros, zeros, Dcas, Acas)
            for name, value in zip(TRACE_NAMES, values, strict=True):
                snap[name][local] = value
            local = local[active]
            full = False
            A, D, alpha, W, X = A[active], D[active], alpha[active], W[active], X[active]
            Dcas, Acas, chase = Dcas[active], Acas[active], chase[active]
            c = {name: value[active] for name, value in c.items()}
            sched = {k: None if v is None else v[active] for k, v in sched.items()}
            m = local.shape[0]
            zeros = np.zeros(m)
            on = np.ones(m)
            active = np.ones(m, dtype=bool)
            all_on = True
