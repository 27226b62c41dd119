"""The channels of the coupled model: what each component declares it reads and writes is what its
module touches in the world, and the figure drawn from those declarations renders."""

import inspect
import re
import sys
from pathlib import Path

from posturelab.engine.component import World
from posturelab.engine.components import COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
# The world's inputs every component may read (the sampled numbers, the draws, the scores) and its
# helpers, and the switch of the mechanism terms (an input of the run); the channels are the other
# fields.
BASE = {"params", "draws", "slots", "scores", "n", "event_draws", "switch"}


def test_declared_channels_are_the_fields_each_component_touches() -> None:
    fields = set(World.__dataclass_fields__) - BASE
    for component in COMPONENTS:
        source = Path(inspect.getfile(type(component))).read_text()
        touched = set(re.findall(r"\bworld\.([a-z_]+)", source)) - BASE
        declared = set(component.reads) | set(component.writes)
        assert touched == declared, (component.name, sorted(touched ^ declared))
        assert declared <= fields, component.name


def test_every_field_a_component_reads_is_written_by_some_component() -> None:
    written: set[str] = set()
    for component in COMPONENTS:
        written |= set(component.writes)
    for component in COMPONENTS:
        assert set(component.reads) <= written, component.name


def test_the_channels_figure_is_drawn_from_the_declarations(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "docs" / "models"))
    try:
        from channels_figure import main
    finally:
        sys.path.pop(0)
    out = main(tmp_path / "channels.png")
    assert out.stat().st_size > 10_000
    assert (ROOT / "docs" / "models" / "img" / "channels.png").is_file()
