"""The theatre map: projection, front line geometry, SVG, and the rules for coordinates."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from posturelab.errors import ScenarioError
from posturelab.report.theatre_map import (
    Place,
    TheatreMap,
    axis_direction,
    fit_projection,
    front_line,
    offset,
    render_svg,
    theatre_map,
)
from posturelab.scenario.loader import load_scenario, parse_scenario

SVG = "{http://www.w3.org/2000/svg}"
R_EARTH = 6371.0


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km (an independent check of the map's flat offsets)."""
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R_EARTH * math.asin(math.sqrt(h))


def test_projection_scales_longitude_by_the_cosine_of_the_central_latitude() -> None:
    proj = fit_projection([(59.0, 10.0), (61.0, 14.0)], width=500, height=500, pad=0)
    assert proj.lat0 == pytest.approx(60.0)
    x0, y0 = proj.xy(60.0, 10.0)
    x1, _ = proj.xy(60.0, 11.0)
    _, y1 = proj.xy(59.0, 10.0)
    # One degree of longitude at 60 degrees north is half a degree of latitude on the drawing.
    assert (x1 - x0) / (y1 - y0) == pytest.approx(0.5, rel=1e-12)
    # The box fits: 4 degrees x cos 60 = 2 units wide, 2 units high, in 500 x 500 pixels.
    assert proj.xy(61.0, 14.0) == pytest.approx((500.0, 0.0))
    assert proj.xy(59.0, 10.0) == pytest.approx((0.0, 500.0))
    assert (proj.width, proj.height) == pytest.approx((500.0, 500.0))
    # A tall box is drawn narrower than asked, but never below min_width (the box centred).
    tall = fit_projection([(30.0, 10.0), (40.0, 11.0)], 600, 400, pad=0, min_width=300)
    assert tall.height == pytest.approx(400.0) and tall.width == pytest.approx(300.0)
    assert tall.xy(35.0, 10.5)[0] == pytest.approx(150.0)


def test_projection_of_a_single_point_is_finite() -> None:
    proj = fit_projection([(37.5, 127.0)], 300, 200)
    x, y = proj.xy(37.5, 127.0)
    assert 0 < x < 300 and 0 < y < 200
    with pytest.raises(ValueError, match="at least one point"):
        fit_projection([], 300, 200)


@pytest.mark.parametrize("bearing", [0.0, 45.0, 135.0, 270.0])
def test_offsets_match_great_circle_distances(bearing: float) -> None:
    start = (37.9558, 126.6767)
    b = math.radians(bearing)
    moved = offset(start, 50.0 * math.sin(b), 50.0 * math.cos(b))
    # A flat offset of 50 km lands within 0.5% of 50 km on the sphere (R = 6371 km vs 111.2 km/deg).
    assert haversine(start, moved) == pytest.approx(50.0, rel=5e-3)


def test_front_line_is_across_the_axis_at_its_depth_and_as_long_as_the_front() -> None:
    start, toward = (37.9558, 126.6767), (37.55, 126.9833)
    for depth in (0.0, 20.0, 45.0):
        a, b = front_line(start, toward, depth, 248.0)
        centre = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        assert haversine(start, centre) == pytest.approx(depth, abs=0.3)
        assert haversine(a, b) == pytest.approx(248.0, rel=1e-2)
        # Perpendicular: the ends are equally far from a point on the axis behind the line.
        behind = offset(start, *(-10 * v for v in axis_direction(start, toward)))
        assert haversine(a, behind) == pytest.approx(haversine(b, behind), rel=1e-2)
    # At the axis's full length the front passes through the point it heads for.
    a, b = front_line(start, toward, haversine(start, toward), 10.0)
    assert haversine(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), toward) < 0.5


def test_korea_map_places_every_located_base_and_sizes_forces_by_personnel() -> None:
    scenario = load_scenario("korea-2025").scenario
    tmap = theatre_map(scenario)
    located = [loc.id for loc in scenario.locations if loc.lat is not None]
    assert [p.id for p in tmap.places] == located
    assert tmap.unplaced == ("prc_east",)
    root = ET.fromstring(render_svg(tmap))
    bases = root.findall(f"{SVG}rect[@class='base']")
    assert [b.get("data-location") for b in bases] == located
    circles = root.findall(f"{SVG}circle[@class='force']")
    assert circles, "forces are drawn"
    per: dict[tuple[str | None, str | None], float] = {}
    for force in scenario.forces:
        if force.personnel is not None:
            key = (force.actor, force.location)
            per[key] = per.get(key, 0.0) + force.personnel.nominal
    largest = max(v for (a, loc), v in per.items() if loc in located)
    for circle in circles:
        personnel = per.get((circle.get("data-actor"), circle.get("data-location")), 0.0)
        radius = float(circle.get("r", "0"))
        # Area above the 3-pixel dot grows with personnel: r = 3 + 22 sqrt(p / largest).
        assert radius == pytest.approx(3 + 22 * math.sqrt(personnel / largest), abs=0.06)
    assert root.findall(f"{SVG}line[@class='front']") == []


def test_campaign_theatre_map_draws_one_front_line_per_depth() -> None:
    scenario = load_scenario("korea-2025").scenario
    tmap = theatre_map(scenario, "korea")
    assert tmap.axis is not None and tmap.axis[2:] == ("Panmunjom", "Seoul")
    assert tmap.front_width_km == 248.0
    assert all(p.theatre == "korea" for p in tmap.places)
    root = ET.fromstring(render_svg(tmap, [0.0, 12.5, 30.0]))
    lines = [e for e in root.iter(f"{SVG}line") if "front" in (e.get("class") or "")]
    assert [e.get("data-depth-km") for e in lines] == ["0.0", "12.5", "30.0"]
    assert [e.get("class") for e in lines] == ["front past", "front past", "front"]
    assert len(root.findall(f"{SVG}line[@class='axis']")) == 1
    with pytest.raises(KeyError):
        theatre_map(scenario, "atlantis")


def test_names_are_escaped_in_the_svg() -> None:
    tmap = TheatreMap(
        "A <b> & 'c'",
        (Place("x", 'Fort "<X>" & Co', 10.0, 20.0, None, (("f", "a&b", 100.0),)),),
        ("a&b",),
        (),
        None,
        100.0,
    )
    root = ET.fromstring(render_svg(tmap))
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == "A <b> & 'c'"  # type: ignore[union-attr]
    assert root.find(f"{SVG}circle[@class='force']").get("data-actor") == "a&b"  # type: ignore[union-attr]


# ------------------------------------------------------------------- the scenario language's rules
def _korea_text() -> str:
    return load_scenario("korea-2025").text


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "<t>")
    return [str(p) for p in caught.value.problems]


def _line_of(text: str, needle: str) -> int:
    return 1 + text[: text.index(needle)].count("\n")


OSAN = "lat: 37.0906, lon: 127.0297"
SOURCED = OSAN + ", source: wikipedia-coordinates,"


@pytest.mark.parametrize(
    ("old", "new", "message", "at"),
    [
        (OSAN, "lat: 97.0906, lon: 127.0297", "less than or equal to 90", "field"),
        (OSAN, "lat: 37.0906, lon: 187.0297", "less than or equal to 180", "field"),
        (OSAN, "lat: 37.0906", "give 'lat' and 'lon' together", "item"),
        (SOURCED, OSAN + ",", "coordinates need their 'source'", "item"),
        (
            SOURCED,
            OSAN + ", source: no-such-gazetteer,",
            "unknown source 'no-such-gazetteer'",
            "field",
        ),
    ],
)
def test_coordinates_are_checked_with_located_messages(
    old: str, new: str, message: str, at: str
) -> None:
    text = _korea_text()
    assert old in text
    # A field's problem is located at the field (the item's second line); the item's at its start.
    line = _line_of(text, OSAN if at == "field" else "id: osan")
    problems = _problems(text.replace(old, new, 1))
    located = [p for p in problems if message in p]
    assert located, problems
    assert located[0].startswith(f"<t>:{line}:"), located
    assert "locations.4" in located[0]


def test_axis_needs_two_points() -> None:
    text = _korea_text()
    old = "toward: {name: Seoul, lat: 37.55, lon: 126.9833"
    assert old in text
    problems = _problems(text.replace(old, "toward: {name: Seoul, lat: 37.9558, lon: 126.6767", 1))
    assert any("'start' and 'toward' must be different points" in p for p in problems), problems
    assert any("theatres" in p and "axis" in p for p in problems), problems


def test_front_lines_reach_the_objectives_at_their_sourced_depths() -> None:
    # korea-1950 measures depth due south of the 38th parallel at 111.2 km per degree: the front
    # at the Seoul milestone's depth lies on Seoul's latitude (37°34'N in latitudes-computed).
    korea = load_scenario("korea-1950").scenario
    theatre = korea.theatres[0]
    assert theatre.axis is not None
    seoul = next(m for m in theatre.milestones if m.id == "seoul").depth_km.nominal
    start = (theatre.axis.start.lat, theatre.axis.start.lon)
    toward = (theatre.axis.toward.lat, theatre.axis.toward.lon)
    a, b = front_line(start, toward, seoul, 200.0)
    assert a[0] == pytest.approx(37 + 34 / 60, abs=0.01) and b[0] == pytest.approx(a[0], abs=1e-9)
    # baltics-2016: 231 km from Pytalovo toward Riga reaches Riga (within 1% of the distance).
    baltics = load_scenario("baltics-2016").scenario.theatres[0]
    assert baltics.axis is not None and baltics.objective_depth_km is not None
    start = (baltics.axis.start.lat, baltics.axis.start.lon)
    riga = (baltics.axis.toward.lat, baltics.axis.toward.lon)
    a, b = front_line(start, riga, baltics.objective_depth_km.nominal, 10.0)
    assert haversine(((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), riga) < 0.01 * 231
