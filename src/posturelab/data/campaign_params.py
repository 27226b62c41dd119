"""Reading the parameters of one ADM campaign from a mapping or a JSON file, with located errors.

Keys are the fields of :class:`~posturelab.models.campaign.ADMParams` and ``days``; each scalar is
checked against the model's own domain (:data:`posturelab.models.adm_domain.ADM_DOMAINS`, the one
the scenario schema uses). Schedules are lists (entry ``i`` arrives on day ``i + 1``) or mappings
from day to amount. Every problem is reported with file, line, column and key, all together.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from posturelab.defaults import DEFAULT_CAMPAIGN_DAYS
from posturelab.errors import InputError, Problem
from posturelab.models.adm_domain import FACTOR_DOMAINS
from posturelab.models.campaign import SCALAR_FIELDS, ADMParams
from posturelab.textfile import read_user_text

MAX_PARAM_FILE_BYTES: Final[int] = 1_000_000
MAX_DAYS: Final[int] = 3650
DEFAULT_DAYS: Final[int] = DEFAULT_CAMPAIGN_DAYS


# --------------------------------------------------------------------------------------------------
# campaign
# --------------------------------------------------------------------------------------------------

SCHEDULES: Final[tuple[str, ...]] = ("reinforcement_A", "reinforcement_D")
CAMPAIGN_KEYS: Final[tuple[str, ...]] = (*SCALAR_FIELDS, *SCHEDULES, *FACTOR_DOMAINS, "days")


def _json_positions(text: str) -> dict[str, tuple[int, int]]:
    """Return the (line, column) of each top-level-looking key ``"name":`` in JSON text."""
    positions: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r'"((?:[^"\\]|\\.)*)"\s*:', text):
        key = match.group(1)
        if key in positions:
            continue
        line = text.count("\n", 0, match.start()) + 1
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        positions[key] = (line, column)
    return positions


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def campaign_params_from_mapping(
    data: Mapping[str, Any],
    source: str,
    positions: Mapping[str, tuple[int, int]] | None = None,
    *,
    days: int | None = None,
) -> tuple[ADMParams, int]:
    """Validate a mapping of ADM parameters and return the parameters and the horizon.

    Keys are the fields of :class:`~posturelab.models.campaign.ADMParams` and ``days``; absent
    keys take the worked example's values. Schedules are lists (entry ``i`` arrives on day
    ``i + 1``) or mappings from day (``>= 1``) to lethality. ``objective_km`` may be ``null``
    (no objective). ``days`` overrides the mapping's ``days``.

    Raises
    ------
    InputError
        With every unknown key and every non-numeric or out-of-range value, located by
        ``positions`` (key -> (line, column)) when given.
    """
    pos = positions or {}
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        line, column = pos.get(key, (None, None))
        problems.append(Problem(source, line, column, key, message))

    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in CAMPAIGN_KEYS:
            close = difflib.get_close_matches(str(key), CAMPAIGN_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(str(key), f"unknown key {key!r}{hint}")
            continue
        if key == "days":
            number = _number(value)
            if number is None or not number.is_integer():
                problem(key, f"must be a whole number of days, got {json.dumps(value)}")
            elif not 0 <= number <= MAX_DAYS:
                problem(key, f"must be in [0, {MAX_DAYS}], got {value}")
            else:
                values[key] = int(number)
        elif key in SCHEDULES:
            schedule = _parse_schedule(key, value, problem)
            if schedule is not None:
                values[key] = schedule
        elif key in FACTOR_DOMAINS:
            entries = [_number(v) for v in value] if isinstance(value, list) else [None]
            entry_domain = FACTOR_DOMAINS[key]
            if any(v is None or math.isnan(v) or not entry_domain.contains(v) for v in entries):
                problem(
                    key,
                    f"must be a list of daily factors {entry_domain.describe()} (entry i is day i)",
                )
            else:
                values[key] = entries
        elif key == "objective_km" and value is None:
            values[key] = math.inf
        else:
            number = _number(value)
            domain = ADMParams.DOMAINS[key]
            if number is None or math.isnan(number):
                problem(key, f"must be a number, got {json.dumps(value)}")
                continue
            if not domain.contains(number):
                problem(key, f"must be {domain.describe()}, got {value}")
                continue
            values[key] = number
    horizon = days if days is not None else values.pop("days", DEFAULT_DAYS)
    values.pop("days", None)
    if days is not None and not 0 <= days <= MAX_DAYS:
        problems.append(
            Problem(
                "<command line>", None, None, "--days", f"must be in [0, {MAX_DAYS}], got {days}"
            )
        )
    if problems:
        raise InputError(problems)
    return ADMParams(**values), int(horizon)


def _parse_schedule(key: str, value: Any, problem: Any) -> list[float] | None:
    """Turn a list or a {day: amount} mapping into a daily list (entry i arrives on day i + 1)."""
    if isinstance(value, list):
        amounts: list[float] = []
        for i, item in enumerate(value):
            number = _number(item)
            if number is None or not math.isfinite(number) or number < 0:
                problem(
                    key, f"entry {i} (day {i + 1}) must be a number >= 0, got {json.dumps(item)}"
                )
                return None
            amounts.append(number)
        return amounts
    if isinstance(value, dict):
        by_day: dict[int, float] = {}
        for day_key, item in value.items():
            try:
                day = int(str(day_key))
            except ValueError:
                day = 0
            if day < 1 or day > MAX_DAYS:
                problem(key, f"day {day_key!r} must be a whole number in [1, {MAX_DAYS}]")
                return None
            number = _number(item)
            if number is None or not math.isfinite(number) or number < 0:
                problem(key, f"day {day_key}: must be a number >= 0, got {json.dumps(item)}")
                return None
            by_day[day] = by_day.get(day, 0.0) + number
        schedule = [0.0] * max(by_day, default=0)
        for day, number in by_day.items():
            schedule[day - 1] = number
        return schedule
    problem(
        key, f"must be a list of daily amounts or a mapping day -> amount, got {json.dumps(value)}"
    )
    return None


def read_campaign_params(path: str, *, days: int | None = None) -> tuple[ADMParams, int]:
    """Read and validate a JSON parameter file (see :func:`campaign_params_from_mapping`)."""
    text = read_user_text(path, MAX_PARAM_FILE_BYTES)
    if not text.strip():
        raise InputError.single(path, "empty file: expected a JSON object of parameters", line=1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.single(
            path, f"not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno
        ) from None
    if not isinstance(data, dict):
        raise InputError.single(
            path, f"expected a JSON object of parameters, got {type(data).__name__}", line=1
        )
    return campaign_params_from_mapping(data, path, _json_positions(text), days=days)
