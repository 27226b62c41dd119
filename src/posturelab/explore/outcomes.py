r"""Per-member values of an indicator, the common input of every analysis.

An ensemble dataset holds three kinds of indicator, each declared by the engine component that
emits it (:class:`posturelab.engine.component.Indicator`,
:func:`posturelab.engine.indicators.scenario_indicators`):

* ``probability``: 0 or 1 per member (the event happened by the horizon; missing where the
  indicator does not apply, e.g. a campaign outcome when no attack happened);
* ``series``: one value per member and month;
* ``distribution``: one number per member, missing where it does not apply.

For analysis each member is reduced to one number, :func:`member_values`:

* a series gives its value at the horizon month (the last month by default); where that value is
  missing (a hazard after the war started) the member's last finite value before the horizon is
  used, i.e. the hazard in the month the war started;
* a probability indicator gives the member's **risk** when the dataset can provide one, otherwise
  the 0/1 outcome. The risk of an attack by month :math:`T` is

  .. math:: r_m = 1 - \prod_{t \le T,\ h_{m,t}\ \mathrm{finite}} (1 - h_{m,t}),

  where :math:`h_{m,t}` is the member's monthly hazard (the series the indicator declares as its
  ``hazard``; missing once the war has started). For the whole period the variable it declares as
  its ``risk`` is used. The risk is
  the member's probability of the event given its sampled parameters, so a paired difference of
  risks measures a lever's effect without the coin-flip noise of the 0/1 outcome. The two agree
  in expectation while no member has been attacked; after an attack the risk stops accumulating,
  as the 0/1 outcome does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from posturelab.engine.component import Indicator, IndicatorKind
from posturelab.errors import InputError

Basis = Literal["risk", "outcome", "horizon_value", "value"]


@dataclass(frozen=True)
class MemberValues:
    """One number per member for an indicator.

    Attributes
    ----------
    name
        The indicator.
    kind
        Its kind (``probability``, ``series`` or ``distribution``).
    values
        Shape ``(members,)``; NaN where the indicator does not apply.
    basis
        What the numbers are: ``risk`` (per-member probability from the hazards), ``outcome``
        (0/1), ``horizon_value`` (a series at the horizon) or ``value``.
    month
        The horizon month (``YYYY-MM``) the values refer to.
    """

    name: str
    kind: IndicatorKind
    values: np.ndarray
    basis: Basis
    month: str


def month_index(dataset: xr.Dataset, month: str | None, *, option: str = "--month") -> int:
    """Index of ``month`` (``YYYY-MM``) on the dataset's month axis; ``None`` is the last month."""
    months = [str(m) for m in dataset["month"].values]
    if month is None:
        return len(months) - 1
    if month not in months:
        raise InputError.single(
            "<command line>",
            f"month {month!r} is outside the scenario's period {months[0]} to {months[-1]}",
            path=option,
        )
    return months.index(month)


def risk_by(dataset: xr.Dataset, hazard: str, index: int) -> np.ndarray:
    """Per-member risk ``1 - prod(1 - h)`` over the finite hazards of months ``0..index``."""
    h = np.asarray(dataset[hazard].values[:, : index + 1], dtype=np.float64)
    survival = np.prod(np.where(np.isfinite(h), 1.0 - np.clip(h, 0.0, 1.0), 1.0), axis=1)
    return np.asarray(1.0 - survival, dtype=np.float64)


def series_at(dataset: xr.Dataset, name: str, index: int) -> np.ndarray:
    """A series at month ``index``, falling back to each member's last finite earlier value."""
    block = np.asarray(dataset[name].values[:, : index + 1], dtype=np.float64)
    finite = np.isfinite(block)
    has = finite.any(axis=1)
    last = block.shape[1] - 1 - np.argmax(finite[:, ::-1], axis=1)
    out = np.full(block.shape[0], np.nan)
    rows = np.nonzero(has)[0]
    out[rows] = block[rows, last[rows]]
    return out


def member_values(
    dataset: xr.Dataset,
    indicator: Indicator,
    month: str | None = None,
    *,
    prefer_risk: bool = True,
) -> MemberValues:
    """Reduce an indicator to one number per member (see the module docstring).

    Parameters
    ----------
    dataset
        An ensemble dataset (:func:`posturelab.engine.run.run_ensemble`).
    indicator
        The indicator's declaration.
    month
        Horizon ``YYYY-MM``; ``None`` is the last month of the period.
    prefer_risk
        For a probability indicator, use the per-member risk when one can be computed.
    """
    name, kind = indicator.name, indicator.kind
    index = month_index(dataset, month)
    label = str(dataset["month"].values[index])
    var = dataset[name]
    if kind == "series":
        return MemberValues(name, kind, series_at(dataset, name, index), "horizon_value", label)
    values = np.asarray(var.values, dtype=np.float64)
    if kind != "probability":
        return MemberValues(name, kind, values, "value", label)
    if prefer_risk:
        if month is None and indicator.risk is not None and indicator.risk in dataset.data_vars:
            risk = np.asarray(dataset[indicator.risk].values, dtype=np.float64)
            return MemberValues(name, kind, risk, "risk", label)
        if indicator.hazard is not None and indicator.hazard in dataset.data_vars:
            return MemberValues(
                name, kind, risk_by(dataset, indicator.hazard, index), "risk", label
            )
    if month is not None and indicator.onset is not None and indicator.onset in dataset.data_vars:
        started = np.asarray(dataset[indicator.onset].values, dtype=np.float64)
        values = np.where(np.isfinite(values), (values > 0) & (started <= index), np.nan)
    return MemberValues(name, kind, np.asarray(values, dtype=np.float64), "outcome", label)


def parameter_matrix(dataset: xr.Dataset) -> tuple[np.ndarray, list[str]]:
    """The members' sampled parameters, shape ``(members, K)``, and their names."""
    names = [str(n)[6:] for n in dataset.data_vars if str(n).startswith("param:")]
    if not names:
        return np.zeros((dataset.sizes["member"], 0)), []
    x = np.column_stack([np.asarray(dataset[f"param:{n}"].values, dtype=np.float64) for n in names])
    return x, names
