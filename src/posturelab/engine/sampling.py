"""Sampling uncertain parameters on the unit hypercube (DESIGN section 6).

Every uncertain quantity of a scenario is one column of a design on [0, 1)^K; each column is mapped
through its distribution's inverse CDF (:func:`ppf`). The sampling design is separate from the
marginals, as in EMA Workbench and SALib.

Random streams
--------------
Member ``m`` of a run with root seed ``s`` owns the stream ``SeedSequence(s, spawn_key=(m,))``.
Its first child drives the member's parameter draws (Monte Carlo sampler) and its second child
the member's event draws (attack decisions and other chance events). A member's numbers therefore
do not depend on the chunking, the worker count or the runner, and two variants of a scenario run
with the same seed share every stream (common random numbers). The Latin hypercube and Sobol'
designs are built for the whole ensemble from the root seed, then sliced by member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from posturelab.errors import PosturelabError
from posturelab.scenario.quantity import Quantity

Sampler = Literal["mc", "lhs", "sobol"]
SAMPLERS: tuple[Sampler, ...] = ("mc", "lhs", "sobol")
FloatArray = NDArray[np.float64]


def member_streams(seed: int, member: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Return the (parameter, event) generators of one member.

    Parameters
    ----------
    seed
        The run's root seed (a non-negative integer).
    member
        The member's index in the ensemble.
    """
    return member_stream(seed, member, PARAMS), member_stream(seed, member, EVENTS)


PARAMS, EVENTS = 0, 1


def member_stream(seed: int, member: int, which: int) -> np.random.Generator:
    """One child of member ``member``'s stream: ``PARAMS`` (0) or ``EVENTS`` (1).

    ``SeedSequence(seed, spawn_key=(member, which))`` is exactly the ``which``-th child that
    ``SeedSequence(seed, spawn_key=(member,)).spawn`` returns, built without the parent.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(member, which))
    return np.random.Generator(np.random.PCG64(sequence))


def unit_design(
    sampler: Sampler, seed: int, members: Sequence[int] | NDArray[np.int64], total: int, dims: int
) -> FloatArray:
    """Return the design rows in [0, 1)^dims for the given member indices.

    Parameters
    ----------
    sampler
        ``mc`` (independent uniforms from each member's own stream), ``lhs`` (Latin hypercube
        over the whole ensemble) or ``sobol`` (scrambled Sobol' sequence over the whole ensemble).
    seed
        The run's root seed.
    members
        Indices of the members wanted (a chunk), each in ``[0, total)``.
    total
        Ensemble size (the design's length for ``lhs`` and ``sobol``).
    dims
        Number of uncertain parameters.
    """
    index = np.asarray(members, dtype=np.int64)
    if dims == 0:
        return np.zeros((index.size, 0))
    if sampler == "mc":
        rows = np.empty((index.size, dims))
        for row, member in enumerate(index):
            rows[row] = member_stream(seed, int(member), PARAMS).random(dims)
        return rows
    from scipy.stats import qmc  # imported here: scipy.stats is slow to import

    design_seed = np.random.SeedSequence(seed, spawn_key=(2**32 - 1,))
    rng = np.random.Generator(np.random.PCG64(design_seed))
    if sampler == "lhs":
        full = qmc.LatinHypercube(d=dims, rng=rng).random(total)
    elif sampler == "sobol":
        # The balance properties need a power of two: draw 2^m >= total points, keep the first.
        power = max(0, int(np.ceil(np.log2(total))))
        full = qmc.Sobol(d=dims, scramble=True, rng=rng).random_base2(power)[:total]
    else:  # pragma: no cover - guarded by the Literal type and the CLI
        raise ValueError(f"unknown sampler {sampler!r}; use one of {SAMPLERS}")
    return np.asarray(full[index], dtype=np.float64)


def ppf(q: Quantity, u: FloatArray) -> FloatArray:
    r"""Map uniforms ``u`` through the inverse CDF of quantity ``q``.

    The distributions and their inverse CDFs:

    - uniform: :math:`a + u (b - a)`;
    - triangular (low a, mode c, high b): :math:`a + \sqrt{u (b-a)(c-a)}` for
      :math:`u < (c-a)/(b-a)`, else :math:`b - \sqrt{(1-u)(b-a)(b-c)}`;
    - PERT: :math:`a + (b-a) B^{-1}(u; \alpha, \beta)` with :math:`\alpha = 1 + 4 (c-a)/(b-a)`,
      :math:`\beta = 1 + 4 (b-c)/(b-a)` (Malcolm et al. 1959; Vose 2008);
    - truncated normal:
      :math:`\mu + \sigma \Phi^{-1}(\Phi(\alpha) + u (\Phi(\beta) - \Phi(\alpha)))`;
    - lognormal: :math:`m \exp(\sigma \Phi^{-1}(u))` with median m;
    - choice: the first choice whose cumulative weight exceeds u.

    A fixed value is broadcast.
    """
    u = np.asarray(u, dtype=np.float64)
    if q.value is not None:
        return np.full(u.shape, q.value)
    match q.dist:
        case "uniform":
            lo, hi = float(q.low or 0.0), float(q.high or 0.0)
            return lo + u * (hi - lo)
        case "triangular":
            a, c, b = float(q.low or 0.0), float(q.mode or 0.0), float(q.high or 0.0)
            split = (c - a) / (b - a)
            left = a + np.sqrt(u * (b - a) * (c - a))
            right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
            return np.where(u < split, left, right)
        case "pert":
            a, c, b = float(q.low or 0.0), float(q.mode or 0.0), float(q.high or 0.0)
            alpha = 1.0 + 4.0 * (c - a) / (b - a)
            beta = 1.0 + 4.0 * (b - c) / (b - a)
            return np.asarray(a + (b - a) * special.betaincinv(alpha, beta, u), dtype=np.float64)
        case "truncnormal":
            mu, sd = float(q.mean or 0.0), float(q.sd or 1.0)
            lo = -np.inf if q.low is None else (q.low - mu) / sd
            hi = np.inf if q.high is None else (q.high - mu) / sd
            low_p, high_p = special.ndtr(lo), special.ndtr(hi)
            return np.asarray(mu + sd * special.ndtri(low_p + u * (high_p - low_p)))
        case "lognormal":
            scale = float(q.sigma or 0.0)
            return np.asarray(float(q.median or 1.0) * np.exp(scale * special.ndtri(u)))
        case "choice":
            choices = np.asarray(q.choices, dtype=np.float64)
            weights = np.ones_like(choices) if q.weights is None else np.asarray(q.weights, float)
            cumulative = np.cumsum(weights) / weights.sum()
            picks = np.searchsorted(cumulative, u, side="right")
            return choices[np.minimum(picks, choices.size - 1)]
    raise ValueError(f"unknown distribution {q.dist!r}")  # pragma: no cover


class NonFiniteError(PosturelabError, ValueError):
    """Values that became infinite or NaN, named with the stage where they were found.

    Attributes
    ----------
    stage
        Where the check ran (``sampling``, or the engine component that produced the values).
    counts
        For each offending name (a scenario parameter's dotted path, or an indicator), how many
        members hold a non-finite value, out of ``members``.
    paths
        For each offending name, the dotted path of the scenario's number it comes from (such as
        ``contests.red_attack.beta``), where one is known: the place a message points at.

    The error is deterministic (the same numbers overflow on every try), so a runner does not
    retry the chunk; it pickles with its fields, so it crosses a process pool intact.
    """

    def __init__(
        self,
        stage: str,
        counts: Mapping[str, int],
        members: int,
        paths: Mapping[str, str] | None = None,
    ) -> None:
        self.stage = stage
        self.counts = dict(counts)
        self.members = members
        self.paths = {name: path for name, path in (paths or {}).items() if name in self.counts}
        shown = "; ".join(
            f"{name!r} in {count} of {members} members" for name, count in self.counts.items()
        )
        super().__init__(
            f"non-finite values (inf or NaN) after {stage}: {shown}. The scenario's numbers "
            "overflow double precision here; narrow the distribution or the values named"
        )

    def __reduce__(self) -> tuple[type[NonFiniteError], tuple[Any, ...]]:
        return (NonFiniteError, (self.stage, self.counts, self.members, self.paths))


def check_finite(
    name_to_array: Mapping[str, NDArray[np.generic]],
    stage: str,
    paths: Mapping[str, str] | None = None,
) -> None:
    """Refuse arrays with infinite or NaN values, naming each one that has them.

    Called on the sampled parameters right after sampling, and on the values an engine component
    produces where every value must be finite (NaN, where a value "does not apply", must not be
    passed here).

    Parameters
    ----------
    name_to_array
        Arrays by name, each with the member on its leading axis.
    stage
        Where the values come from, for the message (``sampling``, ``decisions``, ...).
    paths
        For each name, the dotted path of the scenario's number behind it (see
        :class:`NonFiniteError`).

    Raises
    ------
    NonFiniteError
        Naming every array with a non-finite value and how many members hold one.
    """
    counts: dict[str, int] = {}
    members = 0
    for name, array in name_to_array.items():
        values = np.asarray(array, dtype=np.float64)
        members = max(members, values.shape[0] if values.ndim else 1)
        bad = ~np.isfinite(values)
        if bad.any():
            per_member = bad.reshape(bad.shape[0], -1).any(axis=1) if bad.ndim else bad
            counts[name] = int(np.count_nonzero(per_member))
    if counts:
        raise NonFiniteError(stage, counts, members, paths)
