r"""A combat record for fitting Lanchester laws, and the warnings a fit can carry.

A record (:class:`CombatSeries`) holds, for increasing times :math:`t_0 < t_1 < \dots < t_n` in
days, the strengths :math:`X_i, Y_i` (NaN where unknown), the arrivals :math:`R^X_i, R^Y_i` during
the phase ending at :math:`t_i` (the interval :math:`(t_{i-1}, t_i]`) and, optionally, cumulative
losses. Row 0 is the initial state; both initial strengths must be known. Arrivals on row 0 are
taken to be already counted in the initial strengths and are ignored (the *arrival convention*;
a record whose first row holds arrivals but no strength was written under another convention, and
fitting it is refused, see :mod:`posturelab.models.lanchester_checks`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
Severity = Literal["warning", "error"]


@dataclass(frozen=True)
class FitWarning:
    """A diagnostic attached to a record or a fit.

    Attributes
    ----------
    code
        A stable identifier (``negative_coefficient``, ``negative_r2``, ``not_converged``,
        ``wide_interval``, ``first_row_convention``, ``negative_arrivals``, ``no_law_fits_well``).
    severity
        ``warning``: the result stands but needs care; ``error``: the result is meaningless.
    message
        What was found, with the values.
    """

    code: str
    severity: Severity
    message: str


@dataclass(frozen=True, eq=False)
class CombatSeries:
    """A daily combat record; every array has one entry per row.

    Attributes
    ----------
    day
        Days (fractions allowed, e.g. phases given in hours), strictly increasing.
    x, y
        Strengths, NaN where unknown; row 0 must be known.
    x_reinf, y_reinf
        Arrivals during the day ending at each row (0 where none).
    x_losses_cum, y_losses_cum
        Cumulative losses, NaN where unknown.
    warnings
        What the reader found questionable in the record (kept, but to be reported with a fit).
    """

    day: FloatArray
    x: FloatArray
    y: FloatArray
    x_reinf: FloatArray
    y_reinf: FloatArray
    x_losses_cum: FloatArray
    y_losses_cum: FloatArray
    warnings: tuple[FitWarning, ...] = field(default=())

    @classmethod
    def from_arrays(
        cls,
        day: NDArray[np.floating] | list[float],
        x: NDArray[np.floating] | list[float],
        y: NDArray[np.floating] | list[float],
        *,
        x_reinf: NDArray[np.floating] | list[float] | None = None,
        y_reinf: NDArray[np.floating] | list[float] | None = None,
        x_losses_cum: NDArray[np.floating] | list[float] | None = None,
        y_losses_cum: NDArray[np.floating] | list[float] | None = None,
        warnings: tuple[FitWarning, ...] = (),
    ) -> CombatSeries:
        """Build a series, filling absent reinforcements with 0 and absent losses with NaN."""
        d = np.asarray(day, dtype=np.float64)
        n = d.shape[0]

        def col(v: NDArray[np.floating] | list[float] | None, fill: float) -> FloatArray:
            return np.full(n, fill) if v is None else np.asarray(v, dtype=np.float64)

        return cls(
            day=d,
            x=col(x, np.nan),
            y=col(y, np.nan),
            x_reinf=col(x_reinf, 0.0),
            y_reinf=col(y_reinf, 0.0),
            x_losses_cum=col(x_losses_cum, np.nan),
            y_losses_cum=col(y_losses_cum, np.nan),
            warnings=warnings,
        )

    def without_days(self, days: tuple[float, ...]) -> CombatSeries:
        """Return the series with the strengths and losses of ``days`` marked unknown.

        The rows stay (their arrivals still count); only their observations are dropped.
        """
        drop = np.isin(self.day, np.asarray(days, dtype=np.float64))
        drop[0] = False

        def blank(v: FloatArray) -> FloatArray:
            return np.where(drop, np.nan, v)

        return CombatSeries(
            day=self.day,
            x=blank(self.x),
            y=blank(self.y),
            x_reinf=self.x_reinf,
            y_reinf=self.y_reinf,
            x_losses_cum=blank(self.x_losses_cum),
            y_losses_cum=blank(self.y_losses_cum),
            warnings=self.warnings,
        )


def observed_strengths(series: CombatSeries) -> tuple[FloatArray, FloatArray]:
    r"""Return the strengths, filling unknown ones from cumulative losses where possible.

    Where a strength is unknown but its side's cumulative loss is known,
    :math:`X_i = X_0 + \sum_{j \le i} R^X_j - (C_i - C_0)` (with :math:`C_0 = 0` if unknown).
    """

    def fill(s: FloatArray, reinf: FloatArray, cum: FloatArray) -> FloatArray:
        arrived = np.cumsum(np.concatenate(([0.0], reinf[1:])))
        c0 = 0.0 if np.isnan(cum[0]) else cum[0]
        from_losses = s[0] + arrived - (cum - c0)
        return np.where(np.isnan(s), from_losses, s)

    return (
        fill(series.x, series.x_reinf, series.x_losses_cum),
        fill(series.y, series.y_reinf, series.y_losses_cum),
    )
