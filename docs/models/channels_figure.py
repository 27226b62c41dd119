"""Draw docs/models/img/channels.png from korea-2025's component declarations.

Run: ``.venv/bin/python docs/models/channels_figure.py`` (tests/test_channels.py runs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from posturelab.report.channels import channels_figure
from posturelab.scenario.loader import load_scenario

OUT = Path(__file__).resolve().parent / "img" / "channels.png"


def main(out: Path = OUT) -> Path:
    """Write the figure and return its path."""
    fig = channels_figure(load_scenario("korea-2025").scenario)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    return out


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT))
