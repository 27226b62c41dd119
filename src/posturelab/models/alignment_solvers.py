"""Landscape theory beyond one exact search: bloc cohesion, ensembles of members, annealing.

Built on :mod:`posturelab.models.alignment` (energies, single-actor moves, the exact landscape),
with its encoding of configurations and its tolerance for numerical ties:

* :func:`bloc_cohesion`: how firmly the global minimum keeps a bloc together, as the energy gap to
  the best configuration that splits it;
* :func:`solve_ensemble`: the global minimum and a bloc's cohesion for every member of an
  ensemble at once (each member with its own propensities and sizes);
* :func:`anneal`: simulated annealing for problems too large for the exact search.

References
----------
Axelrod, R. & Bennett, D. S. (1993). A landscape theory of aggregation. *British Journal of
Political Science* 23(2), 211–233.

Kirkpatrick, S., Gelatt, C. D. & Vecchi, M. P. (1983). Optimization by simulated annealing.
*Science* 220(4598), 671–680.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from posturelab.models.alignment import (
    ENERGY_RTOL,
    EXACT_MAX_ACTORS,
    AlignmentParams,
    Landscape,
    check_symmetric,
    codes_to_sides,
    energy,
    spins,
    steepest_descent,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SideArray = npt.NDArray[np.int8]

__all__ = [
    "AlignmentEnsemble",
    "AnnealResult",
    "BlocCohesion",
    "anneal",
    "bloc_cohesion",
    "solve_ensemble",
]

# --------------------------------------------------------------------------------------------------
# Cohesion of a bloc
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlocCohesion:
    """Cohesion of a bloc (see :func:`bloc_cohesion`).

    Attributes
    ----------
    bloc
        Actor indices of the bloc, sorted.
    cohesion
        ``split_energy − together_energy``.
    together_energy, together_code
        The cheapest configuration that keeps the whole bloc on one side.
    split_energy, split_code
        The cheapest configuration that puts bloc members on both sides.
    global_splits
        Whether the global minimum splits the bloc (then ``cohesion ≤ 0``).
    """

    bloc: tuple[int, ...]
    cohesion: float
    together_energy: float
    together_code: int
    split_energy: float
    split_code: int
    global_splits: bool


def _check_bloc(bloc: Sequence[int], n: int) -> tuple[int, ...]:
    members = tuple(sorted(int(b) for b in bloc))
    if len(members) < 2:
        raise ValueError(f"a bloc needs at least two actors, got {list(bloc)}")
    if len(set(members)) != len(members):
        raise ValueError(f"bloc members must be distinct, got {list(bloc)}")
    if members[0] < 0 or members[-1] >= n:
        raise ValueError(f"bloc members must be actor indices in [0, {n}), got {list(bloc)}")
    return members


def _together_mask(codes: IntArray, members: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    mask = np.int64(0)
    for b in members:
        if b > 0:
            mask |= np.int64(1) << np.int64(b - 1)
    masked = codes & mask
    together = masked == 0
    if members[0] != 0:
        together |= masked == mask
    return np.asarray(together, dtype=np.bool_)


def _first_min(values: FloatArray, tol: float) -> int:
    return int(np.argmax(values <= float(values.min()) + tol))


def bloc_cohesion(landscape: Landscape, bloc: Sequence[int]) -> BlocCohesion:
    """Cohesion of a bloc: how much energy separates "together" from "split".

    Let ``T`` be the configurations in which every member of the bloc is on the same side and ``S``
    the others (the bloc is split). Then

        cohesion(B) = min_{X in S} E(X) − min_{X in T} E(X).

    If the global minimum keeps the bloc together, the second term is the global minimum energy and
    the cohesion (``≥ 0``) is the energy the system must gain before the bloc breaks up: the gap to
    the cheapest configuration that splits it. If the global minimum itself splits the bloc, the
    first term is the global minimum and the cohesion is ``≤ 0``: minus the energy it would cost to
    hold the bloc together. Both sets are never empty (code 0 keeps everybody together; a bloc of
    two or more can always be split). Energies closer than the tolerance count as equal, so a
    cohesion within it of zero means a tie.

    Parameters
    ----------
    landscape
        From :func:`exact_landscape`.
    bloc
        At least two distinct actor indices.

    Returns
    -------
    BlocCohesion
    """
    members = _check_bloc(bloc, landscape.n_actors)
    codes = np.arange(landscape.energies.shape[0], dtype=np.int64)
    together = _together_mask(codes, members)
    e = landscape.energies
    e_t = np.where(together, e, np.inf)
    e_s = np.where(together, np.inf, e)
    t_code = _first_min(e_t, landscape.tolerance)
    s_code = _first_min(e_s, landscape.tolerance)
    return BlocCohesion(
        bloc=members,
        cohesion=float(e[s_code] - e[t_code]),
        together_energy=float(e[t_code]),
        together_code=t_code,
        split_energy=float(e[s_code]),
        split_code=s_code,
        global_splits=not bool(together[landscape.global_code]),
    )


# --------------------------------------------------------------------------------------------------
# Ensemble of problems
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AlignmentEnsemble:
    """Per-member results of :func:`solve_ensemble` (leading axis: member).

    Attributes
    ----------
    codes, sides, energy
        Global minimum: code ``(M,)``, side vectors ``(M, N)`` (actor 0 on side 0), energy ``(M,)``.
    cohesion, together_energy, split_energy
        Bloc cohesion and its two terms, ``(M,)``; NaN when no bloc was given.
    """

    codes: IntArray
    sides: SideArray
    energy: FloatArray
    cohesion: FloatArray
    together_energy: FloatArray
    split_energy: FloatArray


def _update_running(
    best_e: FloatArray,
    best_c: IntArray,
    chunk_e: FloatArray,
    offset: int,
    tol: FloatArray,
) -> None:
    m = chunk_e.min(axis=1)
    idx = np.argmax(chunk_e <= (m + tol)[:, None], axis=1)
    better = m < best_e - tol
    best_e[better] = m[better]
    best_c[better] = idx[better] + offset


def pair_sums(w: FloatArray, d: FloatArray) -> FloatArray:
    """``E[b, c] = Σ_p w[b, p] d[c, p]``, accumulated over ``p`` in order.

    A BLAS matrix product would give the same sums, but it picks its kernel, and so its
    rounding, by the matrices' sizes: a member's energies would then change in the last bits
    with the number of members in its chunk, and the ensemble would not be the same for every
    chunk size. Pairs are few (``N(N-1)/2``), so the loop costs little.
    """
    e = np.zeros((w.shape[0], d.shape[0]), dtype=np.float64)
    for p in range(w.shape[1]):
        e += w[:, p, None] * d[None, :, p]
    return e


def solve_ensemble(
    propensities: npt.ArrayLike,
    sizes: npt.ArrayLike,
    bloc: Sequence[int] | None = None,
    *,
    config_chunk: int = 1 << 13,
    max_block: int = 1 << 22,
) -> AlignmentEnsemble:
    """Exact global minimum and bloc cohesion for a batch of problems at once.

    For member ``m`` with pair weights ``w_m,ij = s_m,i s_m,j p_m,ij`` the energies of all
    configurations are one matrix product: ``E[m, c] = Σ_{i<j} w_m,ij D[c, ij]`` with ``D[c, ij] =
    d_ij`` of configuration ``c``, summed pair by pair in a fixed order (:func:`pair_sums`) so
    that a member's energies do not depend on how many members share its block. Configurations
    are processed in chunks shared by all members (``D`` is built once per chunk) and members in
    blocks so that ``members × configurations`` held at once stays under ``max_block``.
    Definitions (global minimum, cohesion, ties) are those of :func:`exact_landscape` and
    :func:`bloc_cohesion`.

    Parameters
    ----------
    propensities
        Shape ``(M, N, N)``; each symmetric and finite (diagonals ignored).
    sizes
        Shape ``(M, N)`` or ``(N,)`` (shared); finite and ``≥ 0``.
    bloc
        Optional actor indices (at least two) whose cohesion to compute.
    config_chunk, max_block
        Memory bounds.

    Returns
    -------
    AlignmentEnsemble

    Raises
    ------
    ValueError
        On shapes, non-finite or negative values, asymmetric matrices or ``N > EXACT_MAX_ACTORS``.
    """
    p = np.array(propensities, dtype=np.float64)
    if p.ndim != 3 or p.shape[1] != p.shape[2] or p.shape[1] < 2:
        raise ValueError(f"propensities must have shape (M, N, N) with N >= 2, got {p.shape}")
    n_members, n = p.shape[0], p.shape[1]
    if n > EXACT_MAX_ACTORS:
        raise ValueError(f"exact search handles at most {EXACT_MAX_ACTORS} actors, got {n}")
    s = np.asarray(sizes, dtype=np.float64)
    if s.shape == (n,):
        s = np.broadcast_to(s, (n_members, n))
    if s.shape != (n_members, n):
        raise ValueError(f"sizes must have shape ({n_members}, {n}) or ({n},), got {s.shape}")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(s))) or np.any(s < 0):
        raise ValueError("propensities must be finite and sizes finite and >= 0")
    check_symmetric(p, "propensities")
    members = _check_bloc(bloc, n) if bloc is not None else None

    iu, ju = np.triu_indices(n, 1)
    sym = 0.5 * (p + np.swapaxes(p, 1, 2))
    w = s[:, iu] * s[:, ju] * sym[:, iu, ju]  # (M, P)
    tol = ENERGY_RTOL * np.abs(w).sum(axis=1)
    total = 1 << (n - 1)
    chunk = max(1, min(config_chunk, total))
    member_block = max(1, max_block // chunk)

    inf = np.full(n_members, np.inf)
    best_e, tog_e, spl_e = inf.copy(), inf.copy(), inf.copy()
    best_c = np.zeros(n_members, dtype=np.int64)
    tog_c = np.zeros(n_members, dtype=np.int64)
    spl_c = np.zeros(n_members, dtype=np.int64)
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        codes = np.arange(start, stop, dtype=np.int64)
        side = codes_to_sides(codes, n)
        d = (side[:, iu] ^ side[:, ju]).astype(np.float64)  # (C, P)
        together = _together_mask(codes, members) if members is not None else None
        for m0 in range(0, n_members, member_block):
            m1 = min(n_members, m0 + member_block)
            e = pair_sums(w[m0:m1], d)  # (block, C)
            tb = tol[m0:m1]
            _update_running(best_e[m0:m1], best_c[m0:m1], e, start, tb)
            if together is not None:
                _update_running(
                    tog_e[m0:m1], tog_c[m0:m1], np.where(together, e, np.inf), start, tb
                )
                _update_running(
                    spl_e[m0:m1], spl_c[m0:m1], np.where(together, np.inf, e), start, tb
                )
    if members is None:
        nan = np.full(n_members, np.nan)
        cohesion, tog_out, spl_out = nan, nan.copy(), nan.copy()
    else:
        cohesion, tog_out, spl_out = spl_e - tog_e, tog_e, spl_e
    return AlignmentEnsemble(
        codes=best_c,
        sides=codes_to_sides(best_c, n),
        energy=best_e,
        cohesion=np.asarray(cohesion, dtype=np.float64),
        together_energy=np.asarray(tog_out, dtype=np.float64),
        split_energy=np.asarray(spl_out, dtype=np.float64),
    )


# --------------------------------------------------------------------------------------------------
# Simulated annealing
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AnnealResult:
    """Best configuration found by :func:`anneal`.

    Attributes
    ----------
    sides
        Shape ``(N,)``, actor 0 on side 0; a local minimum (annealing ends with steepest descent).
    energy
        Its energy.
    chain_energies
        Shape ``(chains,)``: the final local-minimum energy reached by every chain.
    """

    sides: SideArray
    energy: float
    chain_energies: FloatArray


def anneal(
    params: AlignmentParams,
    rng: np.random.Generator,
    *,
    chains: int = 32,
    sweeps: int = 400,
    t_start: float | None = None,
    t_end: float | None = None,
) -> AnnealResult:
    """Search for the global minimum by simulated annealing (for ``N`` beyond the exact search).

    ``chains`` independent Metropolis chains run side by side (vectorised). Each of ``sweeps · N``
    steps proposes, in every chain, moving one actor chosen uniformly at random; a move with energy
    change ``ΔE = t_i h_i`` is accepted with probability ``min(1, exp(−ΔE / T))``. The temperature
    falls geometrically from ``t_start`` (default: the largest ``Σ_j |w_ij|``, the scale of the
    biggest possible move) to ``t_end`` (default ``t_start / 1000``). Each chain's best
    configuration is then polished by :func:`steepest_descent`, so the result is always a local
    minimum. Annealing gives no optimality guarantee; for ``N ≤ EXACT_MAX_ACTORS`` compare with
    :func:`exact_landscape`.

    Parameters
    ----------
    params
        The problem.
    rng
        The random generator (all draws come from it).
    chains, sweeps
        Number of parallel chains and of sweeps (``N`` proposals per chain each).
    t_start, t_end
        Temperature schedule (energy units).

    Returns
    -------
    AnnealResult
    """
    n = params.n_actors
    w = params.weights
    scale = float(np.abs(w).sum(axis=1).max())
    t0 = t_start if t_start is not None else max(scale, np.finfo(float).tiny)
    t1 = t_end if t_end is not None else t0 * 1e-3
    if chains < 1 or sweeps < 0 or t0 <= 0 or t1 <= 0:
        raise ValueError("chains >= 1, sweeps >= 0 and positive temperatures are required")
    sides = rng.integers(0, 2, size=(chains, n), dtype=np.int8)
    t = spins(sides)
    h = t @ w
    e = 0.25 * (float(w.sum()) - np.einsum("ri,ri->r", t, h))
    best_t = t.copy()
    best_e = e.copy()
    steps = sweeps * n
    temps = t0 * (t1 / t0) ** (np.arange(steps) / max(steps - 1, 1))
    rows = np.arange(chains)
    for k in range(steps):
        i = rng.integers(0, n, size=chains)
        u = rng.random(chains)
        d_e = t[rows, i] * h[rows, i]
        accept = (d_e <= 0) | (u < np.exp(-np.maximum(d_e, 0.0) / temps[k]))
        if np.any(accept):
            r = rows[accept]
            ia = i[accept]
            h[r] -= 2.0 * t[r, ia][:, None] * w[ia]
            t[r, ia] = -t[r, ia]
            e[r] += d_e[accept]
            improved = e < best_e
            best_e[improved] = e[improved]
            best_t[improved] = t[improved]
    final_sides = ((1.0 - best_t) / 2.0).astype(np.int8)
    polished = steepest_descent(params, final_sides)
    polished = polished ^ polished[:, :1]
    chain_e = energy(params, polished)
    k_best = _first_min(chain_e, params.tolerance)
    return AnnealResult(
        sides=polished[k_best].astype(np.int8),
        energy=float(chain_e[k_best]),
        chain_energies=np.asarray(chain_e, dtype=np.float64),
    )
