"""The channels of the coupled model, drawn from the components' own declarations.

Each component of :data:`posturelab.engine.components.COMPONENTS` declares the
:class:`~posturelab.engine.component.World` fields it reads and writes and the indicators it
emits; :func:`channels_figure` draws them for a scenario: components in the order of the monthly
step, the world's fields they pass to each other, and the indicators each one feeds. Nothing in
the figure is drawn by hand, so it stays true as components are added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from posturelab.scenario.schema import Scenario


def channels_figure(scenario: Scenario) -> Figure:
    """Components (left), the world's fields (middle) and indicator templates (right)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch

    from posturelab.engine.compiled import compile_scenario
    from posturelab.scenario.levers import resolve_levers

    model = compile_scenario(scenario, resolve_levers(scenario, {}))
    active = model.active_components()
    fields: list[str] = []
    for component, _ in active:
        for name in (*component.writes, *component.reads):
            if name not in fields:
                fields.append(name)
    templates = {
        component.name: sorted({ind.template for ind in component.indicators(spec)})
        for component, spec in active
    }
    # Each component gets a band as tall as its list of indicators (at least one line).
    height = {c.name: max(2.0, 0.32 * len(templates[c.name]) + 0.6) for c, _ in active}
    rows = sum(height.values())
    fig = Figure(figsize=(13, 0.42 * rows + 1.5))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_xlim(-0.3, 3.2)
    ax.set_ylim(-0.3, rows + 0.3)
    at: dict[str, float] = {}
    top = rows
    for c, _ in active:
        at[c.name] = top - height[c.name] / 2
        top -= height[c.name]
    gap = rows / max(len(fields), 1)
    field_at = {f: rows - (i + 0.5) * gap for i, f in enumerate(fields)}
    box = {"boxstyle": "round,pad=0.3", "fc": "#e8eef7", "ec": "#1f5fa8"}
    for i, (c, _) in enumerate(active):
        label = f"{i + 1}. {c.name}"
        ax.text(0, at[c.name], label, ha="center", va="center", bbox=box, fontsize=10)
    for f, y in field_at.items():
        ax.text(1.3, y, f"world.{f}", ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.2", "fc": "#f4f4f4", "ec": "#888888"})  # fmt: skip
    for c, _ in active:
        for f in c.writes:
            ax.add_patch(FancyArrowPatch((0.35, at[c.name]), (0.95, field_at[f]),
                         arrowstyle="-|>", mutation_scale=10, color="#1f5fa8", lw=1.0))  # fmt: skip
        for f in c.reads:
            ax.add_patch(FancyArrowPatch((0.95, field_at[f]), (0.35, at[c.name]),
                         arrowstyle="-|>", mutation_scale=10, color="#c2482b", lw=0.8,
                         linestyle="--", connectionstyle="arc3,rad=0.25"))  # fmt: skip
    for c, _ in active:
        lines = templates[c.name]
        if lines:
            ax.text(2.05, at[c.name], "\n".join(lines), ha="left", va="center", fontsize=7.5,
                    family="monospace")  # fmt: skip
            ax.add_patch(FancyArrowPatch((0.35, at[c.name]), (2.0, at[c.name]),
                         arrowstyle="-|>", mutation_scale=8, color="#bbbbbb", lw=0.6))  # fmt: skip
    ax.set_title(
        f"{scenario.meta.id}: components in step order; blue writes a field of the world, red "
        "dashed reads it; grey: the indicators each emits",
        fontsize=10,
    )
    return fig
