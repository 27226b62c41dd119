"""A scenario compiled for the engine: its frame and every component's spec.

Compilation happens once per run, after validation; the result is plain, picklable data that the
vectorised monthly step reads. The frame (:mod:`posturelab.engine.frame`) resolves the calendar,
the numbers, the forces, the dated tables and the lever roles; each component of
:data:`posturelab.engine.components.COMPONENTS` then compiles its own part of the scenario against
it. A component that the scenario does not use has no spec and is skipped by the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

from posturelab.engine.component import Component, Indicator
from posturelab.engine.components import COMPONENTS
from posturelab.engine.frame import Frame, build_frame
from posturelab.scenario.schema import LeverValue, Scenario

T = TypeVar("T")


@dataclass(frozen=True)
class CompiledScenario(Frame):
    """A scenario's frame and the specs of the components it uses, by component name."""

    specs: dict[str, Any] = field(default_factory=dict)

    def spec(self, name: str, kind: type[T]) -> T | None:
        """The spec of component ``name`` (None: the scenario does not use it)."""
        found = self.specs.get(name)
        if found is None:
            return None
        if not isinstance(found, kind):
            raise TypeError(
                f"component {name!r} has a {type(found).__name__}, not a {kind.__name__}"
            )
        return found

    def active_components(self) -> list[tuple[Component[Any, Any], Any]]:
        """The components this scenario uses, in step order, each with its spec."""
        return [(c, self.specs[c.name]) for c in COMPONENTS if c.name in self.specs]

    def indicators(self) -> dict[str, Indicator]:
        """Every variable the engine emits for this scenario, as its components declare it."""
        return {
            indicator.name: indicator
            for component, spec in self.active_components()
            for indicator in component.indicators(spec)
        }


def compile_scenario(scenario: Scenario, levers: Mapping[str, LeverValue]) -> CompiledScenario:
    """Resolve a validated scenario and complete lever settings into engine tables.

    Parameters
    ----------
    scenario
        A validated scenario.
    levers
        A value for every lever of the scenario (defaults merged with overrides).
    """
    frame = build_frame(scenario, levers)
    specs: dict[str, Any] = {}
    for component in COMPONENTS:
        spec = component.compile(scenario, levers, frame)
        if spec is not None:
            specs[component.name] = spec
    return CompiledScenario(**{f.name: getattr(frame, f.name) for f in fields(Frame)}, specs=specs)
