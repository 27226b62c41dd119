r"""Numbers with provenance: the :class:`Quantity` every scenario number is written as.

A quantity is either a fixed ``value`` or a ``dist`` (a probability distribution over plausible
values). Every quantity names where it comes from: ``source`` (an id from the scenario's source
list) or ``assumption`` (a one-line rationale). An assumption must carry an uncertainty range, so
an assumed number is always a distribution, never a bare value.

Distributions and their fields
------------------------------
``uniform``      ``low``, ``high``
``triangular``   ``low``, ``mode``, ``high``
``pert``         ``low``, ``mode``, ``high`` (Beta-PERT with shape parameter 4; Vose 2008)
``truncnormal``  ``mean``, ``sd``, optional ``low``, ``high``
``lognormal``    ``median``, ``sigma`` (of the logarithm)
``choice``       ``choices``, optional ``weights``

Disputed signs
--------------
Where the literature disputes the sign of an effect, the quantity's range spans zero and
``signs: {positive: SOURCE_ID, negative: SOURCE_ID}`` names a source for each side (its own
``source`` or ``assumption`` then speaks for the size); a quantity with ``signs`` whose range
does not span zero is refused.

Numerical limits
----------------
Every number of a quantity lies within ``±MAX_ABS`` (1e15), so that sums and products of a few
of them stay finite in double precision. A truncated normal must keep at least ``MIN_TRUNC_MASS``
(1e-9) of its probability between its bounds (otherwise its inverse CDF, computed from
:math:`\Phi(\beta) - \Phi(\alpha)`, is numerically meaningless), and a lognormal's ``sigma``
is at most ``MAX_LOG_SIGMA`` (10: the draws a double-precision uniform can reach, down to the
1-in-10^15 quantile, then stay within ``exp(±83)``, about 1e36, times the median).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

DistName = Literal["uniform", "triangular", "pert", "truncnormal", "lognormal", "choice"]

_DIST_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    # name: (required fields, optional fields)
    "uniform": ({"low", "high"}, set()),
    "triangular": ({"low", "mode", "high"}, set()),
    "pert": ({"low", "mode", "high"}, set()),
    "truncnormal": ({"mean", "sd"}, {"low", "high"}),
    "lognormal": ({"median", "sigma"}, set()),
    "choice": ({"choices"}, {"weights"}),
}
_ALL_DIST_FIELDS = {"low", "high", "mode", "mean", "sd", "median", "sigma", "choices", "weights"}

MAX_ABS = 1e15
"""Largest magnitude of any number in a quantity."""
MIN_TRUNC_MASS = 1e-9
"""Smallest probability a truncated normal may keep between its bounds."""
MAX_LOG_SIGMA = 10.0
"""Largest ``sigma`` of a lognormal."""

BARE_NUMBER_HINT = (
    "a number needs its provenance: write {value: X, source: SOURCE_ID} or "
    "{dist: ..., assumption: 'why'}"
)


class SignSources(BaseModel):
    """The sources for each side of a quantity whose sign is disputed (ids of the source list)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    positive: str = Field(min_length=1)
    negative: str = Field(min_length=1)


class Quantity(BaseModel):
    """A scenario number: a value or a distribution, with its source or an assumption."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float | None = Field(default=None, allow_inf_nan=False)
    dist: DistName | None = None
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    mode: float | None = Field(default=None, allow_inf_nan=False)
    mean: float | None = Field(default=None, allow_inf_nan=False)
    sd: float | None = Field(default=None, allow_inf_nan=False)
    median: float | None = Field(default=None, allow_inf_nan=False)
    sigma: float | None = Field(default=None, allow_inf_nan=False)
    choices: tuple[float, ...] | None = None
    weights: tuple[float, ...] | None = None
    unit: str | None = None
    source: str | None = Field(default=None, min_length=1)
    assumption: str | None = Field(default=None, min_length=3)
    note: str | None = None
    signs: SignSources | None = None

    @model_validator(mode="before")
    @classmethod
    def _refuse_bare_numbers(cls, data: Any) -> Any:
        if isinstance(data, bool | int | float):
            raise ValueError(f"{BARE_NUMBER_HINT}; got the bare number {data!r}")
        return data

    @model_validator(mode="after")
    def _check(self) -> Quantity:
        if (self.value is None) == (self.dist is None):
            raise ValueError("give exactly one of 'value' or 'dist'")
        if (self.source is None) == (self.assumption is None):
            raise ValueError(
                "give exactly one of 'source' (a source id) or 'assumption' (a one-line reason)"
            )
        present = {f for f in _ALL_DIST_FIELDS if getattr(self, f) is not None}
        if self.value is not None:
            if present:
                raise ValueError(
                    f"a fixed value takes no distribution fields; remove {sorted(present)}"
                )
            _check_magnitudes(self)
            if self.signs is not None:
                raise ValueError("'signs' needs a range spanning zero, not a fixed value")
            if self.assumption is not None:
                raise ValueError(
                    "an assumption must carry an uncertainty range: give a 'dist' "
                    f"(for example uniform low/high) instead of the fixed value {self.value!r}"
                )
            return self
        assert self.dist is not None  # for type checkers: guaranteed by the check above
        required, optional = _DIST_FIELDS[self.dist]
        missing = required - present
        if missing:
            raise ValueError(f"dist {self.dist!r} needs {sorted(missing)}")
        extra = present - required - optional
        if extra:
            raise ValueError(f"dist {self.dist!r} does not take {sorted(extra)}")
        _check_magnitudes(self)
        _check_dist(self)
        if self.signs is not None:
            lo, hi = support(self)
            if not lo < 0.0 < hi:
                raise ValueError(
                    "'signs' gives a source for each side of zero, so the range must span zero; "
                    f"got {self.describe()}"
                )
        return self

    @property
    def is_uncertain(self) -> bool:
        """Whether the quantity is a distribution (sampled per member) rather than a value."""
        return self.dist is not None

    @property
    def nominal(self) -> float:
        """A central value: the fixed value, or the distribution's median-like centre."""
        if self.value is not None:
            return self.value
        match self.dist:
            case "uniform":
                return (_f(self.low) + _f(self.high)) / 2
            case "triangular" | "pert":
                return _f(self.mode)
            case "truncnormal":
                return min(max(_f(self.mean), self.low or -math.inf), self.high or math.inf)
            case "lognormal":
                return _f(self.median)
            case _:
                assert self.choices is not None
                weights = self.weights or tuple(1.0 for _ in self.choices)
                return max(zip(weights, self.choices, strict=True))[1]

    def describe(self) -> str:
        """A short human-readable rendering, e.g. ``28500`` or ``uniform(0.1, 0.3)``."""
        if self.value is not None:
            return _fmt(self.value)
        args: list[str]
        match self.dist:
            case "uniform":
                args = [_fmt(self.low), _fmt(self.high)]
            case "triangular" | "pert":
                args = [_fmt(self.low), _fmt(self.mode), _fmt(self.high)]
            case "truncnormal":
                args = [f"mean={_fmt(self.mean)}", f"sd={_fmt(self.sd)}"]
                if self.low is not None:
                    args.append(f"low={_fmt(self.low)}")
                if self.high is not None:
                    args.append(f"high={_fmt(self.high)}")
            case "lognormal":
                args = [f"median={_fmt(self.median)}", f"sigma={_fmt(self.sigma)}"]
            case _:
                args = [_fmt(c) for c in self.choices or ()]
        return f"{self.dist}({', '.join(args)})"


def _f(x: float | None) -> float:
    assert x is not None
    return x


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _check_magnitudes(q: Quantity) -> None:
    """Refuse numbers beyond ``±MAX_ABS``, whose sums and products can overflow."""
    for name in ("value", "low", "high", "mode", "mean", "sd", "median", "sigma"):
        x = getattr(q, name)
        if x is not None and abs(x) > MAX_ABS:
            raise ValueError(
                f"{name} must lie within ±{MAX_ABS:g} (larger numbers overflow the model's "
                f"arithmetic), got {x!r}"
            )
    for x in q.choices or ():
        if math.isfinite(x) and abs(x) > MAX_ABS:
            raise ValueError(f"choices must lie within ±{MAX_ABS:g}, got {x!r}")


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _check_dist(q: Quantity) -> None:
    match q.dist:
        case "uniform":
            if not _f(q.low) < _f(q.high):
                raise ValueError(f"uniform needs low < high, got low={q.low}, high={q.high}")
        case "triangular" | "pert":
            lo, mo, hi = _f(q.low), _f(q.mode), _f(q.high)
            if not (lo <= mo <= hi and lo < hi):
                raise ValueError(
                    f"{q.dist} needs low <= mode <= high and low < high, "
                    f"got low={lo}, mode={mo}, high={hi}"
                )
        case "truncnormal":
            if not _f(q.sd) > 0:
                raise ValueError(f"truncnormal needs sd > 0, got {q.sd}")
            lo = -math.inf if q.low is None else q.low
            hi = math.inf if q.high is None else q.high
            if not lo < hi:
                raise ValueError(f"truncnormal needs low < high, got low={q.low}, high={q.high}")
            mean, sd = _f(q.mean), _f(q.sd)
            mass = _normal_cdf((hi - mean) / sd) - _normal_cdf((lo - mean) / sd)
            if not mass >= MIN_TRUNC_MASS:
                raise ValueError(
                    f"truncnormal(mean={mean:g}, sd={sd:g}) keeps a share {mass:.3g} of its "
                    f"probability in [{q.low}, {q.high}] (at least {MIN_TRUNC_MASS:g} is needed); "
                    "move the mean or widen sd, or use a uniform over the bounds"
                )
        case "lognormal":
            if not _f(q.median) > 0:
                raise ValueError(f"lognormal needs median > 0, got {q.median}")
            if not _f(q.sigma) > 0:
                raise ValueError(f"lognormal needs sigma > 0, got {q.sigma}")
            if _f(q.sigma) > MAX_LOG_SIGMA:
                raise ValueError(
                    f"lognormal sigma must be at most {MAX_LOG_SIGMA:g} (a factor of "
                    f"exp(sigma) per standard deviation), got {q.sigma}"
                )
        case "choice":
            choices = q.choices or ()
            if not choices:
                raise ValueError("choice needs at least one entry in 'choices'")
            if any(not math.isfinite(c) for c in choices):
                raise ValueError(f"choice values must be finite, got {list(choices)}")
            if q.weights is not None:
                if len(q.weights) != len(choices):
                    raise ValueError(
                        f"choice has {len(choices)} choices but {len(q.weights)} weights"
                    )
                if any(not (w >= 0 and math.isfinite(w)) for w in q.weights) or not sum(q.weights):
                    raise ValueError(
                        f"choice weights must be finite, >= 0 and not all 0, got {list(q.weights)}"
                    )
        case _:  # pragma: no cover - the Literal type admits nothing else
            raise ValueError(f"unknown distribution {q.dist!r}")


def within(low: float, high: float) -> Callable[[Quantity], Quantity]:
    """Return a validator requiring every value a quantity can take to lie in [low, high]."""

    def check(q: Quantity) -> Quantity:
        lo, hi = support(q)
        if lo < low or hi > high:
            shown = q.describe()
            raise ValueError(f"must lie in [{_fmt(low)}, {_fmt(high)}], got {shown}")
        return q

    return check


def support(q: Quantity) -> tuple[float, float]:
    """Return the (lowest, highest) value the quantity can take (infinite where unbounded)."""
    if q.value is not None:
        return (q.value, q.value)
    match q.dist:
        case "uniform" | "triangular" | "pert":
            return (_f(q.low), _f(q.high))
        case "truncnormal":
            return (
                -math.inf if q.low is None else q.low,
                math.inf if q.high is None else q.high,
            )
        case "lognormal":
            return (0.0, math.inf)
        case _:
            assert q.choices is not None
            return (min(q.choices), max(q.choices))


NonNegative = Annotated[Quantity, AfterValidator(within(0.0, math.inf))]
"""A quantity that never takes a negative value (counts, distances, costs)."""
Positive = Annotated[Quantity, AfterValidator(within(1e-300, math.inf))]
"""A quantity that is always strictly positive (scales, half-saturation points)."""
Fraction = Annotated[Quantity, AfterValidator(within(0.0, 1.0))]
"""A quantity that lies in [0, 1] (shares, readiness, probabilities)."""
UnitInterval = Annotated[Quantity, AfterValidator(within(-1.0, 1.0))]
"""A quantity that lies in [-1, 1] (propensities)."""
