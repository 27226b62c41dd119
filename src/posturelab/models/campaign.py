r"""Epstein's Adaptive Dynamic Model (ADM) of a theatre campaign, vectorised over members.

An attacker with ground lethality :math:`A` pushes against a defender with lethality :math:`D`.
The attacker adapts its prosecution rate :math:`\alpha` to its own attrition; the defender trades
space for attrition by withdrawing at a rate :math:`W` (km/day) when its attrition exceeds its
threshold. Close air support (CAS) on both sides kills enemy lethality and is itself worn down.
Day :math:`t = 0, 1, \dots`:

.. math::

    a_t &= \alpha_t (1 - W_t / W_{max}) \\
    \mathrm{CAS}^d_t &= k\, D^{cas}_t K_d\, g(\alpha_{da}, S_d), \qquad
    \mathrm{CAS}^a_t = k\, A^{cas}_t K_a\, g(\alpha_{aa}, S_a) \\
    A_{t+1} &= A_t - a_t A_t - \mathrm{CAS}^d_t \;(+\ \text{attacker reinforcement}) \\
    D_{t+1} &= D_t - (a_t / \rho) A_t - \mathrm{CAS}^a_t \;(+\ \text{defender reinforcement}) \\
    \alpha^A_t &= (A_t - A_{t+1}) / A_t, \qquad \alpha^D_t = (D_t - D_{t+1}) / D_t
        \quad \text{(before reinforcement)} \\
    W_{t+1} &= \begin{cases} W_t + \dfrac{W_{max} - W_t}{1 - \alpha_{dT}}
        (\alpha^D_t - \alpha_{dT}) & \alpha^D_t > \alpha_{dT} \\ 0 & \text{otherwise} \end{cases} \\
    \alpha_{t+1} &= \alpha_t
        - \frac{\alpha_{aT} - \alpha_t}{\alpha_{aT}} (\alpha^A_t - \alpha_{aT}) \\
    D^{cas}_t &= D^{cas}_0 (1 - \alpha_{da})^{S_d t}, \qquad
    A^{cas}_t = A^{cas}_0 (1 - \alpha_{aa})^{S_a t} \\
    g(\alpha, S) &= \frac{1 - (1 - \alpha)^{S + 1}}{\alpha} - 1
        = \sum_{j=1}^{S} (1 - \alpha)^j, \qquad g(0, S) = S \\
    X_t &= \sum_{s \le t} W_s \quad \text{(displacement, km)}

Clamps: lethality and aircraft :math:`\ge 0` (so :math:`\alpha^A, \alpha^D \in [0, 1]`), the
prosecution rate :math:`\alpha \in [0, 1]` and :math:`W \in [0, W_{max}]`. A member stops on the
first day :math:`t` at which, in this order of precedence, its attacker has fallen to its
breakpoint (:math:`A_t \le \beta_A A_0`), its defender has (:math:`D_t \le \beta_D D_0`), or its
displacement has reached the objective depth (:math:`X_t \ge X^*`); otherwise it runs to the
horizon. A stopped member stays frozen: its lethality, prosecution rate, displacement and aircraft
keep their values, and its withdrawal and attrition rates are 0 from the stop day on (no more
fighting), so :math:`X_t = \sum_{s \le t} W_s` holds on every day.

The exact recursion :math:`\alpha_{aT} - \alpha_{t+1} = (\alpha_{aT} - \alpha_t)\,
\alpha^A_t / \alpha_{aT}` shows that :math:`\alpha` approaches :math:`\alpha_{aT}` geometrically
while the attacker's attrition stays below its threshold.

**Extensions** (each off at its default, which gives the classic model above; equations and
sources in ``docs/models/campaign.md``): the defender's close air support on day :math:`t` is
scaled by a per-member schedule :math:`u_t \in [0, 1]` (``air_factor_D``: warning, missile
strikes on air bases, weather and night) and the exchange ratio by :math:`f_t`
(``rho_factor``: chemical attack), so :math:`\mathrm{CAS}^d_t = k\,u_t D^{cas}_t K_d\,g`,
:math:`D^{cas}_{t+1} = D^{cas}_t (1 - u_t (1 - (1-\alpha_{da})^{S_d}))` and the defender loses
:math:`a_t A_t / (\rho f_t)`; the breakpoints follow the course of the offensive,
:math:`\beta^A_t = \beta_A - m_A \min(W_t / W_{max}, 1)`,
:math:`\beta^D_t = \beta_D + m_D \min(W_t / W_{max}, 1)`; and with a pursuit rate
:math:`v_p > 0` a broken defence does not end the campaign: ground combat stops, the front moves
:math:`v_p` km a day, and when reinforcements rebuild the defender to :math:`\phi D_0` a new line
forms (W = 0) and combat resumes.

References
----------
.. [1] Epstein, J. M. (1985). *The Calculus of Conventional War: Dynamic Analysis without
   Lanchester Theory*. Brookings Institution, appendix A (equations A-1 to A-13).
.. [2] Epstein, J. M. (1988). Dynamic analysis and the conventional balance in Europe.
   *International Security* 12(4), 154-165.
.. [3] Helmbold, R. L. (1971). *Decision in Battle: Breakpoint Hypotheses and Engagement
   Termination Data*. RAND R-772-PR.
.. [4] Dupuy, T. N. (1987). *Understanding War: History and Theory of Combat*. Paragon House
   (advance rates and the effect of surprise).
"""

# The names follow Epstein's symbols (A0, alpha_dT, alphaA, ...), which ruff reads as constants
# or mixed case; they are kept for fidelity to the literature.
# ruff: noqa: N802

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from posturelab.models.adm_domain import ADM_DOMAINS, Domain
from posturelab.models.campaign_dynamics import (
    ATTACKER_BREAKPOINT,
    DEFENDER_BREAKPOINT,
    HORIZON,
    OBJECTIVE,
    TRACE_NAMES,
    run_block,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Stop reasons, indexed by the codes in :attr:`ADMResult.stop_code`.
STOP_REASONS: Final[tuple[str, ...]] = (
    "horizon",
    "attacker_breakpoint",
    "defender_breakpoint",
    "objective",
)
__all__ = [
    "ATTACKER_BREAKPOINT",
    "DEFENDER_BREAKPOINT",
    "HORIZON",
    "OBJECTIVE",
    "SCALAR_FIELDS",
    "SCHEDULE_FIELDS",
    "STOP_REASONS",
    "ADMParams",
    "ADMResult",
    "cas_sorties_factor",
    "one_member",
    "simulate_adm",
]

#: Scalar fields of :class:`ADMParams`, in order.
SCALAR_FIELDS: Final[tuple[str, ...]] = (
    "A0",
    "D0",
    "alpha0",
    "rho",
    "W_max",
    "alpha_dT",
    "alpha_aT",
    "k",
    "Dcas0",
    "Acas0",
    "K_d",
    "K_a",
    "S_d",
    "S_a",
    "alpha_da",
    "alpha_aa",
    "objective_km",
    "breakpoint_A",
    "breakpoint_D",
    "breakpoint_A_momentum",
    "breakpoint_D_momentum",
    "pursuit_km_per_day",
    "reform_share",
)

#: Per-day schedules of :class:`ADMParams` (``None``, shape ``(n,)`` or ``(members, n)``).
SCHEDULE_FIELDS: Final[tuple[str, ...]] = (
    "reinforcement_A",
    "reinforcement_D",
    "air_factor_D",
    "rho_factor",
)


@dataclass(frozen=True, eq=False)
class ADMParams:
    r"""Parameters of the ADM; each a scalar or an array of shape ``(members,)``.

    The defaults are the worked example transcribed from Epstein (1985) (see
    ``docs/models/campaign.md``): 330,000 attacker against 200,000 defender lethality units.

    Parameters
    ----------
    A0, D0
        Initial ground lethality of the attacker and defender (``>= 0``).
    alpha0
        The attacker's initial prosecution rate (fraction of its lethality engaged per day, [0, 1]).
    rho
        Exchange ratio: attacker lethality lost per defender lethality lost (``> 0``).
    W_max
        Maximum withdrawal rate of the defender (km/day, ``> 0``).
    alpha_dT, alpha_aT
        Threshold attrition rates of the defender and the attacker (``alpha_aT`` in (0, 1],
        ``alpha_dT`` in [0, 1]).
    k
        Lethality per armoured kill (Epstein's L/V; 47,490 / 1,200 in the worked example).
    Dcas0, Acas0
        Close-air-support aircraft of the defender and the attacker at day 0 (``>= 0``).
    K_d, K_a
        Armoured kills per sortie (``>= 0``).
    S_d, S_a
        Sorties per aircraft per day (``>= 0``).
    alpha_da, alpha_aa
        Attrition per sortie of the defender's and the attacker's aircraft ([0, 1]).
    objective_km
        Depth at which the attacker reaches its objective (km, ``> 0``; ``inf`` for none).
    breakpoint_A, breakpoint_D
        A side stops when its lethality falls to this fraction of its initial value ([0, 1]).
    breakpoint_A_momentum, breakpoint_D_momentum
        :math:`m_A, m_D`: how far the breakpoints move with the pace of the front,
        :math:`\beta^A_t = \beta_A - m_A \min(W_t/W_{max}, 1)`,
        :math:`\beta^D_t = \beta_D + m_D \min(W_t/W_{max}, 1)` (0: fixed breakpoints).
    pursuit_km_per_day
        :math:`v_p`: the attacker's advance after the defender breaks (km/day, ``>= 0``; 0: a
        broken defence ends the campaign, as in the classic model).
    reform_share
        :math:`\phi`: a pursued defence re-forms a line once reinforcements rebuild its
        lethality to this share of :math:`D_0` (``> 0``; above 1 it can take more than the
        initial force).
    reinforcement_A, reinforcement_D
        Lethality arriving, ``None`` or shape ``(n,)`` (shared) or ``(members, n)``: entry ``i``
        arrives on day ``i + 1`` and joins the state of that day after its attrition rates are
        measured. Entries beyond the horizon are ignored; missing days are 0.
    air_factor_D
        :math:`u_t`: share of the defender's close-air-support sorties flown on day ``t``
        (entry ``i`` is day ``i``; missing days are 1), ``None`` for 1 throughout.
    rho_factor
        :math:`f_t`: multiplier on the exchange ratio on day ``t`` (``> 0``; missing days 1).
    """

    #: Allowed values of each scalar field (:mod:`posturelab.models.adm_domain`).
    DOMAINS: ClassVar[Mapping[str, Domain]] = ADM_DOMAINS

    A0: ArrayLike = 330_000.0
    D0: ArrayLike = 200_000.0
    alpha0: ArrayLike = 0.02
    rho: ArrayLike = 1.5
    W_max: ArrayLike = 20.0
    alpha_dT: ArrayLike = 0.05
    alpha_aT: ArrayLike = 0.075
    k: ArrayLike = 47_490.0 / 1_200.0
    Dcas0: ArrayLike = 300.0
    Acas0: ArrayLike = 250.0
    K_d: ArrayLike = 0.5
    K_a: ArrayLike = 0.25
    S_d: ArrayLike = 1.5
    S_a: ArrayLike = 1.0
    alpha_da: ArrayLike = 0.05
    alpha_aa: ArrayLike = 0.05
    objective_km: ArrayLike = np.inf
    breakpoint_A: ArrayLike = 0.0
    breakpoint_D: ArrayLike = 0.0
    breakpoint_A_momentum: ArrayLike = 0.0
    breakpoint_D_momentum: ArrayLike = 0.0
    pursuit_km_per_day: ArrayLike = 0.0
    reform_share: ArrayLike = 1.0
    reinforcement_A: ArrayLike | None = None
    reinforcement_D: ArrayLike | None = None
    air_factor_D: ArrayLike | None = None
    rho_factor: ArrayLike | None = None

    def members(self) -> int:
        """Return the ensemble size implied by the parameters' shapes (1 if all are scalars)."""
        sizes = [np.size(getattr(self, name)) for name in SCALAR_FIELDS]
        sizes += [
            np.shape(s)[0]
            for s in (getattr(self, name) for name in SCHEDULE_FIELDS)
            if s is not None and np.ndim(s) == 2
        ]
        return max(sizes, default=1)

    def as_dict(self) -> dict[str, object]:
        """Return the fields as a mapping (arrays as given)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, eq=False)
class ADMResult:
    """Daily trace and per-member summary of a batch of campaigns.

    Every trace array has shape ``(members, days + 1)``; column ``t`` is day ``t`` and column 0 the
    initial state (with ``keep_trace=False`` only the final column is kept, shape ``(members, 1)``).

    Attributes
    ----------
    A, D
        Ground lethality.
    alpha
        The attacker's prosecution rate.
    W
        The defender's withdrawal rate (km/day) on that day.
    X
        Cumulative displacement (km).
    alphaA, alphaD
        Total attrition rates suffered during day ``t`` (from state ``t`` to ``t + 1``, before
        reinforcement); 0 on the stop day, after it and on the horizon day.
    Dcas, Acas
        Surviving close-air-support aircraft.
    days_run
        Days fought by each member (its stop day), shape ``(members,)``.
    stop_code
        Index into :data:`STOP_REASONS`, shape ``(members,)``.
    objective_day
        Day the objective was reached, or -1, shape ``(members,)``.
    broke_day
        First day the defender fell to its breakpoint, or -1, shape ``(members,)`` (with a
        pursuit the campaign goes on after it).
    """

    A: FloatArray
    D: FloatArray
    alpha: FloatArray
    W: FloatArray
    X: FloatArray
    alphaA: FloatArray
    alphaD: FloatArray
    Dcas: FloatArray
    Acas: FloatArray
    days_run: IntArray
    stop_code: IntArray
    objective_day: IntArray
    broke_day: IntArray

    @property
    def final_X(self) -> FloatArray:
        """Final displacement (km) of each member."""
        return self.X[:, -1]

    @property
    def objective_reached(self) -> BoolArray:
        """Whether each member's attacker reached its objective."""
        return self.objective_day >= 0

    def stop_reasons(self) -> list[str]:
        """Return each member's stop reason as a name from :data:`STOP_REASONS`."""
        return [STOP_REASONS[int(c)] for c in self.stop_code]


def cas_sorties_factor(alpha: ArrayLike, sorties: ArrayLike) -> FloatArray:
    r"""Return :math:`g(\alpha, S) = (1 - (1 - \alpha)^{S+1}) / \alpha - 1`.

    This is :math:`\sum_{j=1}^{S} (1 - \alpha)^j` for whole :math:`S`: the expected number of
    sorties an aircraft completes when each sortie is lost with probability :math:`\alpha`.
    Computed as :math:`-\mathrm{expm1}((S + 1)\log(1 - \alpha)) / \alpha - 1` for accuracy at small
    :math:`\alpha`, with the limit :math:`g(0, S) = S` and :math:`g(1, S) = 0`.
    """
    a = np.asarray(alpha, dtype=np.float64)
    s = np.asarray(sorties, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        safe = np.where(a > 0.0, a, 1.0)
        value = -np.expm1((s + 1.0) * np.log1p(-safe)) / safe - 1.0
    return np.asarray(np.where(a > 0.0, value, s), dtype=np.float64)


def _member_array(value: ArrayLike, members: int, name: str) -> FloatArray:
    """Return ``value`` as a read-only view of shape ``(members,)`` (no copy for scalars)."""
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.shape[0] not in (1, members)):
        raise ValueError(f"{name} must be a scalar or have shape ({members},), got {arr.shape}")
    return np.broadcast_to(arr.reshape(-1) if arr.ndim else arr, (members,))


def _schedule(
    value: ArrayLike | None, members: int, days: int, name: str, fill: float = 0.0
) -> FloatArray | None:
    """Return a schedule as a view of shape ``(members, days)``; ``None`` when all ``fill``.

    Missing days take the value ``fill``.
    """
    if value is None or days == 0:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or arr.shape[0] not in (1, members):
        raise ValueError(f"{name} must have shape (n,) or ({members}, n), got {arr.shape}")
    if np.all(arr[:, :days] == fill):
        return None
    if arr.shape[1] < days:
        arr = np.pad(arr, ((0, 0), (0, days - arr.shape[1])), constant_values=fill)
    return np.broadcast_to(arr[:, :days], (members, days))


def simulate_adm(
    params: ADMParams,
    days: int,
    *,
    members: int | None = None,
    keep_trace: bool = True,
    block_size: int = 8192,
) -> ADMResult:
    """Run the ADM for every member at once (see the module docstring for the equations).

    Members are processed in blocks of ``block_size`` so that each block's arrays stay in the
    processor's cache; every operation is elementwise, so the results do not depend on the block
    size.

    Parameters
    ----------
    params
        Parameters; each field a scalar or an array over members. Inputs are trusted: validate
        them at the boundary (the command line does).
    days
        Horizon in days (``>= 0``).
    members
        Ensemble size; inferred from the parameters when ``None``.
    keep_trace
        Keep the daily trace (``True``) or only the final day (``False``, for very large batches).
    block_size
        Members per block (``>= 1``).

    Returns
    -------
    ADMResult

    Raises
    ------
    ValueError
        If ``days`` is negative, ``block_size < 1`` or a parameter's shape does not match the
        ensemble.
    """
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    m = params.members() if members is None else members
    p = {name: _member_array(getattr(params, name), m, name) for name in SCALAR_FIELDS}
    sched = {
        "reinf_a": _schedule(params.reinforcement_A, m, days, "reinforcement_A"),
        "reinf_d": _schedule(params.reinforcement_D, m, days, "reinforcement_D"),
        "air_d": _schedule(params.air_factor_D, m, days, "air_factor_D", fill=1.0),
        "rho_f": _schedule(params.rho_factor, m, days, "rho_factor", fill=1.0),
    }

    rows = days + 1 if keep_trace else 1
    # Every cell is written below (np.empty spares the kernel from zeroing 9 large arrays).
    trace = {name: np.empty((rows, m), dtype=np.float64) for name in TRACE_NAMES}
    out = {
        "days_run": np.full(m, days, dtype=np.int64),
        "stop_code": np.full(m, HORIZON, dtype=np.int64),
        "objective_day": np.full(m, -1, dtype=np.int64),
        "broke_day": np.full(m, -1, dtype=np.int64),
    }
    for lo in range(0, m, block_size):
        block = slice(lo, min(lo + block_size, m))
        run_block(
            _block_constants({name: value[block] for name, value in p.items()}),
            {k: None if v is None else v[block] for k, v in sched.items()},
            days,
            block,
            trace,
            out,
            keep_trace,
        )
    # The trace is filled as (day, member) rows and returned transposed, (member, day).
    return ADMResult(
        A=trace["A"].T,
        D=trace["D"].T,
        alpha=trace["alpha"].T,
        W=trace["W"].T,
        X=trace["X"].T,
        alphaA=trace["alphaA"].T,
        alphaD=trace["alphaD"].T,
        Dcas=trace["Dcas"].T,
        Acas=trace["Acas"].T,
        days_run=out["days_run"],
        stop_code=out["stop_code"],
        objective_day=out["objective_day"],
        broke_day=out["broke_day"],
    )


def _block_constants(p: dict[str, FloatArray]) -> dict[str, FloatArray]:
    """Per-member constants of the campaign for one block of members."""
    c: dict[str, FloatArray] = {}
    c["A0"], c["D0"] = np.maximum(p["A0"], 0.0), np.maximum(p["D0"], 0.0)
    c["alpha0"] = np.clip(p["alpha0"], 0.0, 1.0)
    c["W_max"], c["alpha_dT"], c["alpha_aT"] = p["W_max"], p["alpha_dT"], p["alpha_aT"]
    c["inv_W_max"], c["inv_rho"] = 1.0 / p["W_max"], 1.0 / p["rho"]
    c["inv_aT"] = 1.0 / np.where(p["alpha_aT"] > 0.0, p["alpha_aT"], 1.0)
    c["inv_dT"] = 1.0 / np.where(p["alpha_dT"] < 1.0, 1.0 - p["alpha_dT"], 1.0)
    # Lethality killed per day per surviving aircraft.
    c["kill_d"] = p["k"] * p["K_d"] * cas_sorties_factor(p["alpha_da"], p["S_d"])
    c["kill_a"] = p["k"] * p["K_a"] * cas_sorties_factor(p["alpha_aa"], p["S_a"])
    # Aircraft lost per day, as a fraction: Dcas_{t+1} = Dcas_t * (1 - alpha_da) ** S_d.
    c["lost_d"] = 1.0 - np.power(1.0 - np.clip(p["alpha_da"], 0.0, 1.0), p["S_d"])
    c["lost_a"] = 1.0 - np.power(1.0 - np.clip(p["alpha_aa"], 0.0, 1.0), p["S_a"])
    c["Dcas0"], c["Acas0"] = np.maximum(p["Dcas0"], 0.0), np.maximum(p["Acas0"], 0.0)
    c["floor_a"] = p["breakpoint_A"] * c["A0"]
    c["floor_d"] = p["breakpoint_D"] * c["D0"]
    c["bA"], c["bD"] = p["breakpoint_A"], p["breakpoint_D"]
    c["mA"], c["mD"] = p["breakpoint_A_momentum"], p["breakpoint_D_momentum"]
    c["pursuit"] = np.maximum(p["pursuit_km_per_day"], 0.0)
    c["reform"] = p["reform_share"] * c["D0"]
    c["objective"] = p["objective_km"]
    return c


def one_member(params: ADMParams, m: int = 0) -> ADMParams:
    """Member ``m``'s parameters: every scalar a float, every schedule a 1-D array (or None)."""
    values: dict[str, object] = {
        name: float(np.broadcast_to(np.asarray(getattr(params, name)), (params.members(),))[m])
        for name in SCALAR_FIELDS
    }
    for name in SCHEDULE_FIELDS:
        schedule = getattr(params, name)
        if schedule is None:
            values[name] = None
            continue
        array = np.asarray(schedule, dtype=np.float64)
        values[name] = array[m] if array.ndim == 2 else array.reshape(-1)
    return ADMParams(**values)  # type: ignore[arg-type]
