"""The dashboard in a real headless Chromium (Debian's ``chromium``), driven by Playwright.

``posturelab serve`` runs in a subprocess on a free loopback port with a temporary runs
directory; the browser loads the dashboard, changes levers, runs small ensembles, and checks
that the fan charts, the claims table, the comparison, the campaign trace and the editor's
located problems appear. Screenshots go to a temporary directory, or to ``docs/img/`` (the
documentation's pictures) with ``POSTURELAB_UPDATE_SCREENSHOTS=1``. Playwright never downloads
a browser here: it launches ``/usr/bin/chromium``. Without Chromium the tests are skipped
locally and fail in CI (where ``CI`` is set and ``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from bench_api import local_server

CHROMIUM = os.environ.get("POSTURELAB_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a small /dev/shm
]
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
TIMEOUT_MS = 60_000

if not (Path(CHROMIUM).exists() or shutil.which("chromium")) and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (and CI is not set)", allow_module_level=True)

if os.environ.get("CI"):
    import playwright.sync_api as sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with local_server(2, str(tmp_path_factory.mktemp("browser-runs"))) as url:
        yield url


@pytest.fixture(scope="module")
def page(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": 1300, "height": 900},
        )
        try:
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.goto(server)
            tab.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)
            yield tab
            assert errors == []
        finally:
            context.close()


def _set_number(page: Any, panel: str, lever: str, value: str) -> None:
    box = page.locator(f"#{panel} [data-lever={lever}] input[type=number]")
    box.fill(value)
    box.dispatch_event("input")


def _paste(page: Any, text: str) -> None:
    """Replace the editor's text at once (typing a whole scenario key by key is slow)."""
    page.eval_on_selector(
        "#editor", "(el, v) => { el.value = v; el.dispatchEvent(new Event('input')); }", text
    )


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: docs/img/ when asked to update them, else a temporary directory."""
    if os.environ.get("POSTURELAB_UPDATE_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path_factory.mktemp("screenshots")


def test_controls_follow_the_lever_definitions(page: Any) -> None:
    kinds = page.eval_on_selector_all(
        "#levers-a .control", "els => els.map(e => [e.dataset.lever, e.dataset.kind])"
    )
    assert ["relocation_troops", "number"] in kinds
    assert (
        page.locator("#levers-a [data-lever=relocation_troops] input[type=range]").get_attribute(
            "max"
        )
        == "17000"
    )
    assert page.locator("#levers-a [data-lever=one_theatre] input[type=checkbox]").count() == 1
    assert page.locator("#levers-a [data-lever=relocation_date] input[type=month]").count() == 1
    never = page.locator("#levers-a [data-lever=opcon_transfer_date] input.never")
    assert never.is_checked()
    # A named variant sets the controls to its values; "defaults" sets them back.
    troops = page.locator("#levers-a [data-lever=relocation_troops] input[type=number]")
    page.select_option("#variant-a", "reported_drawdown")
    assert troops.input_value() == "4500"
    page.select_option("#variant-a", "")
    assert troops.input_value() == "0"


def test_run_claims_and_campaign(page: Any, shots: Path) -> None:
    _set_number(page, "levers-a", "relocation_troops", "4500")
    page.check("#levers-a [data-lever=one_theatre] input[type=checkbox]")
    page.fill("#members", "50")
    page.click("#run")
    page.wait_for_selector("svg.fan", timeout=TIMEOUT_MS)
    assert page.locator("svg.fan").count() >= 2
    assert page.locator("svg.fan path.band").count() >= 1
    assert page.locator("#summary-table tr").count() > 5
    assert "4500" in page.inner_text("#status-text") or "done" in page.inner_text("#status-text")
    page.wait_for_selector("#bloc-out img", timeout=TIMEOUT_MS)

    page.click("#claims")
    page.wait_for_selector("#claims-table tr:nth-child(3)", timeout=TIMEOUT_MS)
    rows = page.locator("#claims-table tr").count() - 1
    assert rows == 7
    assert page.locator("#claims-table svg.interval line").count() >= rows
    page.click("#campaign")
    page.wait_for_selector("#campaign-charts svg", timeout=TIMEOUT_MS)
    page.wait_for_selector("#catalogue-table tr:nth-child(3)", timeout=TIMEOUT_MS)
    kinds = page.eval_on_selector_all(
        "#catalogue-table tr td:nth-child(2)", "cells => cells.map(c => c.textContent)"
    )
    assert sorted(kinds) == ["claims", "run"]
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)


def test_compare_side_by_side(page: Any, shots: Path) -> None:
    page.check("#compare-mode")
    assert page.is_visible("#setting-b")
    _set_number(page, "levers-a", "relocation_troops", "10000")
    _set_number(page, "levers-b", "relocation_troops", "0")
    page.fill("#members", "40")
    page.click("#compare")
    page.wait_for_selector("#effects-table", timeout=TIMEOUT_MS)
    page.wait_for_selector("#charts .pair svg.fan", timeout=TIMEOUT_MS)
    assert page.locator("#charts .pair").first.locator("svg.fan").count() == 2
    assert "relocation_troops: 10000 vs 0" in page.inner_text("#summary")
    page.screenshot(path=str(shots / "dashboard-compare.png"), full_page=False)
    page.locator("#charts").screenshot(path=str(shots / "dashboard-compare-charts.png"))
    page.uncheck("#compare-mode")


def test_editor_shows_located_problems(page: Any, shots: Path) -> None:
    page.click("#toggle-editor")
    page.wait_for_function("() => document.getElementById('editor').value.length > 100")
    text = page.input_value("#editor")
    broken = text.replace("kind: number", "kind: numbr", 1)
    line = 1 + text[: text.index("kind: number")].count("\n")
    _paste(page, broken)
    page.click("#validate")
    page.wait_for_selector("#problems li", timeout=TIMEOUT_MS)
    first = page.inner_text("#problems li >> nth=0")
    assert first.startswith(f"<upload>:{line}:")
    assert page.locator("#gutter .bad").first.inner_text() == str(line)
    assert page.is_disabled("#use-text")
    page.locator("#problems li").first.click()
    page.screenshot(path=str(shots / "dashboard-editor.png"), full_page=False)

    _paste(page, text.replace("title:", "title: Edited -", 1))
    page.click("#validate")
    page.wait_for_function("() => !document.getElementById('use-text').disabled")
    page.click("#use-text")
    assert page.inner_text("#scenario-title").startswith("Edited -")
    page.fill("#members", "30")
    page.click("#run")
    page.wait_for_selector("svg.fan", timeout=TIMEOUT_MS)


def test_targets_table_figure_and_calibration(
    page: Any, shots: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    page.select_option("#scenario", "korea-2025")
    page.wait_for_function("() => document.getElementById('scenario-title').textContent")
    declared = page.evaluate(
        "async () => (await (await fetch('/api/scenarios/korea-2025')).json())"
    )
    ids = [t["id"] for t in declared["targets"]]
    page.fill("#members", "30")
    page.click("#targets")
    page.wait_for_selector("#targets-table tr[data-target]", timeout=TIMEOUT_MS)
    rows = page.eval_on_selector_all(
        "#targets-table tr[data-target]",
        "trs => trs.map(r => [r.dataset.target, r.dataset.status, r.querySelector('td.status')])"
        ".map(([t, s, td]) => [t, s, td.className, getComputedStyle(td).color])",
    )
    assert [r[0] for r in rows] == ids
    colours = {"consistent": "rgb(46, 139, 87)", "inconsistent": "rgb(194, 72, 43)"}
    for _, status, cls, colour in rows:
        assert cls == f"status status-{status.replace(' ', '-')}"
        if status in colours:
            assert colour == colours[status], (status, colour)
    sources = page.locator("#targets-table .source").all_inner_texts()
    assert len(sources) == len(ids) and all(s.startswith("source: ") for s in sources)
    # The figure: one strip per target, the published bracket and the model interval in it.
    strips = page.locator("svg.targets-figure g.target-strip")
    assert strips.count() == len(ids)
    assert page.locator("svg.targets-figure rect.published").count() == len(ids)
    models = page.eval_on_selector_all(
        "svg.targets-figure g.target-strip",
        "gs => gs.map(g => [g.dataset.target,"
        " g.querySelector('line.model')?.getAttribute('stroke')])",
    )
    by_status = {r[0]: r[1] for r in rows}
    strokes = {"consistent": "#2e8b57", "inconsistent": "#c2482b"}
    for target, stroke in models:
        if by_status[target] in strokes:
            assert stroke == strokes[by_status[target]]
    page.locator("#targets-out").screenshot(path=str(shots / "dashboard-targets.png"))

    # A calibration uploaded in the page applies to runs and targets of its scenario.
    from posturelab.explore.calibration import history_match
    from posturelab.explore.calibration_file import write_calibration
    from posturelab.scenario.loader import load_scenario

    synthetic = Path(__file__).parent / "fixtures" / "calibration-synthetic.yaml"
    loaded = load_scenario(synthetic)
    cal = history_match(loaded.scenario, loaded.origin, loaded.sha256, waves=2, members=80,
                        replicates=1, seed=7)  # fmt: skip
    path = tmp_path_factory.mktemp("calibration") / "synthetic.json"
    write_calibration(path, cal)
    if page.is_hidden("#editor-panel"):
        page.click("#toggle-editor")
    _paste(page, synthetic.read_text())
    page.click("#validate")
    page.wait_for_function("() => !document.getElementById('use-text').disabled")
    page.click("#use-text")
    assert page.locator("#calibration option").count() == 1  # the prior only
    page.set_input_files("#calibration-upload", str(path))
    page.wait_for_function("() => document.getElementById('calibration').value !== ''")
    chosen = page.input_value("#calibration")
    assert f"{cal.design.shape[0]} NROY members" in page.inner_text("#calibration-note")
    page.fill("#members", "20")
    page.click("#run")
    page.wait_for_selector("#summary-table", timeout=TIMEOUT_MS)
    jobs = page.evaluate("async () => (await (await fetch('/api/jobs')).json())")
    assert jobs[0]["kind"] == "run" and jobs[0]["calibration"]["id"] == chosen
    page.click("#targets")
    page.wait_for_function(
        "() => (document.querySelector('#targets-out h2') || {})"
        ".textContent?.includes('calibration')",
        timeout=TIMEOUT_MS,
    )
    assert page.locator("#targets-table tr[data-target]").count() == len(loaded.scenario.targets)
