"""Alignment by landscape theory (Axelrod & Bennett 1993), solved exactly or by annealing.

Actors ``i = 0 … N−1`` have sizes ``s_i ≥ 0`` and symmetric propensities ``p_ij = p_ji`` (``p_ij >
0``: ``i`` and ``j`` prefer to be on the same side). A two-sided configuration ``X`` puts every
actor on side 0 or side 1; its energy is

    E(X) = Σ_{i<j} s_i · s_j · p_ij · d_ij(X),
    d_ij(X) = 1 if i and j are on opposite sides, else 0,

and the frustration of actor ``i`` is ``F_i(X) = Σ_j s_j · p_ij · d_ij(X)``. Because ``p`` is
symmetric, a move of actor ``i`` changes the energy by ``ΔE = s_i · ΔF_i``: whenever an
actor lowers its own frustration it lowers the energy (Axelrod & Bennett, footnote 2). Predicted
alignments are the local minima of ``E`` under single-actor moves.

Encoding
--------
Swapping the two side labels leaves ``E`` unchanged, so actor 0 is fixed on side 0 and a
configuration is an integer *code* ``c`` in ``[0, 2^(N−1))`` whose bit ``k−1`` is the side of actor
``k``. Moving actor 0 is still a legal move: it gives the configuration whose code is ``c XOR
(2^(N−1) − 1)``.

Numerical ties
--------------
Energies are computed in floating point. Two energies closer than
``ENERGY_RTOL · Σ_{i<j} |s_i s_j p_ij|`` are treated as equal: a move "lowers the energy" only when
it does so by more than this tolerance, and among equal candidates the lowest actor index (for
moves) or the lowest code (for minima) wins.

References
----------
Axelrod, R. & Bennett, D. S. (1993). A landscape theory of aggregation. *British Journal of
Political Science* 23(2), 211–233.

Axelrod, R., Mitchell, W., Thomas, R. E., Bennett, D. S. & Bruderer, E. (1995). Coalition formation
in standard-setting alliances. *Management Science* 41(9), 1493–1508.

Galam, S. (1996). Fragmentation versus stability in bimodal coalitions. *Physica A* 230, 174–188.

Galam, S. (1998). Comment on "A landscape theory of aggregation". *British Journal of Political
Science* 28(2), 411–412.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SideArray = npt.NDArray[np.int8]

#: Relative tolerance under which two energies count as equal (times ``Σ_{i<j} |w_ij|``).
ENERGY_RTOL = 1e-9
#: Largest number of actors the exact search accepts (2^(N−1) configurations are held in memory).
EXACT_MAX_ACTORS = 24
#: Relative tolerance of the symmetry check on propensity matrices.
SYMMETRY_RTOL = 1e-9

__all__ = [
    "ENERGY_RTOL",
    "EXACT_MAX_ACTORS",
    "AlignmentEnsemble",
    "AlignmentParams",
    "AnnealResult",
    "BlocCohesion",
    "Landscape",
    "anneal",
    "bloc_cohesion",
    "codes_to_sides",
    "energy",
    "exact_landscape",
    "frustration",
    "sides_to_codes",
    "solve_ensemble",
    "steepest_descent",
]


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def _check_symmetric(p: FloatArray, what: str) -> None:
    scale = np.maximum(1.0, np.maximum(np.abs(p), np.abs(np.swapaxes(p, -1, -2))))
    gap = np.abs(p - np.swapaxes(p, -1, -2))
    if np.any(gap > SYMMETRY_RTOL * scale):
        raise ValueError(f"{what} must be symmetric (largest |p_ij − p_ji| = {float(gap.max())!r})")


@dataclass(frozen=True, eq=False)
class AlignmentParams:
    """Sizes and propensities of one alignment problem.

    Parameters
    ----------
    sizes
        Shape ``(N,)``; finite and non-negative (a composite capability share, for instance).
    propensities
        Shape ``(N, N)``; finite and symmetric. The diagonal is ignored. Positive entries mean the
        pair prefers the same side.
    names
        Optional actor names, ``N`` of them, used only for display.

    Raises
    ------
    ValueError
        On shapes, non-finite values, negative sizes, an asymmetric matrix or fewer than two actors.

    Notes
    -----
    The stored arrays are read-only copies; the propensity matrix is symmetrised as ``(p + pᵀ)/2``
    (it is already symmetric within ``SYMMETRY_RTOL``) and its diagonal set to zero.
    """

    sizes: FloatArray
    propensities: FloatArray
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        sizes = np.array(self.sizes, dtype=np.float64)
        p = np.array(self.propensities, dtype=np.float64)
        if sizes.ndim != 1 or sizes.shape[0] < 2:
            raise ValueError(f"sizes must have shape (N,) with N >= 2, got {sizes.shape}")
        n = sizes.shape[0]
        if p.shape != (n, n):
            raise ValueError(f"propensities must have shape ({n}, {n}), got {p.shape}")
        if not np.all(np.isfinite(sizes)) or np.any(sizes < 0):
            raise ValueError("sizes must be finite and >= 0")
        if not np.all(np.isfinite(p)):
            raise ValueError("propensities must be finite")
        _check_symmetric(p, "propensities")
        if self.names and len(self.names) != n:
            raise ValueError(f"names must hold {n} entries, got {len(self.names)}")
        p = 0.5 * (p + p.T)
        np.fill_diagonal(p, 0.0)
        sizes.flags.writeable = False
        p.flags.writeable = False
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "propensities", p)
        object.__setattr__(self, "names", tuple(self.names))

    @property
    def n_actors(self) -> int:
        """Number of actors ``N``."""
        return int(self.sizes.shape[0])

    @property
    def weights(self) -> FloatArray:
        """The pair weights ``w_ij = s_i s_j p_ij`` (zero diagonal), shape ``(N, N)``."""
        return np.asarray(np.outer(self.sizes, self.sizes) * self.propensities, dtype=np.float64)

    @property
    def tolerance(self) -> float:
        """Energy tolerance ``ENERGY_RTOL · Σ_{i<j} |w_ij|``."""
        return float(ENERGY_RTOL * 0.5 * np.abs(self.weights).sum())


# --------------------------------------------------------------------------------------------------
# Encoding and energies of given configurations
# --------------------------------------------------------------------------------------------------


def codes_to_sides(codes: npt.ArrayLike, n_actors: int) -> SideArray:
    """Expand configuration codes into side vectors.

    Parameters
    ----------
    codes
        Integer codes in ``[0, 2^(N−1))``, any shape ``S``.
    n_actors
        ``N``.

    Returns
    -------
    ndarray of int8, shape ``S + (N,)``
        Side (0 or 1) of every actor; actor 0 is always on side 0.
    """
    c = np.asarray(codes, dtype=np.int64)
    shifts = np.arange(n_actors - 1, dtype=np.int64)
    bits = (c[..., None] >> shifts) & 1
    zero = np.zeros((*c.shape, 1), dtype=np.int64)
    return np.concatenate([zero, bits], axis=-1).astype(np.int8)


def sides_to_codes(sides: npt.ArrayLike) -> IntArray:
    """Canonical codes of side vectors ``(..., N)``; labels swap where actor 0 is on side 1."""
    s = np.asarray(sides, dtype=np.int64) & 1
    s = s ^ s[..., :1]
    weights = np.int64(1) << np.arange(s.shape[-1] - 1, dtype=np.int64)
    return np.asarray((s[..., 1:] * weights).sum(axis=-1), dtype=np.int64)


def energy(params: AlignmentParams, sides: npt.ArrayLike) -> FloatArray:
    """Energy ``E(X) = Σ_{i<j} s_i s_j p_ij d_ij(X)`` of side vectors.

    Parameters
    ----------
    params
        The problem.
    sides
        Shape ``(..., N)``, entries 0 or 1.

    Returns
    -------
    ndarray, shape ``(...)``
    """
    s = np.asarray(sides, dtype=np.int8)
    d = (s[..., :, None] != s[..., None, :]).astype(np.float64)
    return np.asarray(0.5 * np.einsum("...ij,ij->...", d, params.weights), dtype=np.float64)


def frustration(params: AlignmentParams, sides: npt.ArrayLike) -> FloatArray:
    """Frustration ``F_i(X) = Σ_j s_j p_ij d_ij(X)`` of every actor, shape ``(..., N)``."""
    s = np.asarray(sides, dtype=np.int8)
    d = (s[..., :, None] != s[..., None, :]).astype(np.float64)
    return np.asarray(
        np.einsum("...ij,ij,j->...i", d, params.propensities, params.sizes), dtype=np.float64
    )


def _spins(sides: npt.NDArray[np.integer]) -> FloatArray:
    return np.asarray(1.0 - 2.0 * sides, dtype=np.float64)


def steepest_descent(
    params: AlignmentParams, sides: npt.ArrayLike, *, max_steps: int | None = None
) -> SideArray:
    """Follow steepest descent from each configuration of a batch to a local minimum.

    Each step makes the single-actor move that lowers the energy most; ties (within the tolerance)
    go to the lowest actor index. With spins ``t_i = 1 − 2·side_i`` and fields ``h = W t`` (``W_ij =
    s_i s_j p_ij``), moving actor ``i`` changes the energy by ``ΔE_i = t_i h_i``.

    Parameters
    ----------
    params
        The problem.
    sides
        Shape ``(K, N)`` (or ``(N,)``) starting configurations.
    max_steps
        Safety bound on the number of steps (default ``N · 2^min(N, 30)``, never reached in
        practice).

    Returns
    -------
    ndarray of int8, same shape as ``sides``
        The local minima reached (labels as in the input, not canonicalised).
    """
    s0 = np.asarray(sides, dtype=np.int8)
    single = s0.ndim == 1
    s = np.atleast_2d(s0).copy()
    w = params.weights
    tol = params.tolerance
    t = _spins(s)
    h = t @ w
    rows = np.arange(s.shape[0])
    limit = max_steps if max_steps is not None else params.n_actors * 2 ** min(params.n_actors, 30)
    for _ in range(limit):
        d_e = t * h
        m = d_e.min(axis=1)
        active = m < -tol
        if not np.any(active):
            break
        best = np.argmax(d_e <= (m + tol)[:, None], axis=1)
        r = rows[active]
        i = best[active]
        h[r] -= 2.0 * t[r, i][:, None] * w[i]
        t[r, i] = -t[r, i]
        s[r, i] = 1 - s[r, i]
    return s[0] if single else s


# --------------------------------------------------------------------------------------------------
# Exact search
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Landscape:
    """The whole energy landscape of one problem, from :func:`exact_landscape`.

    Attributes
    ----------
    n_actors
        ``N``.
    energies
        Shape ``(2^(N−1),)``: the energy of every configuration code.
    next_code
        Shape ``(2^(N−1),)``: the configuration the steepest-descent step leads to (itself at a
        minimum).
    minima
        Codes of all local minima, sorted by energy then code.
    minimum_energies
        Their energies.
    basins
        Their basin sizes (number of configurations whose steepest descent ends there); they sum to
        ``2^(N−1)``.
    global_code, global_energy
        The global minimum (the lowest code among configurations within the tolerance of the
        minimum).
    tolerance
        The energy tolerance used.
    """

    n_actors: int
    energies: FloatArray
    next_code: IntArray
    minima: IntArray
    minimum_energies: FloatArray
    basins: IntArray
    global_code: int
    global_energy: float
    tolerance: float

    def sides(self, code: int) -> SideArray:
        """Side vector (shape ``(N,)``) of a configuration code."""
        return codes_to_sides(np.int64(code), self.n_actors)


def _chunk_spins(start: int, stop: int, n: int) -> FloatArray:
    return _spins(codes_to_sides(np.arange(start, stop, dtype=np.int64), n))


def exact_landscape(params: AlignmentParams, *, chunk_size: int = 1 << 15) -> Landscape:
    """Enumerate all ``2^(N−1)`` configurations: energies, local minima and their basins.

    Method
    ------
    1. Energies, in chunks of configurations: with spins ``t`` (shape ``(C, N)``) and fields
       ``h = t W``, ``E = ¼ (Σ_ij W_ij − Σ_i t_i h_i)``.
    2. Best-move pointer of every configuration: the energies of its ``N`` neighbours are gathered
    from
       the energy table; the pointer goes to the neighbour with the largest drop (lowest actor index
       among ties), or to the configuration itself when no move lowers the energy by more than the
       tolerance.
    3. Pointer jumping (``root ← root[root]`` until nothing changes; about ``log2`` of the longest
    descent
       path passes) gives every configuration's end point; basin sizes are counts of end points.

    Parameters
    ----------
    params
        The problem; ``N`` at most ``EXACT_MAX_ACTORS``.
    chunk_size
        Configurations handled at once (bounds the ``(C, N)`` temporaries).

    Returns
    -------
    Landscape

    Raises
    ------
    ValueError
        If ``N > EXACT_MAX_ACTORS``.
    """
    n = params.n_actors
    if n > EXACT_MAX_ACTORS:
        raise ValueError(f"exact search handles at most {EXACT_MAX_ACTORS} actors, got {n}")
    w = params.weights
    tol = params.tolerance
    total = 1 << (n - 1)
    w_sum = float(w.sum())
    energies = np.empty(total, dtype=np.float64)
    for start in range(0, total, chunk_size):
        stop = min(total, start + chunk_size)
        t = _chunk_spins(start, stop, n)
        energies[start:stop] = 0.25 * (w_sum - np.einsum("ci,ci->c", t @ w, t))
    if np.all(w >= 0):
        np.maximum(energies, 0.0, out=energies)  # rounding must not make an energy negative

    full_mask = np.int64(total - 1)
    flips = np.concatenate([[full_mask], np.int64(1) << np.arange(n - 1, dtype=np.int64)])
    next_code = np.arange(total, dtype=np.int64)
    for start in range(0, total, chunk_size):
        stop = min(total, start + chunk_size)
        codes = np.arange(start, stop, dtype=np.int64)
        neighbours = codes[:, None] ^ flips[None, :]
        d_e = energies[neighbours] - energies[start:stop, None]
        m = d_e.min(axis=1)
        best = np.argmax(d_e <= (m + tol)[:, None], axis=1)
        moving = m < -tol
        chosen = neighbours[np.arange(stop - start), best]
        next_code[start:stop] = np.where(moving, chosen, codes)

    root = next_code
    while True:
        jumped = root[root]
        if np.array_equal(jumped, root):
            break
        root = jumped
    is_min = next_code == np.arange(total, dtype=np.int64)
    minima = np.flatnonzero(is_min).astype(np.int64)
    counts = np.bincount(root, minlength=total)
    order = np.lexsort((minima, energies[minima]))
    minima = minima[order]
    g_val = float(energies.min())
    g_code = int(np.argmax(energies <= g_val + tol))
    for arr in (energies, next_code):
        arr.flags.writeable = False
    return Landscape(
        n_actors=n,
        energies=energies,
        next_code=next_code,
        minima=minima,
        minimum_energies=energies[minima],
        basins=counts[minima].astype(np.int64),
        global_code=g_code,
        global_energy=float(energies[g_code]),
        tolerance=tol,
    )


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
    d_ij`` of configuration ``c``. Configurations are processed in chunks shared by all members
    (``D`` is built once per chunk) and members in blocks so that ``members × configurations`` held
    at once stays under ``max_block``. Definitions (global minimum, cohesion, ties) are those of
    :func:`exact_landscape` and :func:`bloc_cohesion`.

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
    _check_symmetric(p, "propensities")
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
            e = w[m0:m1] @ d.T  # (block, C)
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
    t = _spins(sides)
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
