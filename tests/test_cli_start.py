"""The command line starts quickly: its modules import neither the engine nor the analyses."""

import io
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import bench_cli_start

from posturelab.cli.progress import progress_bar
from posturelab.scenario.library_index import library
from posturelab.scenario.loader import builtin_ids, load_scenario

SRC = str(Path(__file__).resolve().parents[1] / "src")
HEAVY = ("numpy", "pandas", "xarray", "pydantic", "rich", "posturelab.engine", "posturelab.api")


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys; print('\\n'.join(sys.modules))"],
        check=True,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
    ).stdout
    return set(out.split())


@pytest.mark.parametrize("code", ["import posturelab", "import posturelab.cli"])
def test_imports_stay_light(code: str) -> None:
    loaded = _modules_after(code)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
    assert heavy == []


def test_help_imports_no_engine() -> None:
    loaded = _modules_after(
        "from posturelab.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert not {"numpy", "posturelab.engine.run", "posturelab.api"} & loaded


def test_library_index_agrees_with_the_validated_scenarios() -> None:
    entries = library()
    assert [e.id for e in entries] == builtin_ids()
    for e in entries:
        s = load_scenario(e.id).scenario
        assert (e.title, e.start, e.end) == (s.meta.title, s.meta.start, s.meta.end)
        assert (e.actors, e.forces, e.levers, e.claims) == (
            len(s.actors),
            len(s.forces),
            len(s.levers),
            len(s.claims),
        )


def test_top_level_names_are_the_api() -> None:
    import posturelab
    from posturelab import api

    assert posturelab.run is api.run and posturelab.InputError is api.InputError
    assert posturelab.__version__
    with pytest.raises(AttributeError):
        _ = posturelab.no_such_name


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_an_eta_on_a_terminal_after_the_delay() -> None:
    stream = _Terminal()
    with progress_bar("korea-2025: members", 100, enabled=True, delay_s=0.0, stream=stream) as step:
        step(40)
        time.sleep(0.3)
        step(20)
    text = stream.getvalue()
    assert "korea-2025: members" in text and "ETA" in text


@pytest.mark.parametrize(
    ("enabled", "stream", "delay"),
    [(False, _Terminal(), 0.0), (True, io.StringIO(), 0.0), (True, _Terminal(), 60.0)],
)
def test_progress_bar_is_silent_when_off_piped_or_short(enabled, stream, delay) -> None:
    before = threading.active_count()
    with progress_bar("x", 10, enabled=enabled, delay_s=delay, stream=stream) as step:
        step(10)
    assert stream.getvalue() == ""
    assert threading.active_count() <= before + 1


def test_run_quiet_and_json_print_no_bar(run_cli, tmp_path) -> None:
    result = run_cli("run", "--members", "10", "--quiet", "--out", str(tmp_path / "q"))
    assert result.code == 0, result.err
    assert result.err == ""


def test_start_benchmark_prints_each_command_against_python(capsys) -> None:
    figures = bench_cli_start.main(["--repeat", "1"])
    assert set(figures) == {"python -c pass", "posturelab --help", "posturelab scenarios"}
    assert figures["posturelab --help"]["median_s"] > figures["python -c pass"]["median_s"] > 0
    printed = capsys.readouterr().out
    assert "above pass s" in printed and "python -X importtime" in printed


def test_the_light_defaults_are_the_engine_and_runner_defaults() -> None:
    from posturelab import defaults
    from posturelab.engine import run
    from posturelab.runners import executors
    from posturelab.scenario import loader

    assert defaults.DEFAULT_RUNNER == executors.DEFAULT_RUNNER
    assert (run.DEFAULT_MEMBERS, run.DEFAULT_SEED) == (
        defaults.DEFAULT_MEMBERS,
        defaults.DEFAULT_SEED,
    )
    assert loader.DEFAULT_SCENARIO == defaults.DEFAULT_SCENARIO


def test_python_dash_m_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "posturelab", "scenarios"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "korea-2025" in done.stdout
