"""The building blocks of the scenario language: identifiers, months, text, the frozen model.

Every part of the language (:mod:`posturelab.scenario.schema`) is a :class:`Strict` model: unknown
keys are errors and the validated objects are frozen.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
)

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
"""Identifier of an actor, force, lever, ...: lower case letters, digits and underscores."""
SlugId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]
"""Identifier of a scenario or a source: may also contain hyphens and dots."""
YearMonth = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
"""A month written ``YYYY-MM`` in ASCII digits (its year is checked against the sane range)."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
LeverValue = bool | float | str

MONTH_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
MAX_MONTHS = 1200
FIRST_YEAR, LAST_YEAR = 1900, 2200
"""The sane range of years of a month value (a scenario's period, a month lever's value)."""
MAX_LEVER = 1e15
"""Largest magnitude of a number lever's bounds."""


def month_problem(value: str) -> str | None:
    """Return why the ``YYYY-MM`` month ``value`` is outside the sane range, or ``None``."""
    year = int(value[:4])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"the year must lie in {FIRST_YEAR} to {LAST_YEAR}, got {value!r}"
    return None


def as_number(value: Any) -> Any:
    """Read a number written as text (``1e3``, as YAML 1.1 leaves it) as a float; else unchanged.

    Only ASCII text is read (Python's ``float`` would also take other scripts' digits).
    """
    if isinstance(value, str) and value.isascii():
        try:
            number = float(value.strip())
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value


Material = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(pp|%)?$")]
"""A materiality band: ``0.5pp`` (percentage points of a probability), ``10%`` (of the base
value) or a plain number in the indicator's unit."""


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors and objects are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def month_index(month: str) -> int:
    """Return a month's index ``12 * year + (month - 1)``, for arithmetic on ``YYYY-MM`` strings."""
    year, mon = month.split("-")
    return 12 * int(year) + int(mon) - 1


def month_of(value: dt.date | str) -> str:
    """Return the ``YYYY-MM`` month of a date or of a ``YYYY-MM[-DD]`` string."""
    return value.strftime("%Y-%m") if isinstance(value, dt.date) else value[:7]
