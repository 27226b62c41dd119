"""The indicators a scenario provides, as the engine's components declare them.

Every variable of a run's dataset is declared once, by the component that emits it
(:class:`posturelab.engine.component.Indicator`): its kind, unit and description, and for a
probability the variables its risk and onset month are read from. The analysis commands, the
summaries, the dashboard and the scenario loader's check of ``claims`` and ``outcomes`` all read
these declarations; nothing guesses a kind from a name or an array's shape.
"""

from __future__ import annotations

from posturelab.engine.compiled import compile_scenario
from posturelab.engine.component import Indicator
from posturelab.scenario.levers import resolve_levers
from posturelab.scenario.schema import Scenario

Path = tuple[str | int, ...]


def scenario_indicators(scenario: Scenario) -> dict[str, Indicator]:
    """Every variable the engine emits for ``scenario`` (default levers), by name.

    The names do not depend on the lever settings: a lever changes numbers, not structure.
    """
    return compile_scenario(scenario, resolve_levers(scenario, {})).indicators()


def indicator_units(scenario: Scenario) -> dict[str, str]:
    """The unit of every variable the engine emits for ``scenario``, by name."""
    return {name: ind.unit for name, ind in scenario_indicators(scenario).items()}


def reported_names(indicators: dict[str, Indicator]) -> list[str]:
    """The indicators reported on their own (auxiliary risks and onset months left out)."""
    return [name for name, ind in indicators.items() if not ind.auxiliary]


def reference_problems(scenario: Scenario) -> list[tuple[Path, str]]:
    """Claims, targets and declared outcomes naming an indicator the scenario does not provide."""
    known = scenario_indicators(scenario)
    listed = ", ".join(sorted(reported_names(known)))
    named: list[tuple[Path, str | None]] = [
        *((("claims", i, "indicator"), c.indicator) for i, c in enumerate(scenario.claims)),
        *((("targets", i, "indicator"), t.indicator) for i, t in enumerate(scenario.targets)),
        *((("outcomes", i, "id"), o.id) for i, o in enumerate(scenario.outcomes)),
    ]
    found: list[tuple[Path, str]] = [
        (path, f"unknown indicator {name!r}; this scenario provides: {listed}")
        for path, name in named
        if name is not None and name not in known
    ]
    for i, claim in enumerate(scenario.claims):
        ind = known.get(claim.indicator)
        if ind is not None and (claim.material or "").endswith("pp") and ind.kind != "probability":
            found.append(
                (("claims", i, "material"),
                 f"'pp' (percentage points) applies to probabilities; {claim.indicator!r} is a "
                 f"{ind.kind} in {ind.unit}: give a number in that unit or a share such as 10%")
            )  # fmt: skip
    return found
