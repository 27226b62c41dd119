r"""The Patient Rule Induction Method (PRIM): boxes in parameter space where an outcome is common.

PRIM (Friedman & Fisher 1999) looks for a box :math:`B = \prod_j [l_j, u_j]` in the input space
where the mean of a 0/1 (or real) outcome :math:`y` is high. Starting from the box that holds every
point, it **peels**: among the candidate boxes obtained by removing a fraction :math:`\alpha` of the
points still inside from the low or the high end of one input, it keeps the one whose remaining
points have the highest mean of :math:`y`, and repeats while the box keeps at least a share
``mass_min`` of all points and the mean rises. Every step is recorded, giving the **peeling
trajectory** of nested boxes. **Pasting** then widens a box again where that does not lower
its mean: it adds about a fraction :math:`\alpha_p` of the box's points across one face at a
time, taking the face that gives the highest mean, so a box cut too deep by a coarse peel regains
the cases it lost.

For scenario discovery (Bryant & Lempert 2010) each box is judged by

.. math::

    \mathrm{coverage}(B) = \frac{\sum_{x_i \in B} y_i}{\sum_i y_i}, \qquad
    \mathrm{density}(B) = \frac{\sum_{x_i \in B} y_i}{|\{i: x_i \in B\}|}, \qquad
    \mathrm{mass}(B) = \frac{|\{i : x_i \in B\}|}{n},

and by how many inputs it restricts (interpretability). The trajectory trades coverage for
density; :func:`select_box` picks the densest box that keeps a stated minimum coverage.

References
----------
Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional data. *Statistics and
Computing* 9, 123-143. doi:10.1023/A:1008894516817.

Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a participatory,
computer-assisted approach to scenario discovery. *Technological Forecasting and Social Change*
77, 34-49. doi:10.1016/j.techfore.2009.08.002.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_ALPHA = 0.05
DEFAULT_PASTE_ALPHA = 0.05
DEFAULT_MASS_MIN = 0.05
DEFAULT_MIN_COVERAGE = 0.5
PRIM_DIMS = 8


@dataclass(frozen=True)
class Box:
    """One box of a PRIM trajectory.

    Attributes
    ----------
    lower, upper
        Limits per input, shape ``(K,)``; an unrestricted input keeps the data's minimum and
        maximum.
    coverage, density, mass
        See the module docstring.
    restricted
        Indices of the inputs whose limits are tighter than the data's range.
    """

    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    mass: float
    restricted: tuple[int, ...]

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``x`` inside the box."""
        return np.asarray(np.all((x >= self.lower) & (x <= self.upper), axis=1))


@dataclass(frozen=True)
class PrimResult:
    """A peeling trajectory (each box pasted) and the data's overall statistics.

    Attributes
    ----------
    boxes
        Box 0 holds every point; each later box is one more peel (then pasted).
    base_density
        Mean of ``y`` over all points (the density of box 0).
    total
        The sum of ``y``.
    names
        Input names, in column order.
    """

    boxes: list[Box]
    base_density: float
    total: float
    names: list[str] = field(default_factory=list)
    x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    y: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)


def _box_stats(
    inside: np.ndarray,
    y: np.ndarray,
    total: float,
    lower: np.ndarray,
    upper: np.ndarray,
    lo0: np.ndarray,
    hi0: np.ndarray,
) -> Box:
    n_in = int(inside.sum())
    hits = float(y[inside].sum())
    restricted = tuple(int(j) for j in np.nonzero((lower > lo0) | (upper < hi0))[0])
    return Box(
        lower=lower.copy(),
        upper=upper.copy(),
        coverage=hits / total if total > 0 else 0.0,
        density=hits / n_in if n_in else 0.0,
        mass=n_in / y.size,
        restricted=restricted,
    )


def _peel_candidates(
    x: np.ndarray, inside: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float
) -> list[tuple[int, str, float]]:
    """Every (input, side, new limit) removing about ``alpha`` of the points inside."""
    out: list[tuple[int, str, float]] = []
    xin = x[inside]
    for j in range(x.shape[1]):
        col = xin[:, j]
        lo_q, hi_q = np.quantile(col, [alpha, 1.0 - alpha])
        # Strict cuts on the quantile value: ties with the limit go together, so a peel may
        # remove more than alpha on discrete inputs, but never nothing.
        if np.any(col < lo_q):
            out.append((j, "lower", float(lo_q)))
        elif np.any(col <= lo_q) and np.any(col > lo_q):
            out.append((j, "lower", float(np.min(col[col > lo_q]))))
        if np.any(col > hi_q):
            out.append((j, "upper", float(hi_q)))
        elif np.any(col >= hi_q) and np.any(col < hi_q):
            out.append((j, "upper", float(np.max(col[col < hi_q]))))
    del lower, upper
    return out


def _paste(
    x: np.ndarray,
    y: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    alpha: float,
    lo0: np.ndarray,
    hi0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Widen the box one face at a time while that does not lower its mean of ``y``."""
    lower, upper = lower.copy(), upper.copy()
    inside = np.all((x >= lower) & (x <= upper), axis=1)
    for _ in range(100):
        n_in = int(inside.sum())
        current = float(y[inside].mean()) if n_in else 0.0
        step = max(1, int(np.ceil(alpha * n_in)))
        best: tuple[float, int, str, float] | None = None
        outside = ~((x >= lower) & (x <= upper))
        violations = outside.sum(axis=1)
        for j in range(x.shape[1]):
            others = (violations - outside[:, j]) == 0
            col = x[:, j]
            below = np.sort(col[others & (col < lower[j])])[::-1]
            if below.size and lower[j] > lo0[j]:
                new = below[min(step, below.size) - 1]
                trial = others & (col >= new) & (col <= upper[j])
                mean = float(y[trial].mean())
                if mean >= current and (best is None or mean > best[0]):
                    best = (mean, j, "lower", float(new))
            above = np.sort(col[others & (col > upper[j])])
            if above.size and upper[j] < hi0[j]:
                new = above[min(step, above.size) - 1]
                trial = others & (col >= lower[j]) & (col <= new)
                mean = float(y[trial].mean())
                if mean >= current and (best is None or mean > best[0]):
                    best = (mean, j, "upper", float(new))
        if best is None:
            break
        _, j, side, new = best
        if side == "lower":
            lower[j] = new
        else:
            upper[j] = new
        inside = np.all((x >= lower) & (x <= upper), axis=1)
    return lower, upper


def prim(
    x: np.ndarray,
    y: np.ndarray,
    names: list[str] | None = None,
    *,
    alpha: float = DEFAULT_ALPHA,
    paste_alpha: float = DEFAULT_PASTE_ALPHA,
    mass_min: float = DEFAULT_MASS_MIN,
) -> PrimResult:
    """Run PRIM's peeling with pasting and return the trajectory.

    Parameters
    ----------
    x
        Inputs, shape ``(n, K)``, finite.
    y
        Outcome per row, shape ``(n,)``: 0/1 (cases of interest) or non-negative reals.
    names
        Input names for reporting.
    alpha
        Peeling fraction, in (0, 0.5).
    paste_alpha
        Pasting fraction, in (0, 0.5).
    mass_min
        Smallest share of all points a box may hold.

    Returns
    -------
    PrimResult
        The trajectory; box 0 is the whole data.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, K) and y (n,), got {x.shape} and {y.shape}")
    if not (0 < alpha < 0.5 and 0 < paste_alpha < 0.5 and 0 < mass_min < 1):
        raise ValueError("alpha and paste_alpha must lie in (0, 0.5) and mass_min in (0, 1)")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite")
    n = x.shape[0]
    lo0, hi0 = x.min(axis=0), x.max(axis=0)
    total = float(y.sum())
    lower, upper = lo0.copy(), hi0.copy()
    inside = np.ones(n, dtype=bool)
    boxes = [_box_stats(inside, y, total, lower, upper, lo0, hi0)]
    peeled: list[tuple[np.ndarray, np.ndarray]] = []
    while True:
        current = float(y[inside].mean())
        best: tuple[float, np.ndarray, np.ndarray, np.ndarray] | None = None
        for j, side, limit in _peel_candidates(x, inside, lower, upper, alpha):
            col = x[:, j]
            keep = inside & ((col >= limit) if side == "lower" else (col <= limit))
            n_keep = int(keep.sum())
            if n_keep < mass_min * n or n_keep == int(inside.sum()):
                continue
            mean = float(y[keep].mean())
            if best is None or mean > best[0]:
                new_lower, new_upper = lower.copy(), upper.copy()
                if side == "lower":
                    new_lower[j] = limit
                else:
                    new_upper[j] = limit
                best = (mean, keep, new_lower, new_upper)
        if best is None or best[0] <= current:
            break
        _, inside, lower, upper = best
        peeled.append((lower.copy(), upper.copy()))
    for p_lower, p_upper in peeled:
        w_lower, w_upper = _paste(x, y, p_lower, p_upper, paste_alpha, lo0, hi0)
        mask = np.all((x >= w_lower) & (x <= w_upper), axis=1)
        boxes.append(_box_stats(mask, y, total, w_lower, w_upper, lo0, hi0))
    return PrimResult(boxes, float(y.mean()) if n else 0.0, total, list(names or []), x, y)


def select_box(result: PrimResult, min_coverage: float = DEFAULT_MIN_COVERAGE) -> int:
    """Index of the densest box with coverage at least ``min_coverage``.

    Ties go to the box restricting fewer inputs, then to the earlier (larger) box. Box 0 (the whole
    data) always qualifies as a fallback.
    """
    best = 0
    for i, box in enumerate(result.boxes):
        if box.coverage < min_coverage:
            continue
        chosen = result.boxes[best]
        key = (box.density, -len(box.restricted))
        if key > (chosen.density, -len(chosen.restricted)):
            best = i
    return best


def simplify_box(result: PrimResult, index: int, tolerance: float = 0.05) -> PrimResult:
    """Drop restrictions of box ``index`` that barely matter, for a box one can read.

    Repeatedly removes the restriction whose removal lowers the density least, as long as the
    density stays within ``tolerance`` (relative) of the selected box's density. Peeling in many
    dimensions trims a sliver off inputs that do not matter; this undoes those slivers. The box is
    replaced in a copy of the trajectory.
    """
    x, y = result.x, result.y
    box = result.boxes[index]
    if x.size == 0 or not box.restricted:
        return result
    lo0, hi0 = x.min(axis=0), x.max(axis=0)
    floor = (1.0 - tolerance) * box.density
    lower, upper = box.lower.copy(), box.upper.copy()
    while True:
        restricted = np.nonzero((lower > lo0) | (upper < hi0))[0]
        best: tuple[float, int] | None = None
        for j in restricted:
            trial_lo, trial_hi = lower.copy(), upper.copy()
            trial_lo[j], trial_hi[j] = lo0[j], hi0[j]
            inside = np.all((x >= trial_lo) & (x <= trial_hi), axis=1)
            density = float(y[inside].mean()) if inside.any() else 0.0
            if density >= floor and (best is None or density > best[0]):
                best = (density, int(j))
        if best is None:
            break
        lower[best[1]], upper[best[1]] = lo0[best[1]], hi0[best[1]]
    inside = np.all((x >= lower) & (x <= upper), axis=1)
    boxes = list(result.boxes)
    boxes[index] = _box_stats(inside, y, result.total, lower, upper, lo0, hi0)
    return PrimResult(boxes, result.base_density, result.total, result.names, x, y)


def box_limits(result: PrimResult, index: int) -> list[dict[str, float | str]]:
    """The restricted inputs of box ``index`` with their limits, in input order."""
    box = result.boxes[index]
    names = result.names or [f"x{j}" for j in range(box.lower.size)]
    return [
        {"parameter": names[j], "lower": float(box.lower[j]), "upper": float(box.upper[j])}
        for j in box.restricted
    ]


def trajectory(result: PrimResult) -> list[dict[str, float | int]]:
    """The coverage-density trade-off as plain data, one row per box."""
    return [
        {
            "box": i,
            "coverage": b.coverage,
            "density": b.density,
            "mass": b.mass,
            "restricted": len(b.restricted),
        }
        for i, b in enumerate(result.boxes)
    ]


def prim_on_top(
    x: np.ndarray,
    flag: np.ndarray,
    names: list[str],
    scores: list[dict[str, float | str]],
    *,
    dims: int = PRIM_DIMS,
    alpha: float = DEFAULT_ALPHA,
    mass_min: float = DEFAULT_MASS_MIN,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
) -> tuple[PrimResult, int]:
    """PRIM over the ``dims`` best-scored inputs; returns the trajectory and the chosen box.

    The chosen box is :func:`select_box`'s, simplified by :func:`simplify_box`. Without scores
    every input is searched.
    """
    top = [str(s["parameter"]) for s in scores[:dims]] or names
    columns = [names.index(n) for n in top]
    result = prim(x[:, columns], flag.astype(np.float64), top, alpha=alpha, mass_min=mass_min)
    index = select_box(result, min_coverage)
    return simplify_box(result, index), index
