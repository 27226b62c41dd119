r"""The theatre map: a scenario's located places, its forces and a campaign's front line, as SVG.

Drawn offline from the scenario alone (no map tiles, no coastline): a graticule, every location
with coordinates (``lat``/``lon``) as a base marker, each actor's forces at a location as a circle
whose area grows with their personnel, and, where the theatre declares an ``axis``, the axis of
advance and the front line of a campaign at given depths.

Projection
----------
Equirectangular with the longitude scaled by the cosine of the map's central latitude
:math:`\varphi_0` (a plate carrée centred on the theatre; Snyder 1987, *Map Projections - A
Working Manual*, USGS Professional Paper 1395, section 12):

.. math:: x = k\,(\lambda - \lambda_{min})\cos\varphi_0, \qquad y = k\,(\varphi_{max} - \varphi)

in pixels, with :math:`k` (pixels per degree) chosen so the places fit the drawing.

Front line
----------
A campaign's displacement :math:`X` (km from the start line) is drawn as the segment through the
point at distance :math:`X` from the axis's ``start`` toward its ``toward`` point, perpendicular
to the axis, as long as the theatre's ``front_width_km`` (its nominal value; 100 km when the
theatre gives none). Offsets in km are turned into degrees on a local tangent plane
(111.2 km per degree of latitude, times :math:`\cos\varphi` for longitude), which is accurate to
within 1% over the few hundred km of a campaign (checked against great-circle distances).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from posturelab.scenario.schema import Scenario

KM_PER_DEGREE = 111.2
"""Kilometres per degree of latitude (a mean over the Earth, as the scenarios' sources use)."""
DEFAULT_FRONT_KM = 100.0
"""The front line's length when the theatre gives no ``front_width_km``."""
MIN_WIDTH = 600.0
"""The narrowest drawing, in pixels (room for the legend and the labels)."""
PALETTE = ("#c0392b", "#1f5fa8", "#2e8b57", "#8e44ad", "#d68910", "#566573", "#17a589")

LatLon = tuple[float, float]
XY = tuple[float, float]


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection with cos(lat0) scaling, fitted to a bounding box in pixels.

    Attributes
    ----------
    lat0
        The central latitude (degrees) whose cosine scales longitudes.
    lon_min, lat_max
        The box's west and north edges (degrees), drawn at ``pad`` pixels from the corner.
    k
        Pixels per degree of latitude.
    pad
        Margin in pixels.
    width, height
        The drawing's size in pixels: the box at scale ``k`` plus the margins.
    """

    lat0: float
    lon_min: float
    lat_max: float
    k: float
    pad: float
    width: float
    height: float

    def xy(self, lat: float, lon: float) -> XY:
        """Pixel coordinates of a point (x to the east, y to the south)."""
        x = self.pad + self.k * (lon - self.lon_min) * math.cos(math.radians(self.lat0))
        y = self.pad + self.k * (self.lat_max - lat)
        return (x, y)


def fit_projection(
    points: Sequence[LatLon],
    width: float,
    height: float,
    pad: float = 40.0,
    min_width: float = 0.0,
) -> Projection:
    """The projection that fits ``points`` into ``width`` x ``height`` pixels, aspect kept.

    A single point (or points closer than 0.5 degree) gets a box of at least 0.5 degree. The
    drawing is as large as the box needs at the chosen scale, at least ``min_width`` pixels wide
    (the box centred), so that a tall theatre is not drawn in a wide empty frame.

    Raises
    ------
    ValueError
        When ``points`` is empty.
    """
    if not points:
        raise ValueError("a map needs at least one point with coordinates")
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    lat_min, lat_max = min(lats), max(lats)
    lon_min, lon_max = min(lons), max(lons)
    if lat_max - lat_min < 0.5:
        mid = (lat_max + lat_min) / 2
        lat_min, lat_max = mid - 0.25, mid + 0.25
    lat0 = (lat_min + lat_max) / 2
    cos0 = math.cos(math.radians(lat0))
    if (lon_max - lon_min) * cos0 < 0.5:
        mid = (lon_max + lon_min) / 2
        half = 0.25 / cos0
        lon_min, lon_max = mid - half, mid + half
    k = min(
        (width - 2 * pad) / ((lon_max - lon_min) * cos0), (height - 2 * pad) / (lat_max - lat_min)
    )
    used_w = 2 * pad + k * (lon_max - lon_min) * cos0
    used_h = 2 * pad + k * (lat_max - lat_min)
    if used_w < min(min_width, width):
        lon_min -= (min(min_width, width) - used_w) / 2 / (k * cos0)
        used_w = min(min_width, width)
    return Projection(lat0, lon_min, lat_max, k, pad, used_w, used_h)


def offset(point: LatLon, east_km: float, north_km: float) -> LatLon:
    """The point ``east_km`` east and ``north_km`` north of ``point`` (local tangent plane)."""
    lat, lon = point
    new_lat = lat + north_km / KM_PER_DEGREE
    return (new_lat, lon + east_km / (KM_PER_DEGREE * math.cos(math.radians(lat))))


def axis_direction(start: LatLon, toward: LatLon) -> tuple[float, float]:
    """The unit vector (east, north) in km from ``start`` toward ``toward``."""
    east = (toward[1] - start[1]) * KM_PER_DEGREE * math.cos(math.radians(start[0]))
    north = (toward[0] - start[0]) * KM_PER_DEGREE
    norm = math.hypot(east, north)
    return (east / norm, north / norm)


def front_line(
    start: LatLon, toward: LatLon, depth_km: float, width_km: float
) -> tuple[LatLon, LatLon]:
    """The front line's two ends at ``depth_km`` along the axis, ``width_km`` long, across it."""
    east, north = axis_direction(start, toward)
    centre = offset(start, depth_km * east, depth_km * north)
    half = width_km / 2
    # Perpendicular to the axis: (north, -east) and (-north, east).
    return (offset(centre, half * north, -half * east), offset(centre, -half * north, half * east))


@dataclass(frozen=True)
class Place:
    """A located place with the forces based there (personnel at their nominal values)."""

    id: str
    name: str
    lat: float
    lon: float
    theatre: str | None
    forces: tuple[tuple[str, str, float], ...]
    """(force id, actor id, personnel) of each force at the place."""


@dataclass(frozen=True)
class TheatreMap:
    """What the map shows: places, the actors' order, the axis and the front's length."""

    title: str
    places: tuple[Place, ...]
    actors: tuple[str, ...]
    unplaced: tuple[str, ...]
    axis: tuple[LatLon, LatLon, str, str] | None
    """(start, toward, start name, toward name) of the axis of advance."""
    front_width_km: float


def theatre_map(scenario: Scenario, theatre: str | None = None) -> TheatreMap:
    """The places of a scenario (of one ``theatre`` if named) with their forces, and its axis.

    Without ``theatre`` every located place is shown and no axis. Locations without coordinates
    are listed in ``unplaced``.

    Raises
    ------
    KeyError
        When ``theatre`` names no theatre of the scenario.
    """
    theatres = {t.id: t for t in scenario.theatres}
    chosen = None if theatre is None else theatres[theatre]
    places: list[Place] = []
    unplaced: list[str] = []
    actors: list[str] = []
    for loc in scenario.locations:
        if chosen is not None and loc.theatre != chosen.id:
            continue
        forces = tuple(
            (f.id, f.actor, 0.0 if f.personnel is None else f.personnel.nominal)
            for f in scenario.forces
            if f.location == loc.id
        )
        for _, actor, _ in forces:
            if actor not in actors:
                actors.append(actor)
        if loc.lat is None or loc.lon is None:
            unplaced.append(loc.id)
            continue
        places.append(Place(loc.id, loc.name, loc.lat, loc.lon, loc.theatre, forces))
    axis = None
    width = DEFAULT_FRONT_KM
    if chosen is not None and chosen.axis is not None:
        a = chosen.axis
        axis = (
            (a.start.lat, a.start.lon),
            (a.toward.lat, a.toward.lon),
            a.start.name or "start line",
            a.toward.name or (chosen.objective or "objective"),
        )
    if chosen is not None and chosen.front_width_km is not None:
        width = chosen.front_width_km.nominal
    title = scenario.meta.title if chosen is None else chosen.name
    return TheatreMap(title, tuple(places), tuple(actors), tuple(unplaced), axis, width)


def _step(span: float) -> float:
    for step in (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0):
        if span / step <= 8:
            return step
    return 45.0


def _line(a: XY, b: XY, cls: str, extra: str = "") -> str:
    return (
        f'<line class="{cls}" x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}"'
        f"{extra}/>"
    )


def render_svg(
    tmap: TheatreMap,
    fronts: Sequence[float] = (),
    width: float = 640.0,
    height: float = 480.0,
) -> str:
    """The map as SVG text; ``fronts`` are depths (km) of the front line, one ``<line>`` each.

    Each front line carries ``data-step`` (its index in ``fronts``) and ``data-depth-km``; all
    but the last are drawn with the class ``front past``. Bases are ``<rect class="base">``,
    forces ``<circle class="force">`` (area proportional to personnel), each with a ``<title>``.

    Raises
    ------
    ValueError
        When nothing on the map has coordinates.
    """
    points: list[LatLon] = [(p.lat, p.lon) for p in tmap.places]
    front_ends: list[tuple[LatLon, LatLon]] = []
    if tmap.axis is not None:
        start, toward = tmap.axis[0], tmap.axis[1]
        points += [start, toward]
        front_ends = [front_line(start, toward, d, tmap.front_width_km) for d in fronts]
        for a, b in front_ends:
            points += [a, b]
    proj = fit_projection(points, width, height, min_width=MIN_WIDTH)
    width, height = proj.width, proj.height
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="theatre-map" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" '
        f"aria-label={quoteattr('map: ' + tmap.title)}>",
        f"<title>{escape(tmap.title)}</title>",
        f'<rect class="sea" x="0" y="0" width="{width:.0f}" height="{height:.0f}"/>',
    ]
    out += _graticule(proj, width, height)
    if tmap.axis is not None:
        start, toward, start_name, toward_name = tmap.axis
        s, t = proj.xy(*start), proj.xy(*toward)
        out.append(_line(s, t, "axis"))
        for (x, y), name in ((s, start_name), (t, toward_name)):
            out.append(f'<circle class="axis-end" cx="{x:.1f}" cy="{y:.1f}" r="3"/>')
            out.append(f'<text class="label" x="{x + 5:.1f}" y="{y - 5:.1f}">{escape(name)}</text>')
    largest = max((f[2] for p in tmap.places for f in p.forces), default=0.0)
    for place in tmap.places:
        x, y = proj.xy(place.lat, place.lon)
        out.append(
            f'<rect class="base" data-location={quoteattr(place.id)} x="{x - 3:.1f}" '
            f'y="{y - 3:.1f}" width="6" height="6"><title>{escape(place.name)}</title></rect>'
        )
        out.append(
            f'<text class="label" x="{x + 6:.1f}" y="{y + 4:.1f}">{escape(place.name)}</text>'
        )
        by_actor: dict[str, float] = {}
        for _, actor, personnel in place.forces:
            by_actor[actor] = by_actor.get(actor, 0.0) + personnel
        for k, (actor, personnel) in enumerate(sorted(by_actor.items(), key=lambda a: -a[1])):
            radius = 3 + 22 * math.sqrt(personnel / largest) if largest > 0 else 3
            colour = PALETTE[tmap.actors.index(actor) % len(PALETTE)]
            out.append(
                f'<circle class="force" data-actor={quoteattr(actor)} '
                f'data-location={quoteattr(place.id)} cx="{x + 4 * k:.1f}" cy="{y:.1f}" '
                f'r="{radius:.1f}" fill="{colour}"><title>'
                f"{escape(f'{actor} at {place.name}: {personnel:,.0f} personnel')}</title></circle>"
            )
    for step, (depth, (a, b)) in enumerate(zip(fronts, front_ends, strict=True)):
        cls = "front" if step == len(fronts) - 1 else "front past"
        extra = f' data-step="{step}" data-depth-km="{depth:.1f}"'
        out.append(_line(proj.xy(*a), proj.xy(*b), cls, extra))
    out += _legend(tmap, height)
    out.append("</svg>")
    return "\n".join(out)


def _graticule(proj: Projection, width: float, height: float) -> list[str]:
    lat_max = proj.lat_max + proj.pad / proj.k
    lat_min = proj.lat_max - (height - proj.pad) / proj.k
    cos0 = math.cos(math.radians(proj.lat0))
    lon_min = proj.lon_min - proj.pad / (proj.k * cos0)
    lon_max = proj.lon_min + (width - proj.pad) / (proj.k * cos0)
    out = []
    step = _step(max(lat_max - lat_min, lon_max - lon_min))
    lat = math.ceil(lat_min / step) * step
    while lat <= lat_max:
        y = proj.xy(lat, lon_min)[1]
        out.append(_line((0, y), (width, y), "graticule"))
        out.append(f'<text class="tick" x="2" y="{y - 2:.1f}">{lat:g}°</text>')
        lat += step
    lon = math.ceil(lon_min / step) * step
    while lon <= lon_max:
        x = proj.xy(proj.lat0, lon)[0]
        out.append(_line((x, 0), (x, height), "graticule"))
        out.append(f'<text class="tick" x="{x + 2:.1f}" y="{height - 2:.0f}">{lon:g}°</text>')
        lon += step
    return out


def _legend(tmap: TheatreMap, height: float) -> list[str]:
    out = []
    for k, actor in enumerate(tmap.actors):
        y = 16 + 14 * k
        colour = PALETTE[k % len(PALETTE)]
        out.append(f'<circle cx="{40:.0f}" cy="{y - 4}" r="5" fill="{colour}"/>')
        out.append(f'<text class="legend" x="50" y="{y}">{escape(actor)}</text>')
    if tmap.unplaced:
        shown = ", ".join(tmap.unplaced)
        out.append(
            f'<text class="note" x="40" y="{height - 16:.0f}">'
            f"no coordinates: {escape(shown)}</text>"
        )
    return out
