r"""Per-member values of an indicator, the common input of every analysis.

An ensemble dataset holds three kinds of indicator (see :mod:`posturelab.registry`):

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

  where :math:`h_{m,t}` is the member's monthly hazard (``hazard_<contest>``; missing once the
  war has started). For the whole period a dataset variable ``risk_<contest>`` is preferred when
  the engine provides one. The risk is
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

from posturelab.errors import InputError
from posturelab.registry import INDICATORS, IndicatorKind, indicator_names
from posturelab.scenario.schema import Scenario

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


def indicator_kinds(scenario: Scenario, dataset: xr.Dataset) -> dict[str, IndicatorKind]:
    """Kind of every indicator in ``dataset``.

    The registry decides for the names a scenario provides; any other non-parameter variable is
    classed by shape: ``(member, month)`` is a series, ``(member,)`` holding only 0, 1 and missing
    values is a probability, anything else per member a distribution.
    """
    templates = indicator_names(scenario.model_dump())
    kinds: dict[str, IndicatorKind] = {}
    for raw, var in dataset.data_vars.items():
        name = str(raw)
        if name.startswith("param:"):
            continue
        if name in templates:
            kinds[name] = INDICATORS[templates[name]].kind
        elif var.dims == ("member", "month"):
            kinds[name] = "series"
        elif var.dims == ("member",):
            finite = np.asarray(var.values, dtype=np.float64)
            finite = finite[np.isfinite(finite)]
            binary = finite.size > 0 and bool(np.all((finite == 0) | (finite == 1)))
            kinds[name] = "probability" if binary and name.startswith("p_") else "distribution"
    return kinds


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


def _contest_suffix(name: str) -> str | None:
    return name[2:] if name.startswith("p_") else None


def member_values(
    dataset: xr.Dataset,
    name: str,
    kind: IndicatorKind,
    month: str | None = None,
    *,
    prefer_risk: bool = True,
) -> MemberValues:
    """Reduce indicator ``name`` to one number per member (see the module docstring).

    Parameters
    ----------
    dataset
        An ensemble dataset (:func:`posturelab.engine.run.run_ensemble`).
    name, kind
        The indicator and its kind.
    month
        Horizon ``YYYY-MM``; ``None`` is the last month of the period.
    prefer_risk
        For a probability indicator, use the per-member risk when one can be computed.
    """
    index = month_index(dataset, month)
    label = str(dataset["month"].values[index])
    var = dataset[name]
    if kind == "series" or var.dims == ("member", "month"):
        return MemberValues(name, kind, series_at(dataset, name, index), "horizon_value", label)
    values = np.asarray(var.values, dtype=np.float64)
    if kind != "probability":
        return MemberValues(name, kind, values, "value", label)
    suffix = _contest_suffix(name)
    if prefer_risk and suffix is not None:
        risk_var, hazard_var = f"risk_{suffix}", f"hazard_{suffix}"
        if month is None and risk_var in dataset.data_vars:
            risk = np.asarray(dataset[risk_var].values, dtype=np.float64)
            return MemberValues(name, kind, risk, "risk", label)
        if hazard_var in dataset.data_vars and dataset[hazard_var].dims == ("member", "month"):
            return MemberValues(name, kind, risk_by(dataset, hazard_var, index), "risk", label)
    when = f"attack_month_{suffix}" if suffix else ""
    if month is not None and when in dataset.data_vars:
        started = np.asarray(dataset[when].values, dtype=np.float64)
        values = np.where(np.isfinite(values), (values > 0) & (started <= index), np.nan)
    return MemberValues(name, kind, np.asarray(values, dtype=np.float64), "outcome", label)


def parameter_matrix(dataset: xr.Dataset) -> tuple[np.ndarray, list[str]]:
    """The members' sampled parameters, shape ``(members, K)``, and their names."""
    names = [str(n)[6:] for n in dataset.data_vars if str(n).startswith("param:")]
    if not names:
        return np.zeros((dataset.sizes["member"], 0)), []
    x = np.column_stack([np.asarray(dataset[f"param:{n}"].values, dtype=np.float64) for n in names])
    return x, names


def indicator_units(scenario: Scenario, dataset: xr.Dataset) -> dict[str, str]:
    """Unit of each indicator the registry knows (``""`` for the others)."""
    templates = indicator_names(scenario.model_dump())
    return {
        str(n): (INDICATORS[templates[str(n)]].unit if str(n) in templates else "")
        for n in dataset.data_vars
        if not str(n).startswith("param:")
    }
