"""examples/korea-2025.ipynb: committed without outputs, and every cell runs (nbclient).

The notebook walks the korea-2025 questions with the public API at small ensemble sizes; a cell
that raises fails the test with the cell's traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "korea-2025.ipynb"


def _read() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def test_notebook_is_stored_without_outputs() -> None:
    nb = _read()
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None, cell.source[:60]
        assert "execution" not in cell.metadata, cell.source[:60]


@pytest.mark.slow
def test_notebook_runs_every_cell(tmp_path: Path) -> None:
    from nbclient import NotebookClient

    nb = _read()
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    # Result directories go to the kernel's temporary folder, which is the test's.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel's inline one
    env.update(TMPDIR=str(tmp_path), JUPYTER_PLATFORM_DIRS="1")
    client.execute(env=env)  # raises CellExecutionError on the first cell that fails

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert "The attack risk by 2030-12 rises in" in text
    assert "Members where flexibility trades Taiwan risk for North Korean risk" in text
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    # The baseline fan chart, the paired differences, the trade-off, the sweep, Morris, targets.
    assert len(images) >= 6
    html = [o for o in outputs if "text/html" in o.get("data", {})]
    assert html  # tables render for Jupyter
    # Every result went to the temporary folder; nothing to a runs/ folder of the working one.
    assert list(tmp_path.glob("korea-2025-*/baseline/manifest.json"))
    assert not (tmp_path / "runs").exists()
