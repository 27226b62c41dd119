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
    # Each indicator with its description and unit, as the components declare them.
    header = page.eval_on_selector_all(
        "#summary-table th", "cells => cells.map(c => c.textContent)"
    )
    assert header[:4] == ["indicator", "description", "unit", "kind"]
    troops = page.locator("#summary-table tr", has_text="us_troops_korea").first
    assert "The patron's personnel located in the theatre." in troops.inner_text()
    assert troops.locator("td:nth-child(3)").inner_text() == "personnel"
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


def test_levers_show_their_meaning_and_provenance(page: Any, server: str) -> None:
    page.goto(server)
    page.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)
    label = page.locator("#levers-a label[for=a-relocation_troops]")
    assert "US troops moved out of South Korea" in label.inner_text()
    assert "relocation_troops · 0 to 17000 personnel" in label.inner_text()
    info = label.locator(".lever-info")
    # The source of the default, in full, as a tooltip and as the accessible name.
    assert "Source: Wall Street Journal" in (info.get_attribute("title") or "")
    assert info.get_attribute("aria-label") == info.get_attribute("title")
    assert "the status quo keeps all 28,500" in (label.get_attribute("title") or "")
    # A lever without a cited source says its default is an assumption and why.
    date = page.locator("#levers-a label[for=a-relocation_date] .lever-info")
    assert (date.get_attribute("title") or "").startswith("Assumption: no date was reported")


def test_theatre_map_draws_bases_forces_and_the_front(page: Any, server: str, shots: Path) -> None:
    page.goto(server)
    page.wait_for_selector("#map-out svg.theatre-map rect.base", timeout=TIMEOUT_MS)
    bases = page.eval_on_selector_all(
        "#map-out svg.theatre-map rect.base", "els => els.map(e => e.dataset.location)"
    )
    assert bases == [
        "dprk_south",
        "dprk_north",
        "rok",
        "camp_humphreys",
        "osan",
        "taiwan",
        "japan",
        "guam",
    ]
    assert page.locator("#map-out circle.force[data-actor=us]").count() >= 1
    assert "no coordinates: prc_east" in (page.text_content("#map-out svg") or "")
    page.click("#campaign")
    page.wait_for_selector("#map-out line.front", timeout=TIMEOUT_MS)
    fronts = page.locator("#map-out line.front")
    steps = int(page.get_attribute("#front-day", "max") or "0")
    assert fronts.count() == steps + 1 >= 2
    # The slider shows the front of the chosen day; later days are hidden.
    page.eval_on_selector(
        "#front-day", "el => { el.value = '1'; el.dispatchEvent(new Event('input')); }"
    )
    hidden = page.eval_on_selector_all(
        "#map-out line.front", "els => els.filter(e => e.style.display === 'none').length"
    )
    assert hidden == steps - 1
    assert page.inner_text("#front-day-label").startswith("day 1: front ")
    page.locator("#map-out").screenshot(path=str(shots / "dashboard-map.png"))


def test_a_long_job_can_be_cancelled(page: Any, server: str) -> None:
    page.goto(server)
    page.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)
    page.fill("#members", "20000")
    page.click("#run")
    page.wait_for_selector("#cancel:not([hidden])", timeout=TIMEOUT_MS)
    page.click("#cancel")
    page.wait_for_function(
        "() => document.getElementById('status-text').textContent.includes('cancelled')",
        timeout=TIMEOUT_MS,
    )
    assert page.is_hidden("#cancel")
    jobs = page.evaluate("() => fetch('/api/jobs').then(r => r.json())")
    assert jobs[0]["status"] == "cancelled"
    assert jobs[0]["progress"]["done"] < 20000
    assert page.locator("svg.fan").count() == 0


def test_a_shared_address_reopens_the_same_levers(page: Any, server: str) -> None:
    page.goto(server)
    page.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)
    _set_number(page, "levers-a", "relocation_troops", "4500")
    page.check("#levers-a [data-lever=one_theatre] input[type=checkbox]")
    page.uncheck("#levers-a [data-lever=opcon_transfer_date] input.never")
    page.fill("#levers-a [data-lever=opcon_transfer_date] input[type=month]", "2028-03")
    page.fill("#members", "123")
    page.check("#compare-mode")
    _set_number(page, "levers-b", "strategic_flexibility", "0.25")
    shared = page.url
    assert "scenario=korea-2025" in shared and "a.relocation_troops=4500" in shared
    assert "b.strategic_flexibility=0.25" in shared
    other = page.context.new_page()
    try:
        other.goto(shared)
        other.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)
        other.wait_for_function("() => document.getElementById('members').value === '123'")
        troops = other.locator("#levers-a [data-lever=relocation_troops] input[type=number]")
        assert troops.input_value() == "4500"
        assert (
            other.locator(
                "#levers-a [data-lever=relocation_troops] input[type=range]"
            ).input_value()
            == "4500"
        )
        assert other.is_checked("#levers-a [data-lever=one_theatre] input[type=checkbox]")
        assert not other.is_checked("#levers-a [data-lever=opcon_transfer_date] input.never")
        assert (
            other.input_value("#levers-a [data-lever=opcon_transfer_date] input[type=month]")
            == "2028-03"
        )
        assert other.is_checked("#compare-mode") and other.is_visible("#setting-b")
        flex = other.locator("#levers-b [data-lever=strategic_flexibility] input[type=number]")
        assert flex.input_value() == "0.25"
        assert "changed" in (
            other.get_attribute("#levers-a label[for=a-relocation_troops]", "class") or ""
        )
        assert other.url == shared
    finally:
        other.close()
    page.uncheck("#compare-mode")
    page.goto(server)
    page.wait_for_selector("#levers-a .control", timeout=TIMEOUT_MS)


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


def test_claim_audit_with_the_mechanism_split(page: Any, shots: Path) -> None:
    page.select_option("#scenario", "korea-2025")
    page.wait_for_function(
        "() => document.getElementById('scenario-title').textContent.includes('(')"
    )
    page.select_option("#calibration", "")
    page.check("#split-mechanisms")
    page.fill("#members", "40")
    page.click("#claims")
    page.wait_for_selector("#audit-out article.audit-claim", timeout=4 * TIMEOUT_MS)
    job = page.get_attribute("#audit-out", "data-job")
    audit = page.evaluate(
        "async (id) => (await (await fetch(`/api/jobs/${id}/audit`)).json())", job
    )
    assert audit["members"] == 40 and len(audit["claims"]) == 7
    blocks = page.locator("#audit-out article.audit-claim")
    assert blocks.count() == len(audit["claims"])
    labels = {"supported", "contradicted", "no material effect", "depends", "untestable"}
    for i, claim in enumerate(audit["claims"]):
        block = blocks.nth(i)
        assert block.get_attribute("data-claim") == claim["id"]
        badge = block.locator("h3 .verdict-badge")
        assert badge.get_attribute("data-verdict") == claim["verdict"]
        assert badge.inner_text() in labels
        assert claim["statement"] in block.locator("blockquote").inner_text()
        assert claim["by"] in block.locator(".who").inner_text()
        if claim["source"] and claim["source"]["url"]:
            assert block.locator(".who a").get_attribute("href") == claim["source"]["url"]
        # The waterfall: one bar per active channel, in the rows' order, and the total.
        active = [m["channel"] for m in claim["mechanisms"] if m["active"]]
        bars = block.locator("svg.waterfall rect.wf-bar")
        assert bars.count() == len(active)
        assert [bars.nth(k).get_attribute("data-channel") for k in range(len(active))] == active
        assert block.locator("svg.waterfall rect.wf-total").count() == 1
        # The verdict under each structural form, one line each.
        forms = block.locator(".audit-forms li")
        assert forms.count() == len(claim["structure"])
        for k, form in enumerate(claim["structure"]):
            line = forms.nth(k)
            assert line.get_attribute("data-form") == form["form"]
            assert line.locator(".verdict-badge").get_attribute("data-verdict") == form["verdict"]
        assert (block.locator(".audit-box").count() == 1) == (claim["conditions"] is not None)
    # Each verdict has its own colour.
    colours = page.eval_on_selector_all(
        "#audit-out h3 .verdict-badge",
        "bs => bs.map(b => [b.dataset.verdict, getComputedStyle(b).backgroundColor])",
    )
    by_verdict: dict[str, set[str]] = {}
    for verdict, colour in colours:
        by_verdict.setdefault(verdict, set()).add(colour)
    assert all(len(c) == 1 for c in by_verdict.values())
    assert len({next(iter(c)) for c in by_verdict.values()}) == len(by_verdict)
    # Printed, only the audit remains.
    page.emulate_media(media="print")
    try:
        assert page.is_hidden("#controls") and page.is_hidden("header")
        assert page.is_hidden("#claims-table") and page.is_hidden("#audit-print")
        assert page.is_visible("#audit-out article.audit-claim")
    finally:
        page.emulate_media(media="screen")
    assert page.is_visible("#controls")
    # The picture: the audit's heading and its first claim.
    top = page.locator("#audit-out").bounding_box()
    first = blocks.first.bounding_box()
    assert top is not None and first is not None
    clip = {"x": top["x"], "y": top["y"], "width": top["width"],
            "height": first["y"] + first["height"] - top["y"] + 8}  # fmt: skip
    page.screenshot(path=str(shots / "dashboard-audit.png"), clip=clip, full_page=True)
