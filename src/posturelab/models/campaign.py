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

References
----------
.. [1] Epstein, J. M. (1985). *The Calculus of Conventional War: Dynamic Analysis without
   Lanchester Theory*. Brookings Institution, appendix A (equations A-1 to A-13).
.. [2] Epstein, J. M. (1988). Dynamic analysis and the conventional balance in Europe.
   *International Security* 12(4), 154-165.
"""

# The names follow Epstein's symbols (A0, alpha_dT, alphaA, ...), which ruff reads as constants
# or mixed case; they are kept for fidelity to the literature.
# ruff: noqa: N802, SIM300

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar, Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from posturelab.models.adm_domain import ADM_DOMAINS, Domain

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
_TINY: Final = 1e-300
HORIZON: Final = 0
ATTACKER_BREAKPOINT: Final = 1
DEFENDER_BREAKPOINT: Final = 2
OBJECTIVE: Final = 3

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
)


@dataclass(frozen=True, eq=False)
class ADMParams:
    """Parameters of the ADM; each a scalar or an array of shape ``(members,)``.

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
    reinforcement_A, reinforcement_D
        Lethality arriving, ``None`` or shape ``(n,)`` (shared) or ``(members, n)``: entry ``i``
        arrives on day ``i + 1`` and joins the state of that day after its attrition rates are
        measured. Entries beyond the horizon are ignored; missing days are 0.
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
    reinforcement_A: ArrayLike | None = None
    reinforcement_D: ArrayLike | None = None

    def members(self) -> int:
        """Return the ensemble size implied by the parameters' shapes (1 if all are scalars)."""
        sizes = [np.size(getattr(self, name)) for name in SCALAR_FIELDS]
        sizes += [
            np.shape(s)[0]
            for s in (self.reinforcement_A, self.reinforcement_D)
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


def _schedule(value: ArrayLike | None, members: int, days: int, name: str) -> FloatArray | None:
    """Return a schedule as a view of shape ``(members, days)``, or ``None`` when empty."""
    if value is None or days == 0:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[np.newaxis, :]
    if arr.ndim != 2 or arr.shape[0] not in (1, members):
        raise ValueError(f"{name} must have shape (n,) or ({members}, n), got {arr.shape}")
    if not arr.any():
        return None
    if arr.shape[1] < days:
        arr = np.pad(arr, ((0, 0), (0, days - arr.shape[1])))
    return np.broadcast_to(arr[:, :days], (members, days))


_TRACE_NAMES: Final[tuple[str, ...]] = (
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
    reinf_a = _schedule(params.reinforcement_A, m, days, "reinforcement_A")
    reinf_d = _schedule(params.reinforcement_D, m, days, "reinforcement_D")

    rows = days + 1 if keep_trace else 1
    # Every cell is written below (np.empty spares the kernel from zeroing 9 large arrays).
    trace = {name: np.empty((rows, m), dtype=np.float64) for name in _TRACE_NAMES}
    days_run = np.full(m, days, dtype=np.int64)
    stop_code = np.full(m, HORIZON, dtype=np.int64)
    objective_day = np.full(m, -1, dtype=np.int64)
    for lo in range(0, m, block_size):
        block = slice(lo, min(lo + block_size, m))
        _run_block(
            _block_constants({name: value[block] for name, value in p.items()}),
            None if reinf_a is None else reinf_a[block],
            None if reinf_d is None else reinf_d[block],
            days,
            block,
            trace,
            days_run,
            stop_code,
            objective_day,
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
        days_run=days_run,
        stop_code=stop_code,
        objective_day=objective_day,
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
    c["objective"] = p["objective_km"]
    return c


def _run_block(
    c: dict[str, FloatArray],
    reinf_a: FloatArray | None,
    reinf_d: FloatArray | None,
    days: int,
    block: slice,
    trace: dict[str, FloatArray],
    days_run: IntArray,
    stop_code: IntArray,
    objective_day: IntArray,
    keep_trace: bool,
) -> None:
    """Run the members of ``block``, writing their columns of the outputs.

    Stopped members first stay in the working arrays as no-ops (the factor ``on`` is 0 for them);
    once a quarter of the working set has stopped they are retired and the working set is
    compacted to the members still fighting. A block-sized snapshot keeps every member's latest
    values (retired members' frozen state, with W = 0), so each day's trace row is written whole
    and contiguous.
    """
    n = c["A0"].shape[0]
    lo = int(block.start)
    local = np.arange(n)  # block positions of the working set
    full = True  # the working set is the whole block, in order
    A, D, alpha = c["A0"].copy(), c["D0"].copy(), c["alpha0"].copy()
    W, X = np.zeros(n), np.zeros(n)
    Dcas, Acas = c["Dcas0"].copy(), c["Acas0"].copy()
    active = np.ones(n, dtype=bool)
    on = np.ones(n)  # 1.0 while a member fights, 0.0 once it has stopped
    kill_d_on, kill_a_on = c["kill_d"], c["kill_a"]
    keep_d, keep_a = 1.0 - c["lost_d"], 1.0 - c["lost_a"]
    zeros = np.zeros(n)
    snap = {name: np.zeros(n) for name in _TRACE_NAMES}

    def write(rows: int | slice, rate_a: FloatArray, rate_d: FloatArray) -> None:
        values = (A, D, alpha, W, X, rate_a, rate_d, Dcas, Acas)
        for name, value in zip(_TRACE_NAMES, values, strict=True):
            if full:
                trace[name][rows, block] = value
            else:
                snap[name][local] = value
                trace[name][rows, block] = snap[name]

    all_on = True  # no stopped member in the working set
    for t in range(days + 1):
        # Stop conditions on the state of day t, in order of precedence.
        hit = (A <= c["floor_a"]) | (D <= c["floor_d"]) | (X >= c["objective"])
        if not all_on:
            hit &= active
        if hit.any():
            broke_a = hit & (A <= c["floor_a"])
            broke_d = hit & ~broke_a & (D <= c["floor_d"])
            reached = hit & (X >= c["objective"])
            took_obj = reached & ~broke_a & ~broke_d
            objective_day[lo + local[reached]] = t
            stop_code[lo + local[broke_a]] = ATTACKER_BREAKPOINT
            stop_code[lo + local[broke_d]] = DEFENDER_BREAKPOINT
            stop_code[lo + local[took_obj]] = OBJECTIVE
            days_run[lo + local[hit]] = t
            active &= ~hit
            all_on = False
            on = active.astype(np.float64)
            kill_d_on, kill_a_on = c["kill_d"] * on, c["kill_a"] * on
            keep_d, keep_a = 1.0 - c["lost_d"] * on, 1.0 - c["lost_a"] * on
        if t == days or not active.any():
            write(t if keep_trace else 0, zeros, zeros)
            if t < days:
                # Every member has stopped: the remaining days repeat the frozen state, W = 0.
                W = zeros
                write(slice(t + 1, None) if keep_trace else 0, zeros, zeros)
            return

        # One day of fighting; the factor `on` turns it into a no-op for stopped members.
        a_t = alpha * (1.0 - W * c["inv_W_max"])
        if not all_on:
            a_t *= on
        ground = a_t * A
        A_next = A - ground
        A_next -= kill_d_on * Dcas
        D_next = D - ground * c["inv_rho"]
        D_next -= kill_a_on * Acas
        np.maximum(A_next, 0.0, out=A_next)
        np.maximum(D_next, 0.0, out=D_next)
        # A member at zero lethality loses nothing more: 0 / tiny = 0.
        alphaA = (A - A_next) / np.maximum(A, _TINY)
        alphaD = (D - D_next) / np.maximum(D, _TINY)
        if keep_trace:
            write(t, alphaA, alphaD)

        # alphaD is 0 for stopped members, so their W becomes 0 (alpha_dT >= 0).
        excess = alphaD - c["alpha_dT"]
        W_next = (c["W_max"] - W) * c["inv_dT"]
        W_next *= excess
        W_next += W
        np.clip(W_next, 0.0, c["W_max"], out=W_next)
        W = np.where(excess > 0.0, W_next, 0.0)
        alpha_aT = c["alpha_aT"]
        alpha_next = alpha - (alpha_aT - alpha) * c["inv_aT"] * (alphaA - alpha_aT)
        np.clip(alpha_next, 0.0, 1.0, out=alpha_next)
        alpha = alpha_next if all_on else np.where(active, alpha_next, alpha)
        A = A_next if reinf_a is None else A_next + reinf_a[:, t] * on
        D = D_next if reinf_d is None else D_next + reinf_d[:, t] * on
        X = X + W
        Dcas = Dcas * keep_d
        Acas = Acas * keep_a

        if all_on:
            continue
        stopped = ~active
        n_stopped = int(np.count_nonzero(stopped))
        if n_stopped * 4 >= local.shape[0]:
            # Retire the stopped members: the snapshot keeps their state of day t + 1 (frozen,
            # W = 0, no attrition), and the working set keeps only the members still fighting.
            values = (A, D, alpha, W, X, zeros, zeros, Dcas, Acas)
            for name, value in zip(_TRACE_NAMES, values, strict=True):
                snap[name][local] = value
            local = local[active]
            full = False
            A, D, alpha, W, X = A[active], D[active], alpha[active], W[active], X[active]
            Dcas, Acas = Dcas[active], Acas[active]
            c = {name: value[active] for name, value in c.items()}
            reinf_a = None if reinf_a is None else reinf_a[active]
            reinf_d = None if reinf_d is None else reinf_d[active]
            m = local.shape[0]
            zeros = np.zeros(m)
            on = np.ones(m)
            kill_d_on, kill_a_on = c["kill_d"], c["kill_a"]
            keep_d, keep_a = 1.0 - c["lost_d"], 1.0 - c["lost_a"]
            active = np.ones(m, dtype=bool)
            all_on = True


def simulate_adm_scalar(params: ADMParams, days: int) -> dict[str, list[float]]:
    """Run the ADM for one member with plain Python floats, one day at a time.

    A reference implementation of :func:`simulate_adm` for tests and benchmarks. Every field of
    ``params`` must be a scalar (or a one-element array). Returns the daily trace as lists keyed
    like the attributes of :class:`ADMResult`, plus ``days_run``, ``stop_code`` and
    ``objective_day`` as one-element lists.
    """
    f = {name: float(np.asarray(getattr(params, name)).reshape(-1)[0]) for name in SCALAR_FIELDS}

    def sched(value: ArrayLike | None) -> list[float]:
        if value is None:
            return [0.0] * days
        seq = [float(v) for v in np.asarray(value, dtype=np.float64).reshape(-1)]
        return (seq + [0.0] * days)[:days]

    def g(alpha: float, s: float) -> float:
        if alpha <= 0.0:
            return s
        return float((1.0 - (1.0 - alpha) ** (s + 1.0)) / alpha - 1.0)

    ra, rd = sched(params.reinforcement_A), sched(params.reinforcement_D)
    A, D = max(f["A0"], 0.0), max(f["D0"], 0.0)
    alpha = min(max(f["alpha0"], 0.0), 1.0)
    W = X = 0.0
    Dcas, Acas = max(f["Dcas0"], 0.0), max(f["Acas0"], 0.0)
    kill_d = f["k"] * f["K_d"] * g(f["alpha_da"], f["S_d"])
    kill_a = f["k"] * f["K_a"] * g(f["alpha_aa"], f["S_a"])
    surv_d = float((1.0 - f["alpha_da"]) ** f["S_d"])
    surv_a = float((1.0 - f["alpha_aa"]) ** f["S_a"])
    names = _TRACE_NAMES
    out: dict[str, list[float]] = {n: [] for n in names}
    stopped = False
    days_run, stop_code, objective_day = days, HORIZON, -1
    for t in range(days + 1):
        if not stopped:
            if A <= f["breakpoint_A"] * max(f["A0"], 0.0):
                stop_code = ATTACKER_BREAKPOINT
            elif D <= f["breakpoint_D"] * max(f["D0"], 0.0):
                stop_code = DEFENDER_BREAKPOINT
            if X >= f["objective_km"]:
                objective_day = t
                if stop_code == HORIZON:
                    stop_code = OBJECTIVE
            if stop_code != HORIZON:
                stopped, days_run = True, t
        fighting = not stopped and t < days
        aA = aD = 0.0
        if fighting:
            a_t = alpha * (1.0 - W / f["W_max"])
            A_next = max(A - a_t * A - kill_d * Dcas, 0.0)
            D_next = max(D - (a_t / f["rho"]) * A - kill_a * Acas, 0.0)
            aA = (A - A_next) / A if A > 0.0 else 0.0
            aD = (D - D_next) / D if D > 0.0 else 0.0
        for name, value in zip(names, (A, D, alpha, W, X, aA, aD, Dcas, Acas), strict=True):
            out[name].append(value)
        if not fighting:
            W = 0.0
            continue
        W_next = 0.0
        if aD > f["alpha_dT"]:
            W_next = W + (f["W_max"] - W) / (1.0 - f["alpha_dT"]) * (aD - f["alpha_dT"])
        alpha_next = alpha - (f["alpha_aT"] - alpha) / f["alpha_aT"] * (aA - f["alpha_aT"])
        A, D = A_next + ra[t], D_next + rd[t]
        alpha = min(max(alpha_next, 0.0), 1.0)
        W = min(max(W_next, 0.0), f["W_max"])
        X += W
        Dcas *= surv_d
        Acas *= surv_a
    out["days_run"] = [float(days_run)]
    out["stop_code"] = [float(stop_code)]
    out["objective_day"] = [float(objective_day)]
    return out
