"""The catalogue of a scenario's numbers: every quantity by a stable dotted name.

The catalogue is the scenario's provenance table (``posturelab sources``, the HTML report) and the
list of parameters the engine samples.
"""

from __future__ import annotations

from pydantic import BaseModel

from posturelab.scenario.quantity import Quantity
from posturelab.scenario.schema import Scenario
from posturelab.scenario.schema_structure import structure_quantities


def catalogue(scenario: Scenario) -> dict[str, Quantity]:
    """Return every number of a scenario by a stable dotted name.

    The name is the path to the number through the scenario, where a list item is named by its
    ``id`` (or ``A-B`` for items with ``a`` and ``b``, the ``patron`` for theatre policies, else
    its index) and a field called ``value`` is left out. Examples: ``actors.dprk.personnel``,
    ``forces.kpa_ground.equipment.tanks``, ``scoring.weights.artillery``,
    ``distances.camp_humphreys-guam.km``, ``propensities.dprk-rus``,
    ``contests.dprk_attack.campaign_terms.rho``, ``events.rok_election.effects.0.personnel``,
    ``parameters.bloc_cohesion``. A relation with alternative forms adds its sampled form,
    ``structure.<relation>.form`` (:mod:`posturelab.scenario.schema_structure`).
    """
    out: dict[str, Quantity] = {}
    _collect(scenario, "", out)
    out.update(structure_quantities(scenario.structure))
    return out


def _item_name(item: object, index: int) -> str:
    ident = getattr(item, "id", None)
    if isinstance(ident, str):
        return ident
    a, b = getattr(item, "a", None), getattr(item, "b", None)
    if isinstance(a, str) and isinstance(b, str):
        return f"{a}-{b}"
    patron = getattr(item, "patron", None)
    return patron if isinstance(patron, str) else str(index)


def _collect(node: object, prefix: str, out: dict[str, Quantity]) -> None:
    if isinstance(node, Quantity):
        out[prefix] = node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            path = prefix if name == "value" else (f"{prefix}.{name}" if prefix else name)
            _collect(getattr(node, name), path, out)
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            _collect(item, f"{prefix}.{_item_name(item, index)}", out)
    elif isinstance(node, dict):
        for key, item in node.items():
            _collect(item, f"{prefix}.{key}", out)
