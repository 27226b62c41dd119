"""The boundary of the API: scenarios by id, path or text, and lever settings, checked once.

Every function of :mod:`posturelab.api` names its scenario the same way (a built-in id, a file
path, or an already loaded :class:`~posturelab.scenario.loader.LoadedScenario`) and its lever
settings the same way (a mapping from lever id to value, checked against each lever's domain
exactly as ``--set LEVER=VALUE`` is). Every problem is raised as one
:class:`~posturelab.errors.InputError` listing all the located problems found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from posturelab.errors import (
    InputError,
    Problem,
    ScenarioError,
    arguments_file,
    command_line_names,
    option_name,
)
from posturelab.scenario.levers import parse_assignments, resolve_levers
from posturelab.scenario.loader import LoadedScenario
from posturelab.scenario.loader import load_scenario as _load
from posturelab.scenario.schema import MONTH_RE, LeverValue, Scenario

if TYPE_CHECKING:
    from posturelab.engine.frame import Frame

__all__ = [
    "LeverSettings",
    "ScenarioRef",
    "arguments_file",
    "bad_option",
    "command_line_names",
    "lever_settings",
    "load_scenario",
    "option_name",
]

ScenarioRef: TypeAlias = str | Path | LoadedScenario
"""A built-in scenario id, a scenario file path, or a loaded scenario."""
LeverSettings: TypeAlias = Mapping[str, LeverValue | int] | Sequence[str]
"""Lever id -> value (a number, ``True``/``False``, or a month ``YYYY-MM``/``never``), or
``LEVER=VALUE`` texts as ``--set`` takes them."""


def load_scenario(id_or_path: ScenarioRef) -> LoadedScenario:
    """Load and validate a scenario: a built-in id or a file path.

    Parameters
    ----------
    id_or_path
        A built-in id (``posturelab scenarios`` lists them), a path to a scenario file, or an
        already loaded scenario (returned as it is).

    Returns
    -------
    LoadedScenario
        The frozen, validated scenario (``.scenario``), where it came from (``.origin``), the
        SHA-256 of its text and the text itself.

    Raises
    ------
    InputError
        Every problem of the file, located as ``FILE:LINE:COL: field.path: message``.

    Examples
    --------
    >>> loaded = load_scenario("korea-2025")
    >>> loaded.scenario.meta.id, loaded.origin
    ('korea-2025', '<built-in:korea-2025>')
    >>> load_scenario("no-such-scenario")
    Traceback (most recent call last):
    ...
    posturelab.errors.ScenarioError: no-such-scenario: ...
    """
    if isinstance(id_or_path, LoadedScenario):
        return id_or_path
    return _load(id_or_path)


def _as_text(value: LeverValue | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def lever_settings(
    loaded: LoadedScenario | Scenario,
    levers: LeverSettings | None = None,
    variant: str | None = None,
    *,
    option: str = "levers",
    file: str | None = None,
) -> dict[str, LeverValue]:
    """Every lever's value: the defaults, then ``variant``, then ``levers``, each checked.

    Parameters
    ----------
    loaded
        The scenario (loaded, or validated).
    levers
        Lever id -> value, or ``LEVER=VALUE`` texts; values are checked against the lever's
        domain as ``--set`` checks them (a value may also be given as the text ``--set`` would
        carry).
    variant
        A named variant of the scenario, applied before ``levers``.
    option
        The argument the settings came from, as problems name it (see :func:`option_name`).
    file
        The file name the problems carry (default ``<arguments>``, or ``<command line>`` within
        :func:`command_line_names`).

    Raises
    ------
    InputError
        Listing every unknown lever, every value outside its lever's domain and an unknown
        variant.

    Examples
    --------
    >>> s = load_scenario("korea-2025")
    >>> lever_settings(s, {"relocation_troops": 4500})["relocation_troops"]
    4500.0
    >>> lever_settings(s, {"relocation_troops": -1})
    Traceback (most recent call last):
    ...
    posturelab.errors.ScenarioError: <arguments>: levers relocation_troops=-1: lever ...
    """
    scenario = loaded.scenario if isinstance(loaded, LoadedScenario) else loaded
    if isinstance(levers, Mapping):
        assignments = [f"{name}={_as_text(value)}" for name, value in levers.items()]
    else:
        assignments = [str(text) for text in levers or ()]
    try:
        parsed = parse_assignments(scenario, assignments, option=option_name(option))
        return resolve_levers(scenario, parsed, variant)
    except ScenarioError as error:
        where = file if file is not None else arguments_file()
        raise ScenarioError(
            [Problem(where, p.line, p.column, p.path, p.message) for p in error.problems]
        ) from None


def month_position(model: Frame, month: str | None) -> int | None:
    """The index of ``month`` (``YYYY-MM``) in the scenario's period; ``None`` stays ``None``.

    Raises
    ------
    InputError
        Naming the ``month`` argument (``--month`` on the command line) when it is not a month of
        the period.
    """
    if month is None:
        return None
    at = model.month_number(month) if MONTH_RE.match(month) else -1
    if not 0 <= at < model.n_months:
        raise bad_option(
            "month",
            f"{{option}} must be a month YYYY-MM from {model.months[0]} to {model.months[-1]}, "
            f"got {month!r}",
        )
    return at


def bad_option(option: str, message: str) -> InputError:
    """An input error about one argument of a call; ``{option}`` in ``message`` names it."""
    name = option_name(option)
    return InputError.single(arguments_file(), message.replace("{option}", name), path=name)


StructureSettings: TypeAlias = Mapping[str, str] | Sequence[str]
"""Relation -> form (``{"tripwire": "flat"}``), or ``RELATION=FORM`` texts as ``--structure``
takes them."""


def with_structure(loaded: LoadedScenario, structure: StructureSettings | None) -> LoadedScenario:
    """The scenario with each named relation fixed to one of its declared forms.

    The fixed form takes weight 1 and nothing is sampled for the relation, exactly as in a
    scenario that declares only that form
    (:func:`posturelab.scenario.schema_structure.fixed_forms`).

    Raises
    ------
    InputError
        When a setting is not ``RELATION=FORM``, or names a relation or form the scenario does
        not declare.
    """
    import dataclasses

    from posturelab.scenario.schema_structure import StructureError, fixed_forms, parse_structure

    try:
        fixed = parse_structure(structure)
        forms = fixed_forms(loaded.scenario.structure, fixed)
    except StructureError as error:
        raise bad_option("structure", str(error)) from None
    if not fixed:
        return loaded
    scenario = loaded.scenario.model_copy(update={"structure": forms})
    return dataclasses.replace(loaded, scenario=scenario)


def structure_record(structure: StructureSettings | None) -> dict[str, str]:
    """The fixed forms as a plain mapping, for a run's manifest and results."""
    from posturelab.scenario.schema_structure import StructureError, parse_structure

    try:
        return parse_structure(structure)
    except StructureError as error:
        raise bad_option("structure", str(error)) from None
