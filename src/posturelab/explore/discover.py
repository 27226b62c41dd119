"""Scenario discovery: which parameter ranges lead to an outcome of interest.

Following Bryant & Lempert (2010), the members of an ensemble are labelled by a condition on
their outcomes (``p_dprk_attack > 0.05 and us_troops_korea < 25000``) and PRIM
(:mod:`posturelab.explore.prim`, Friedman & Fisher 1999) looks for a box in the space of the
sampled parameters where the labelled members are concentrated. Extra-trees feature scores
(:mod:`posturelab.explore.features`) rank the parameters, and PRIM searches the best-scored ones.

Conditions
----------
A condition is ``NAME OP NUMBER`` with ``OP`` one of ``< <= > >= == !=``, and several are joined
by ``and``; a number may end in ``%`` (``5%`` is 0.05). ``NAME`` is an indicator, read per member
as :func:`posturelab.explore.outcomes.member_values` does: a probability indicator is the member's
risk when the hazards give one (else its 0/1 outcome), a series its value at the horizon, a
distribution its value (a member where the value is missing does not satisfy the condition).
The text is parsed by a small tokenizer, never evaluated as code.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from posturelab.engine.component import Indicator
from posturelab.errors import InputError
from posturelab.explore.features import feature_scores
from posturelab.explore.outcomes import member_values, parameter_matrix
from posturelab.explore.prim import (
    DEFAULT_ALPHA,
    DEFAULT_MASS_MIN,
    DEFAULT_MIN_COVERAGE,
    PRIM_DIMS,
    PrimResult,
    box_limits,
    prim_on_top,
    trajectory,
)

OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}

_CONDITION = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<percent>%?)\s*$"
)


@dataclass(frozen=True)
class Condition:
    """One ``NAME OP NUMBER`` condition."""

    name: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.name} {self.op} {self.value:g}"


def parse_where(text: str, known: list[str] | None = None) -> list[Condition]:
    """Parse ``NAME OP NUMBER [and NAME OP NUMBER ...]``.

    Parameters
    ----------
    text
        The condition as typed after ``--where``.
    known
        Indicator names that may be used; unknown names are reported with the list.

    Raises
    ------
    InputError
        With the offending part and what is expected.
    """
    if len(text) > 1000:
        raise InputError.single("<command line>", "the condition is too long", path="--where")
    parts = re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE)
    conditions: list[Condition] = []
    problems = []
    for part in parts:
        match = _CONDITION.match(part)
        if match is None:
            problems.append(
                f"cannot read {part.strip()!r}: expected NAME OP NUMBER "
                "(OP one of < <= > >= == !=), conditions joined by 'and'"
            )
            continue
        value = float(match["number"]) / (100.0 if match["percent"] else 1.0)
        name = match["name"]
        if known is not None and name not in known:
            problems.append(f"unknown indicator {name!r} (indicators: {', '.join(sorted(known))})")
            continue
        conditions.append(Condition(name, match["op"], value))
    if problems:
        raise InputError.single("<command line>", "; ".join(problems), path="--where")
    return conditions


def evaluate_where(
    dataset: xr.Dataset,
    conditions: list[Condition],
    indicators: Mapping[str, Indicator],
    month: str | None = None,
) -> tuple[np.ndarray, dict[str, str]]:
    """Members satisfying every condition, and the basis each indicator was read on."""
    flag = np.ones(dataset.sizes["member"], dtype=bool)
    bases: dict[str, str] = {}
    for c in conditions:
        values = member_values(dataset, indicators[c.name], month)
        bases[c.name] = values.basis
        with np.errstate(invalid="ignore"):
            flag &= np.isfinite(values.values) & OPERATORS[c.op](values.values, c.value)
    return flag, bases


@dataclass
class Discovery:
    """The result of scenario discovery on one ensemble."""

    conditions: list[Condition]
    flag: np.ndarray
    bases: dict[str, str]
    scores: list[dict[str, float | str]]
    prim_result: PrimResult | None
    box: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        out: dict[str, Any] = {
            "where": " and ".join(map(str, self.conditions)),
            "members": int(self.flag.size),
            "cases": int(self.flag.sum()),
            "share": float(self.flag.mean()) if self.flag.size else None,
            "bases": self.bases,
            "feature_scores": self.scores[:10],
            "trajectory": [],
            "box": None,
        }
        if self.prim_result is not None and self.box is not None:
            b = self.prim_result.boxes[self.box]
            out["trajectory"] = trajectory(self.prim_result)
            out["box"] = {
                "index": self.box,
                "coverage": b.coverage,
                "density": b.density,
                "mass": b.mass,
                "limits": box_limits(self.prim_result, self.box),
            }
        return out


def discover(
    dataset: xr.Dataset,
    conditions: list[Condition],
    indicators: Mapping[str, Indicator],
    *,
    seed: int,
    month: str | None = None,
    alpha: float = DEFAULT_ALPHA,
    mass_min: float = DEFAULT_MASS_MIN,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    dims: int = PRIM_DIMS,
) -> Discovery:
    """Label the members by ``conditions`` and find the parameter box where they concentrate.

    With no member or every member satisfying the conditions there is nothing to discover; the
    result then has no box.
    """
    flag, bases = evaluate_where(dataset, conditions, indicators, month)
    x, names = parameter_matrix(dataset)
    if flag.all() or not flag.any() or x.shape[1] == 0:
        return Discovery(conditions, flag, bases, [], None, None)
    scores = feature_scores(x, flag.astype(np.float64), names, seed=seed, classify=True)
    result, index = prim_on_top(
        x, flag, names, scores, dims=dims, alpha=alpha, mass_min=mass_min, min_coverage=min_coverage
    )
    return Discovery(conditions, flag, bases, scores, result, index)
