"""Arms dynamics: Richardson's N-actor system, its two-bloc fit, and North Korea's warheads.

Richardson's model
------------------
For ``N`` actors with military spending (or a capability index) ``x``,

    dx/dt = K x − diag(α) x + g = A x + g,    A = K − diag(α),

where ``K_ij`` is the reaction of ``i`` to ``j``'s arms (the defence coefficient), ``α_i`` the
fatigue or expense coefficient and ``g_i`` the grievance. A non-zero diagonal ``K_ii`` simply adds
to ``−α_i``. Over a step ``Δt`` with constant coefficients the solution is exact:

    x(t + Δt) = e^{A Δt} x(t) + (∫_0^Δt e^{A s} ds) g,

computed as one matrix exponential of the augmented ``(N+1) × (N+1)`` matrix

    M = [[A, g], [0, 0]],   e^{M Δt} = [[e^{A Δt}, Φ(Δt) g], [0, 1]],

which needs no inverse of ``A`` and so also holds when ``A`` is singular (for example ``k = α``). If
every eigenvalue of ``A`` has a negative real part the system converges to ``x* = −A⁻¹ g``.

Two-bloc reduction
------------------
With two blocs of total spending ``U`` and ``V``, equal reactions (``k = l``) and equal fatigue
(``α = β``), the sum obeys ``d(U+V)/dt = (k − α)(U + V) + (g + h)``, which :func:`fit_two_bloc` fits
to yearly budgets.

North Korea's warheads
----------------------
A monthly step of assembled warheads under a fissile-material cap that grows with production, a
threat multiplier on the assembly rate, and a threat-dependent hazard of a denuclearisation deal;
see :class:`WarheadParams`.

References
----------
Richardson, L. F. (1939). *Generalized Foreign Politics*. British Journal of Psychology Monograph
Supplements.

Richardson, L. F. (1960). *Arms and Insecurity: A Mathematical Study of the Causes and Origins of
War*. Pittsburgh: Boxwood Press; Chicago: Quadrangle Books (chapter II: the basic model).

Gleditsch, N. P. (ed.) (2020). *Lewis Fry Richardson: His Intellectual Legacy and Influence in the
Social Sciences*. Springer, doi:10.1007/978-3-030-31589-4.

Kristensen, H. M., Korda, M., Johns, E. & Knight, M. (2024). North Korean nuclear weapons, 2024.
*Bulletin of the Atomic Scientists* (FAS Nuclear Notebook), 15 July 2024.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.linalg import expm

from posturelab.models.arms_fit import TwoBlocFit, fit_two_bloc

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "TwoBlocFit",
    "WarheadParams",
    "apply_propagator",
    "deal_hazard",
    "deal_occurs",
    "fit_two_bloc",
    "richardson_equilibrium",
    "richardson_matrix",
    "richardson_propagator",
    "richardson_simulate",
    "richardson_stable",
    "richardson_step",
    "warhead_step",
]


# --------------------------------------------------------------------------------------------------
# Richardson's N-actor system
# --------------------------------------------------------------------------------------------------


def _as_float(a: npt.ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def richardson_matrix(reaction: npt.ArrayLike, fatigue: npt.ArrayLike) -> FloatArray:
    """Return the system matrix ``A = K − diag(α)``.

    Parameters
    ----------
    reaction
        ``K``, shape ``(M, N, N)`` or ``(N, N)``.
    fatigue
        ``α``, shape ``(M, N)`` or ``(N,)``.

    Returns
    -------
    ndarray, shape ``(M, N, N)`` or ``(N, N)`` (broadcast of the inputs)
    """
    k = _as_float(reaction)
    alpha = _as_float(fatigue)
    n = k.shape[-1]
    if k.ndim not in (2, 3) or k.shape[-2] != n or alpha.shape[-1] != n:
        raise ValueError(
            f"reaction must be (…, N, N) and fatigue (…, N); got {k.shape}, {alpha.shape}"
        )
    return np.asarray(k - alpha[..., :, None] * np.eye(n), dtype=np.float64)


def richardson_propagator(
    reaction: npt.ArrayLike,
    fatigue: npt.ArrayLike,
    grievance: npt.ArrayLike,
    dt: float = 1.0,
) -> FloatArray:
    """Exact one-step propagator ``P = expm([[A, g], [0, 0]] · Δt)`` of Richardson's system.

    ``x(t + Δt) = P[:N, :N] x(t) + P[:N, N]``. Parameters shared by all members (no member axis)
    give one ``(N+1, N+1)`` propagator; otherwise one per member, ``(M, N+1, N+1)``, by a batched
    matrix exponential.

    Parameters
    ----------
    reaction, fatigue, grievance
        ``K`` ``(…, N, N)``, ``α`` ``(…, N)``, ``g`` ``(…, N)``; leading member axes broadcast.
    dt
        Step length (same time unit as the coefficients).

    Returns
    -------
    ndarray, shape ``(…, N+1, N+1)``
    """
    a = richardson_matrix(reaction, fatigue)
    g = _as_float(grievance)
    n = a.shape[-1]
    if g.shape[-1] != n:
        raise ValueError(f"grievance must end in {n}, got shape {g.shape}")
    lead = np.broadcast_shapes(a.shape[:-2], g.shape[:-1])
    aug = np.zeros((*lead, n + 1, n + 1), dtype=np.float64)
    aug[..., :n, :n] = a * dt
    aug[..., :n, n] = g * dt
    if aug.ndim == 2:
        return np.asarray(expm(aug), dtype=np.float64)
    return expm_batched(aug)


def expm_batched(a: FloatArray, order: int = 16) -> FloatArray:
    r"""Matrix exponential of a batch ``(…, M, M)`` by scaling, Taylor series and squaring.

    Each matrix is scaled by :math:`2^{-s}` so that its 1-norm is at most 1/2, the Taylor series
    :math:`\sum_{k \le 16} B^k / k!` is summed (truncation error below
    :math:`0.5^{17}/17! \approx 10^{-20}` relative), and the result is squared :math:`s` times
    (Moler & Van Loan 2003, method 3). Every step is a batched ``matmul``, so a batch of small
    matrices costs a few array operations instead of one library call per matrix.
    """
    a = np.asarray(a, dtype=np.float64)
    norm = np.abs(a).sum(axis=-2).max(axis=-1)
    s = np.maximum(0, np.ceil(np.log2(np.maximum(norm, 1e-300) / 0.5))).astype(np.int64)
    b = a * np.exp2(-s.astype(np.float64))[..., None, None]
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    result = eye.copy()
    term = eye.copy()
    for k in range(1, order + 1):
        term = term @ b / k
        result = result + term
    for step in range(int(s.max(initial=0))):
        square = result @ result
        result = np.where((s > step)[..., None, None], square, result)
    return np.asarray(result)


def apply_propagator(
    propagator: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    floor: npt.ArrayLike | None = None,
    path: npt.ArrayLike | None = None,
) -> FloatArray:
    """Advance ``x`` (``(M, N)``) by one step with a propagator from :func:`richardson_propagator`.

    Parameters
    ----------
    propagator
        ``(N+1, N+1)`` or ``(M, N+1, N+1)``.
    x
        State, ``(M, N)``.
    floor
        Optional lower bound, broadcastable to ``(M, N)`` (``-inf`` where none):
        ``x ← max(x, floor)`` after the step. A spending floor (a budget cannot fall below a legal
        minimum).
    path
        Optional prescribed values, broadcastable to ``(M, N)``, ``NaN`` where the actor follows the
        model: where finite, ``x ← path`` after the step (a pledged spending path). Applied after
        ``floor``.

    Returns
    -------
    ndarray, ``(M, N)``
    """
    p = _as_float(propagator)
    state = _as_float(x)
    n = state.shape[-1]
    out = np.einsum("...ij,...j->...i", p[..., :n, :n], state) + p[..., :n, n]
    if floor is not None:
        out = np.maximum(out, _as_float(floor))
    if path is not None:
        target = np.broadcast_to(_as_float(path), out.shape)
        out = np.where(np.isfinite(target), target, out)
    return np.asarray(out, dtype=np.float64)


def richardson_step(
    x: npt.ArrayLike,
    reaction: npt.ArrayLike,
    fatigue: npt.ArrayLike,
    grievance: npt.ArrayLike,
    dt: float = 1.0,
    *,
    floor: npt.ArrayLike | None = None,
    path: npt.ArrayLike | None = None,
) -> FloatArray:
    """One exact step of ``dx/dt = (K − diag α) x + g`` for every member.

    Parameters
    ----------
    x
        Spending or capability, ``(M, N)``.
    reaction
        ``K``, ``(M, N, N)`` or shared ``(N, N)``; ``K_ij`` is ``i``'s reaction to ``j``.
    fatigue
        ``α``, ``(M, N)`` or ``(N,)``.
    grievance
        ``g``, ``(M, N)`` or ``(N,)``; levers that raise an actor's grievance pass it here.
    dt
        Step length in the coefficients' time unit (``1/12`` for a month with yearly coefficients).
    floor, path
        See :func:`apply_propagator`.

    Returns
    -------
    ndarray, ``(M, N)``: ``x(t + Δt) = e^{AΔt} x + Φ(Δt) g``, then floor and path.
    """
    prop = richardson_propagator(reaction, fatigue, grievance, dt)
    return apply_propagator(prop, x, floor=floor, path=path)


def richardson_simulate(
    x0: npt.ArrayLike,
    reaction: npt.ArrayLike,
    fatigue: npt.ArrayLike,
    grievance: npt.ArrayLike,
    dt: float,
    n_steps: int,
    *,
    floors: npt.ArrayLike | None = None,
    paths: npt.ArrayLike | None = None,
) -> FloatArray:
    """Trajectory of ``n_steps`` exact steps with constant coefficients.

    The propagator is computed once. ``floors`` and ``paths``, if given, have a leading step axis
    (``(n_steps, M, N)`` or broadcastable) and act after each step as in :func:`apply_propagator`.

    Returns
    -------
    ndarray, ``(n_steps + 1, M, N)``; element 0 is ``x0``.
    """
    prop = richardson_propagator(reaction, fatigue, grievance, dt)
    x = _as_float(x0)
    out = np.empty((n_steps + 1, *x.shape), dtype=np.float64)
    out[0] = x
    fl = None if floors is None else np.broadcast_to(_as_float(floors), out[1:].shape)
    pa = None if paths is None else np.broadcast_to(_as_float(paths), out[1:].shape)
    for k in range(n_steps):
        x = apply_propagator(
            prop,
            x,
            floor=None if fl is None else fl[k],
            path=None if pa is None else pa[k],
        )
        out[k + 1] = x
    return out


def richardson_equilibrium(
    reaction: npt.ArrayLike, fatigue: npt.ArrayLike, grievance: npt.ArrayLike
) -> FloatArray:
    """Return the fixed point ``x* = −(K − diag α)⁻¹ g``, shape ``(…, N)``.

    Raises
    ------
    ValueError
        If ``A`` is singular for some member (no unique fixed point).
    """
    a = richardson_matrix(reaction, fatigue)
    g = _as_float(grievance)
    lead = np.broadcast_shapes(a.shape[:-2], g.shape[:-1])
    a_b = np.broadcast_to(a, (*lead, *a.shape[-2:]))
    g_b = np.broadcast_to(g, (*lead, g.shape[-1]))
    try:
        sol = np.linalg.solve(a_b, -g_b[..., None])[..., 0]
    except np.linalg.LinAlgError as exc:
        raise ValueError("K − diag(α) is singular: no unique equilibrium") from exc
    return np.asarray(sol, dtype=np.float64)


def richardson_stable(reaction: npt.ArrayLike, fatigue: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Whether every eigenvalue of ``K − diag α`` has a negative real part (per member)."""
    eig = np.linalg.eigvals(richardson_matrix(reaction, fatigue))
    return np.asarray(eig.real.max(axis=-1) < 0, dtype=np.bool_)


# --------------------------------------------------------------------------------------------------
# North Korea's warheads
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WarheadParams:
    """Parameters of North Korea's warhead stock (yearly rates).

    Attributes
    ----------
    initial_warheads
        Assembled warheads at the start of 2025: about 50 (SIPRI Yearbook 2025; FAS 2024).
    initial_capacity
        Warheads' worth of fissile material at the start of 2025: up to about 90 (same sources).
    production_per_year
        Fissile material produced, in warheads' worth a year: about 6 (FAS 2024, which projects the
        stock of material to support up to about 130 warheads by 2030).
    assembly_per_year
        Assembly rate at baseline threat (multiplier 1). Assumption: assembly keeps pace with
        production (6 a year); SIPRI's series (about 20, 30, 50, 50 warheads in January 2022–2025)
        shows it is lumpy.
    dismantle_per_year
        Warheads removed a year while a denuclearisation deal is in force (assumption: 0, a freeze).
    deal_rate_per_year
        Yearly rate of a denuclearisation deal at baseline threat. Assumption, no published
        estimate: 1 % a year.
    deal_threat_sensitivity
        ``β`` in the deal rate ``λ · exp(−β (m − 1))``: a higher threat makes a deal less likely.
        Assumption: 1.
    """

    initial_warheads: float = 50.0
    initial_capacity: float = 90.0
    production_per_year: float = 6.0
    assembly_per_year: float = 6.0
    dismantle_per_year: float = 0.0
    deal_rate_per_year: float = 0.01
    deal_threat_sensitivity: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "initial_warheads",
            "initial_capacity",
            "production_per_year",
            "assembly_per_year",
            "dismantle_per_year",
            "deal_rate_per_year",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
        if self.initial_warheads > self.initial_capacity:
            raise ValueError(
                f"initial_warheads ({self.initial_warheads}) exceeds initial_capacity "
                f"({self.initial_capacity})"
            )
        if not math.isfinite(self.deal_threat_sensitivity):
            raise ValueError("deal_threat_sensitivity must be finite")


def warhead_step(
    warheads: npt.ArrayLike,
    capacity: npt.ArrayLike,
    threat_multiplier: npt.ArrayLike,
    params: WarheadParams,
    *,
    deal_in_force: npt.ArrayLike | None = None,
    dt_months: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """One step (a month by default) of North Korea's warhead stock, per member.

    With ``Δ = dt_months / 12`` years and threat multiplier ``m ≥ 0`` (1 = baseline), members
    without a deal:

        capacity' = capacity + production_per_year · Δ
        warheads' = min(warheads + assembly_per_year · m · Δ, capacity')

    Members with a deal in force: ``capacity' = capacity`` and
    ``warheads' = max(warheads − dismantle_per_year · Δ, 0)``.

    Parameters
    ----------
    warheads, capacity
        Current stock and fissile-material cap (warheads' worth), ``(M,)``.
    threat_multiplier
        ``m``, ``(M,)`` or scalar; the engine derives it from the threat North Korea perceives.
    params
        Rates.
    deal_in_force
        Optional boolean ``(M,)``.
    dt_months
        Step length in months.

    Returns
    -------
    (warheads', capacity'), each ``(M,)``
    """
    w = _as_float(warheads)
    cap = _as_float(capacity)
    m = _as_float(threat_multiplier)
    if np.any(m < 0) or not np.all(np.isfinite(m)):
        raise ValueError("threat_multiplier must be finite and >= 0")
    years = dt_months / 12.0
    cap_next = cap + params.production_per_year * years
    w_next = np.minimum(w + params.assembly_per_year * m * years, cap_next)
    if deal_in_force is not None:
        deal = np.asarray(deal_in_force, dtype=np.bool_)
        cap_next = np.where(deal, cap, cap_next)
        w_next = np.where(deal, np.maximum(w - params.dismantle_per_year * years, 0.0), w_next)
    shape = np.broadcast_shapes(w.shape, cap.shape, m.shape)
    return (
        np.asarray(np.broadcast_to(w_next, shape), dtype=np.float64),
        np.asarray(np.broadcast_to(cap_next, shape), dtype=np.float64),
    )


def deal_hazard(
    threat_multiplier: npt.ArrayLike, params: WarheadParams, *, dt_months: float = 1.0
) -> FloatArray:
    """Probability of a denuclearisation deal during one step, per member.

        hazard = 1 − exp(−λ · exp(−β (m − 1)) · dt_months / 12)

    with ``λ = deal_rate_per_year`` and ``β = deal_threat_sensitivity``. The caller draws the event
    with its own generator (for instance ``deal_occurs(hazard, rng.random(M))``).
    """
    m = _as_float(threat_multiplier)
    rate = params.deal_rate_per_year * np.exp(-params.deal_threat_sensitivity * (m - 1.0))
    return np.asarray(-np.expm1(-rate * dt_months / 12.0), dtype=np.float64)


def deal_occurs(hazard: npt.ArrayLike, uniforms: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Return whether the deal happens, given uniforms ``u`` on ``[0, 1)``: ``u < hazard``."""
    return np.asarray(_as_float(uniforms) < _as_float(hazard), dtype=np.bool_)
