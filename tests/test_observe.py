"""The work observer: every ensemble an analysis runs reports members planned and done."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest

from posturelab import api
from posturelab.cli.progress import work_progress
from posturelab.engine.observe import observing, report_done


class _Count:
    def __init__(self) -> None:
        self.planned_total = 0
        self.done_total = 0
        self.calls = 0

    def planned(self, members: int) -> None:
        self.planned_total += members

    def done(self, members: int) -> None:
        self.done_total += members
        self.calls += 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_compare_reports_both_ensembles_and_numbers_do_not_change(tmp_path) -> None:
    count = _Count()
    kwargs = {"members": 40, "seed": 5, "figures": False, "runner": "sequential"}
    with observing(count):
        watched = api.compare(
            "korea-2025", ["relocation_troops=4500"], None, out=tmp_path / "a", **kwargs
        )
    plain = api.compare(
        "korea-2025", ["relocation_troops=4500"], None, out=tmp_path / "b", **kwargs
    )
    assert count.planned_total == 80 and count.done_total == 80
    assert [e.p50 for e in watched.effects] == [e.p50 for e in plain.effects]


def test_sensitivity_reports_every_design_point(tmp_path) -> None:
    count = _Count()
    with observing(count):
        result = api.sensitivity(
            "korea-2025",
            indicator="p_dprk_attack",
            method="morris",
            n=4,
            seed=2,
            runner="sequential",
            out=tmp_path / "s",
        )
    assert count.planned_total == count.done_total == result.evaluations > 4
    assert np.isfinite([r.mu_star for r in result.rows if r.mu_star is not None]).all()


def test_scopes_nest_and_close() -> None:
    outer, inner = _Count(), _Count()
    with observing(outer):
        report_done(3)
        with observing(inner):
            report_done(4)
        report_done(5)
    report_done(100)
    assert (outer.done_total, inner.done_total) == (8, 4)


def test_work_progress_draws_one_bar_with_an_eta(tmp_path) -> None:
    stream = _Terminal()
    with work_progress("compare", enabled=True, expected=80, delay_s=0.0, stream=stream):
        api.compare(
            "korea-2025",
            ["relocation_troops=4500"],
            None,
            members=40,
            seed=5,
            figures=False,
            runner="sequential",
            out=tmp_path / "c",
        )
    text = stream.getvalue()
    assert "compare" in text and "ETA" in text


@pytest.mark.parametrize(("enabled", "stream"), [(False, _Terminal()), (True, io.StringIO())])
def test_work_progress_is_silent_when_off_or_piped(enabled, stream) -> None:
    before = threading.active_count()
    with work_progress("x", enabled=enabled, delay_s=0.0, stream=stream):
        report_done(10)
    assert stream.getvalue() == ""
    assert threading.active_count() <= before + 1
