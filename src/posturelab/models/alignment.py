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

The cohesion of a bloc, the solver over an ensemble of members and simulated annealing for large
problems are in :mod:`posturelab.models.alignment_solvers`.
"""

from __future__ import annotations

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
    "AlignmentParams",
    "Landscape",
    "codes_to_sides",
    "energy",
    "exact_landscape",
    "frustration",
    "sides_to_codes",
    "steepest_descent",
]


# --------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------


def check_symmetric(p: FloatArray, what: str) -> None:
    """Raise ``ValueError`` unless ``p`` (or every matrix of a stack) is symmetric."""
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
        check_symmetric(p, "propensities")
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


def spins(sides: npt.NDArray[np.integer]) -> FloatArray:
    """Sides 0/1 as spins +1/-1."""
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
    t = spins(s)
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


def _chunkspins(start: int, stop: int, n: int) -> FloatArray:
    return spins(codes_to_sides(np.arange(start, stop, dtype=np.int64), n))


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
        t = _chunkspins(start, stop, n)
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
