"""An interactive map in one self-contained HTML file: an SVG drawing and a few lines of
JavaScript to pan (drag), zoom (wheel, buttons, keys) and show or hide modes.

Everything is inline, nothing is fetched when the page is viewed (no tiles, fonts or
scripts from elsewhere), so the file opens offline and can be mailed. Places are drawn at
their coordinates (equirectangular, true at the network's middle latitude) over a 10 degree
graticule; each service is one line along :func:`corridor.network.paths.service_path`,
coloured by mode (the colours of the PNG map); links are dotted. Hovering shows a service's
id, stops, distance, duration, capacity and departures a week.

The page marks itself ready with ``data-ready="1"`` on ``<body>`` once its script has run.
Opened with ``#selftest``, it zooms in and pans once by script and records the view in
``data-view`` on the drawing, so a headless browser can check the interaction works.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from corridor.network.geo import centre_lon, wrapped_lon
from corridor.network.paths import service_path
from corridor.network.segments import service_segments
from corridor.report.files import write_atomically
from corridor.report.mapplot import MODE_COLOURS
from corridor.scenario.schema import Scenario

WIDTH, HEIGHT = 1200.0, 700.0
PAD = 40.0

_SCRIPT = """
(function () {
  var svg = document.getElementById("map"), view = document.getElementById("view");
  var s = 1, x = 0, y = 0, drag = null;
  function apply() {
    view.setAttribute("transform", "translate(" + x + " " + y + ") scale(" + s + ")");
    svg.setAttribute("data-view", [s.toFixed(4), x.toFixed(1), y.toFixed(1)].join(" "));
    var w = (1.4 / s).toFixed(4), r = (3.5 / Math.sqrt(s)).toFixed(3);
    svg.style.setProperty("--w", w); svg.style.setProperty("--r", r);
    document.querySelectorAll("circle.place").forEach(function (c) { c.setAttribute("r", r); });
    document.querySelectorAll("text.label").forEach(function (t) {
      t.setAttribute("font-size", (9 / s).toFixed(3));
      t.style.display = s >= 2 || t.getAttribute("data-major") === "1" ? "" : "none";
    });
  }
  function point(evt) {
    var m = svg.getScreenCTM().inverse(), p = svg.createSVGPoint();
    p.x = evt.clientX; p.y = evt.clientY; return p.matrixTransform(m);
  }
  function zoom(factor, cx, cy) {
    var n = Math.min(64, Math.max(0.5, s * factor)); factor = n / s;
    x = cx - (cx - x) * factor; y = cy - (cy - y) * factor; s = n; apply();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault(); var p = point(e); zoom(e.deltaY < 0 ? 1.25 : 0.8, p.x, p.y);
  }, {passive: false});
  svg.addEventListener("pointerdown", function (e) {
    drag = point(e); drag.x0 = x; drag.y0 = y; svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", function (e) {
    if (!drag) return; var p = point(e); x = drag.x0 + p.x - drag.x; y = drag.y0 + p.y - drag.y; apply();
  });
  svg.addEventListener("pointerup", function () { drag = null; });
  var W = %(width)s, H = %(height)s;
  document.getElementById("zin").onclick = function () { zoom(1.5, W / 2, H / 2); };
  document.getElementById("zout").onclick = function () { zoom(1 / 1.5, W / 2, H / 2); };
  document.getElementById("reset").onclick = function () { s = 1; x = 0; y = 0; apply(); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "+" || e.key === "=") zoom(1.5, W / 2, H / 2);
    else if (e.key === "-") zoom(1 / 1.5, W / 2, H / 2);
    else if (e.key.indexOf("Arrow") === 0) {
      var d = 40; x += e.key === "ArrowLeft" ? d : e.key === "ArrowRight" ? -d : 0;
      y += e.key === "ArrowUp" ? d : e.key === "ArrowDown" ? -d : 0; apply();
    }
  });
  document.querySelectorAll("input[data-mode]").forEach(function (box) {
    box.addEventListener("change", function () {
      var mode = box.getAttribute("data-mode");
      document.querySelectorAll(".mode-" + mode).forEach(function (el) {
        el.style.display = box.checked ? "" : "none";
      });
    });
  });
  apply();
  if (location.hash === "#selftest") { zoom(2, W / 2, H / 2); x += 25; y -= 10; apply(); }
  document.body.setAttribute("data-ready", "1");
})();
"""


class _Projection:
    """Equirectangular, true at the middle latitude, fitted to the drawing with a margin."""

    def __init__(self, lats: list[float], lons: list[float]) -> None:
        self.k = math.cos(math.radians((max(lats) + min(lats)) / 2))
        self.lon0, self.lat1 = min(lons), max(lats)
        span_x = max((max(lons) - min(lons)) * self.k, 1e-6)
        span_y = max(max(lats) - min(lats), 1e-6)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (PAD + (lon - self.lon0) * self.k * self.scale, PAD + (self.lat1 - lat) * self.scale)


def _d(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{x:.2f},{y:.2f}" for x, y in points)


def _line(proj: _Projection, points: list[tuple[float, float]]) -> str:
    """The path through ``points`` (latitude, longitude as drawn), cut where a step is still
    more than half round the world (a network round the whole globe) rather than drawn across
    the map."""
    parts: list[list[tuple[float, float]]] = [[]]
    for k, (lat, lon) in enumerate(points):
        if k and abs(lon - points[k - 1][1]) > 180.0:
            parts.append([])
        parts[-1].append(proj(lat, lon))
    return " ".join(_d(part) for part in parts)


def map_html(scenario: Scenario) -> str:
    """The page, as text."""
    places = {p.id: p for p in scenario.places}
    paths = {s.id: service_path(s, places) for s in scenario.services}
    lats = [p.lat for p in scenario.places] + [a for pts in paths.values() for a, _ in pts]
    # centred on the network, so one that crosses the antimeridian is drawn in one piece
    centre = centre_lon([p.lon for p in scenario.places] + [b for pts in paths.values() for _, b in pts])
    lon_of = {p.id: float(wrapped_lon(p.lon, centre)) for p in scenario.places}
    paths = {sid: [(a, float(wrapped_lon(b, centre))) for a, b in pts] for sid, pts in paths.items()}
    lons = list(lon_of.values()) + [b for pts in paths.values() for _, b in pts]
    proj = _Projection(lats, lons)
    esc = html.escape
    parts: list[str] = []

    grid = []
    for lat in range(-90, 91, 10):
        if min(lats) - 10 <= lat <= max(lats) + 10:
            grid.append(_d([proj(lat, lon) for lon in (min(lons) - 20, max(lons) + 20)]))
    for lon in range(-360, 361, 10):  # past 180 on a map centred near the antimeridian
        if min(lons) - 10 <= lon <= max(lons) + 10:
            grid.append(_d([proj(lat, lon) for lat in (min(lats) - 20, max(lats) + 20)]))
    parts.append(f'<path class="graticule" d="{" ".join(grid)}"/>')

    modes_used: dict[str, int] = {}
    for s in scenario.services:
        segments = service_segments(s, places)
        per_week = (len(s.timetable.weekdays) * len(s.timetable.clock_min)) if s.timetable else None
        modes_used[s.mode] = modes_used.get(s.mode, 0) + 1
        tip = (
            f"{s.id} ({s.mode}, {s.unit}): {' - '.join(s.stops)}; "
            f"{sum(g.distance_km for g in segments):,.0f} km, {segments[-1].arrive_offset_min / 60:.1f} h, "
            f"capacity {s.capacity}, "
            + (f"{per_week} departures a week" if per_week is not None else "dispatched when full")
        )
        parts.append(
            f'<path class="service mode-{s.mode}" data-mode="{s.mode}" data-id="{esc(s.id)}" '
            f'd="{_line(proj, paths[s.id])}"><title>{esc(tip)}</title></path>'
        )
    for link in scenario.links:
        a, b = places[link.from_], places[link.to]
        ends = [(a.lat, lon_of[a.id]), (b.lat, lon_of[b.id])]
        modes_used["link"] = modes_used.get("link", 0) + 1
        tip = f"{link.id} ({link.mode} link): {link.from_} - {link.to}, {link.duration_min:g} min"
        parts.append(
            f'<path class="link mode-link" data-mode="link" data-id="{esc(link.id)}" '
            f'd="{_line(proj, ends)}"><title>{esc(tip)}</title></path>'
        )
    served = {stop for s in scenario.services for stop in s.stops}
    for p in scenario.places:
        x, y = proj(p.lat, lon_of[p.id])
        major = p.kind == "airport" or p.queues or p.id not in served
        parts.append(
            f'<circle class="place{" queues" if p.queues else ""}" data-id="{esc(p.id)}" '
            f'cx="{x:.2f}" cy="{y:.2f}" r="3.5"><title>{esc(f"{p.id}: {p.name} ({p.kind}, {p.tz})")}'
            f"</title></circle>"
        )
        parts.append(
            f'<text class="label" data-major="{int(major)}" x="{x + 4:.2f}" y="{y - 4:.2f}">'
            f"{esc(p.id)}</text>"
        )

    legend = "".join(
        f'<label><input type="checkbox" checked data-mode="{m}"><span class="swatch" '
        f'style="background:{MODE_COLOURS[m]}"></span>{m} ({modes_used[m]})</label>'
        for m in MODE_COLOURS
        if m in modes_used
    )
    style = "\n".join(
        [f".mode-{m} {{ stroke: {c}; }}" for m, c in MODE_COLOURS.items()]
        + [
            "body { font: 13px sans-serif; margin: 0; }",
            "header { padding: 6px 10px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }",
            "svg { display: block; width: 100%; height: calc(100vh - 44px); background: #f7f9fb; "
            "cursor: grab; touch-action: none; }",
            ".service, .link { fill: none; stroke-width: calc(var(--w, 1.4) * 1px); stroke-opacity: 0.8; "
            "stroke-linecap: round; }",
            ".service:hover { stroke-width: calc(var(--w, 1.4) * 3px); stroke-opacity: 1; }",
            ".link { stroke-dasharray: 2 2; }",
            ".graticule { fill: none; stroke: #d8dee4; stroke-width: 0.5; "
            "vector-effect: non-scaling-stroke; }",
            ".place { fill: #444; stroke: white; stroke-width: 0.6; vector-effect: non-scaling-stroke; }",
            ".place.queues { fill: black; }",
            ".label { fill: #222; font-size: 9px; pointer-events: none; }",
            ".swatch { display: inline-block; width: 18px; height: 4px; margin: 0 4px 2px 2px; "
            "vertical-align: middle; }",
            "button { font: inherit; }",
        ]
    )
    script = _SCRIPT % {"width": json.dumps(WIDTH), "height": json.dumps(HEIGHT)}
    title = esc(
        f"{scenario.name}: {len(scenario.places)} places, {len(scenario.services)} services, "
        f"{len(scenario.links)} links"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>\n{style}\n</style></head>\n<body>"
        f"<header><strong>{title}</strong>{legend}"
        '<button id="zin" title="zoom in (+)">+</button>'
        '<button id="zout" title="zoom out (-)">&minus;</button>'
        '<button id="reset">reset</button><span>drag to pan, wheel to zoom</span></header>\n'
        f'<svg id="map" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" '
        f'preserveAspectRatio="xMidYMid meet"><g id="view">{"".join(parts)}</g></svg>\n'
        f"<script>{script}</script></body></html>\n"
    )


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def write_map_html(scenario: Scenario, out: Path) -> None:
    """Write the interactive map to ``out``, whole or not at all."""
    text = map_html(scenario)
    write_atomically(Path(out), lambda tmp: _write_text(tmp, text))
