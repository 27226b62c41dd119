"""The wheel works alone: built from the sources, installed in a fresh virtual environment.

Offline and quick: the wheel is built with ``python -m build --no-isolation`` (the build backend
comes from this environment's ``dev`` extra instead of being downloaded), and installed with
``pip install --no-deps --no-index`` into a new virtual environment that reads the dependencies
(numpy, xarray, ...) from this environment's site-packages through a ``.pth`` file. posturelab
itself, with its scenarios, data and dashboard assets, comes only from the wheel: the command runs
outside the source tree, without ``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_wheel_installs_and_runs_in_a_clean_environment(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy, so that building leaves the work tree untouched
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    dist = tmp_path / "dist"
    built = _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        source,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = dist.glob("posturelab-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for packaged in (
        "posturelab/scenario/library/korea-2025.yaml",
        "posturelab/data/iwo_jima.csv",
        "posturelab/web/static/index.html",
        "posturelab/web/static/app.js",
        "posturelab/py.typed",
    ):
        assert packaged in names, packaged

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    purelib = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
             tmp_path).stdout.strip()
    )  # fmt: skip
    (purelib / "shared-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = _run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)], tmp_path
    )
    assert installed.returncode == 0, installed.stderr[-2000:]

    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run([str(python), "-c", "import posturelab.api as a; print(a.__file__)"], work)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    ran = _run(
        [str(venv / "bin" / "posturelab"), "run", "--members", "200", "--out", "r", "--json"], work
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    summary = json.loads(ran.stdout)
    assert summary["members"] == 200 and summary["scenario"] == "korea-2025"
    assert (work / "r" / "series.nc").is_file()
    listed = _run([str(venv / "bin" / "posturelab"), "scenarios", "--json"], work)
    assert [e["id"] for e in json.loads(listed.stdout)] == [
        "korea-2025",
        "baltics-2016",
        "korea-1950",
    ]
    assets = _run(
        [
            str(python),
            "-c",
            "from importlib import resources as r; "
            "print(r.files('posturelab.web').joinpath('static/index.html').is_file(), "
            "r.files('posturelab.data').joinpath('iwo_jima.csv').is_file())",
        ],
        work,
    )
    assert assets.stdout.split() == ["True", "True"]
