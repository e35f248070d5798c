"""A picture of the network: places at their coordinates, services coloured by mode, air
services along their computed routes (great circles between turning points), and the closed
airspace they keep out of, shaded."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from corridor.network.geo import centre_lon, lat_lon, sample_path, wrapped_lon
from corridor.network.paths import service_path
from corridor.report.figures import pyplot
from corridor.report.files import write_atomically
from corridor.report.labels import needs_leader, place_labels
from corridor.scenario.schema import Place, Scenario, Service

MODE_COLOURS = {
    "air": "#1f77b4",
    "rail": "#d62728",
    "ferry": "#17becf",
    "sea": "#2ca02c",
    "road": "#7f7f7f",
    "link": "#9467bd",
}
KIND_MARKERS = {
    "airport": "^",
    "rail_terminal": "s",
    "border_station": "D",
    "gauge_change_station": "D",
    "port": "o",
    "junction": ".",
    "city": "*",
}


CLOSED_COLOUR = "#d62728"
# Dashed: services with a given distance and no waypoints (sea legs and 1520 mm blocks alike)
SCHEMATIC_LABEL = "dashed: straight line, not the route (distance given)"


def _shade_closed(ax: Any, codes: list[str], shifts: tuple[float, ...] = (0.0,)) -> None:
    """Shade the closed countries without moving the view off the network; each drawn moved by
    each of ``shifts`` degrees of longitude (a map that crosses the antimeridian shows parts
    of the world beside both its edges)."""
    import shapely

    from corridor.network.airspace import closed_shape

    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    shape = closed_shape(tuple(codes))
    polys = shape.geoms if hasattr(shape, "geoms") else [shape]
    for poly in polys:
        if isinstance(poly, shapely.Polygon) and not poly.is_empty:
            x, y = poly.exterior.xy
            for shift in shifts:
                ax.fill(np.asarray(x) + shift, y, color=CLOSED_COLOUR, alpha=0.12, lw=0, zorder=1)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)


def _schematic(service: Service) -> bool:
    """Drawn as a straight line between its stops: its distance is given, its path is not."""
    return service.distance_km is not None and not service.waypoints


def legend_lines(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(label, colour, line style) of the map's line entries, each as the map draws it: a mode
    present, links dotted, and dashed services (any mode, rail blocks included) when there are any."""
    lines = [(m, c, ":" if m == "link" else "-") for m, c in MODE_COLOURS.items()
             if m == "link" and scenario.links or any(s.mode == m for s in scenario.services)]
    if any(_schematic(s) for s in scenario.services):
        lines.append((SCHEMATIC_LABEL, "grey", "--"))
    return lines


def _marker_area(place: Place) -> float:
    """A place's marker area (points squared): queueing stations stand out."""
    return 60.0 if place.queues else 30.0


def _label_places(fig: Any, ax: Any, scenario: Scenario, legend: Any, lons: np.ndarray) -> list[Any]:
    """Each place's id beside it, none over another (:func:`labels.place_labels`), once the
    frame is laid out: measured as drawn, placed in pixels, written as offsets in points; a
    label moved off from its point is joined to it by a thin line; none goes under the legend.
    ``lons``: the places' longitudes as the map draws them. The labels, in place order.

    Nothing is drawn here: the frame takes its drawn shape from :meth:`apply_aspect`, and the
    figure is drawn once, when it is saved."""
    renderer = fig.canvas.get_renderer()
    ax.apply_aspect()  # the box an equal-aspect map is drawn in, as drawing would shrink it
    at = [(lon, p.lat) for p, lon in zip(scenario.places, lons, strict=True)]
    anchors = ax.transData.transform(at) if at else np.zeros((0, 2))
    # each text measured where it would sit at its point: its box less the point is where an
    # offset must start from (the box's lower left is the text's anchor less its descent);
    # one text measures them all, as a text each cost a thousand artists a thousand places
    probe = ax.text(0.0, 0.0, "", fontsize=7)
    boxes = []
    for p, lon in zip(scenario.places, lons, strict=True):
        probe.set_position((lon, p.lat))
        probe.set_text(p.id)
        boxes.append(probe.get_window_extent(renderer))
    probe.remove()
    sizes = np.array([(b.width, b.height) for b in boxes]).reshape(-1, 2)
    below = np.array([(b.x0, b.y0) for b in boxes]).reshape(-1, 2) - anchors
    frame = ax.get_window_extent(renderer)
    points_per_px = 72.0 / fig.dpi
    # a marker of area s (points squared) reaches about sqrt(s) / 2 points from its centre
    reach = np.array([math.sqrt(_marker_area(p)) / 2 / points_per_px for p in scenario.places])
    key = legend.get_window_extent(renderer)
    offsets = place_labels(anchors, sizes, (frame.x0, frame.y0, frame.x1, frame.y1), marker_px=reach,
                           blocked_px=np.array([[key.x0, key.y0, key.x1, key.y1]]))
    led = [i for i in range(len(offsets)) if needs_leader(offsets[i], sizes[i])]
    if led:
        _draw_leaders(ax, anchors[led], anchors[led] + offsets[led], sizes[led], points_per_px)
    return [ax.annotate(p.id, (lon, p.lat), xytext=tuple((offset - drop) * points_per_px),
                        textcoords="offset points", fontsize=7, zorder=4)
            for p, lon, offset, drop in zip(scenario.places, lons, offsets, below, strict=True)]


def _draw_leaders(ax: Any, points_px: np.ndarray, corners_px: np.ndarray, sizes_px: np.ndarray,
                  points_per_px: float) -> None:
    """Thin lines from labels to their points, as one collection under the labels: each runs
    from the middle of its label's box towards the point, starting where it leaves the box
    (with 2 points of margin) and stopping 2 points short of the point. Matplotlib's own
    leader (an annotation's arrow) finds the box's edge by bisection at every drawing, which
    took most of the time of a map of thousands of places; the edge is a line's exit from a
    rectangle, worked out here once."""
    from matplotlib.collections import LineCollection

    margin_px = 2.0 / points_per_px
    half = sizes_px / 2 + margin_px
    centres = corners_px + sizes_px / 2
    d = points_px - centres
    with np.errstate(divide="ignore"):
        t = np.min(np.where(d != 0, half / np.abs(d), np.inf), axis=1)  # where it leaves the box
    length = np.hypot(d[:, 0], d[:, 1])
    start = centres + np.minimum(t, 1.0)[:, None] * d
    end = points_px - d * (margin_px / np.maximum(length, 1e-9))[:, None]
    inverse = ax.transData.inverted()  # in data, so the lines follow the figure to any dpi
    segments = np.stack([inverse.transform(start), inverse.transform(end)], axis=1)
    leaders = LineCollection(list(segments), colors="#777777", linewidths=0.5, zorder=4)
    ax.add_collection(leaders, autolim=False)


def draw_map(scenario: Scenario, out: Path, *, title: str | None = None, dpi: int = 130) -> None:
    """Draw the scenario's network to ``out`` (PNG, SVG or PDF by its suffix)."""
    plt = pyplot()
    fig = map_figure(scenario, title=title)

    def save(tmp: Path) -> None:
        fig.savefig(tmp, dpi=dpi, format=Path(out).suffix.lstrip(".") or "png")

    try:
        write_atomically(Path(out), save)
    finally:
        plt.close(fig)


def map_figure(scenario: Scenario, *, title: str | None = None) -> Any:
    """The map as a Matplotlib figure (the caller closes it): :func:`draw_map` saves it."""
    plt = pyplot()
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D

    places = {p.id: p for p in scenario.places}
    lats = np.array([p.lat for p in scenario.places])
    fig, ax = plt.subplots(figsize=(15, 8))
    stretch = 1 / np.cos(np.radians(lats.mean()))
    ax.set_aspect(stretch)  # equirectangular, true at mid latitude

    lines: list[tuple[Service, np.ndarray]] = []
    drawn: set[tuple[str, tuple[str, ...]]] = set()
    for service in scenario.services:
        key = (service.mode, tuple(sorted(service.stops)))
        if key in drawn:  # the return direction of a drawn service adds nothing to the picture
            continue
        drawn.add(key)
        path = service_path(service, places)
        lines.append((service, lat_lon(sample_path(path, 50.0)) if service.mode == "air" else np.array(path)))
    # centred on the network, so one that crosses the antimeridian is drawn in one piece
    centre = centre_lon(np.concatenate([[p.lon for p in scenario.places], *[pts[:, 1] for _, pts in lines]]))
    lons = wrapped_lon([p.lon for p in scenario.places], centre)
    lon_of = dict(zip(places, lons.tolist(), strict=True))
    moved = bool(np.any(lons != [p.lon for p in scenario.places]))
    for service, pts in lines:
        x, y = wrapped_lon(pts[:, 1], centre), pts[:, 0]
        moved = moved or bool(np.any(x != pts[:, 1]))
        # a line still more than half round the world between two points (a network round the
        # whole globe) is cut there rather than drawn across the map
        cut = np.flatnonzero(np.abs(np.diff(x)) > 180.0) + 1
        x, y = np.insert(x, cut, np.nan), np.insert(y, cut, np.nan)
        ax.plot(x, y, color=MODE_COLOURS[service.mode], lw=1.4, alpha=0.75,
                ls="--" if _schematic(service) else "-", zorder=2)
    for link in scenario.links:
        a, b = places[link.from_], places[link.to]
        ax.plot([lon_of[a.id], lon_of[b.id]], [a.lat, b.lat], color=MODE_COLOURS["link"], lw=1.0, ls=":",
                zorder=2)

    closed = sorted({c for s in scenario.services if s.mode == "air" and s.airspace is not None
                     for c in s.airspace.closed})
    if closed:
        _shade_closed(ax, closed, (-360.0, 0.0, 360.0) if moved else (0.0,))

    # one collection of markers per kind and look, not one a place (a scatter each cost a
    # second a hundred places)
    looks: dict[tuple[str, bool], list[int]] = {}
    for i, p in enumerate(scenario.places):
        looks.setdefault((p.kind, bool(p.queues)), []).append(i)
    for (kind, queues), idx in looks.items():
        ax.scatter(lons[idx], lats[idx], marker=KIND_MARKERS[kind], s=_marker_area(scenario.places[idx[0]]),
                   color="black" if queues else "#444444", zorder=3)

    handles: list[Artist] = [Line2D([0], [0], color=colour, lw=2, ls=ls, label=label)
                             for label, colour, ls in legend_lines(scenario)]
    if closed:
        from matplotlib.patches import Patch

        handles.append(Patch(color=CLOSED_COLOUR, alpha=0.25, label=f"closed airspace ({', '.join(closed)})"))
    handles.append(Line2D([0], [0], marker="D", color="black", ls="", label="queueing station"))
    legend = ax.legend(handles=handles, loc="lower left", fontsize=8)
    if moved:  # longitudes past 180 drawn as the meridians they are
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{180.0 - (180.0 - x) % 360.0:g}"))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_title(title or f"{scenario.name}: {len(scenario.places)} places, "
                 f"{len(scenario.services)} services, {len(scenario.links)} links")
    # the figure as tall as the network's shape asks (with room for the title and the axis
    # labels), so a wide network is not drawn in a band with empty space above and below
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    fig.set_figheight(float(np.clip(15 * 0.93 * stretch * (y1 - y0) / max(x1 - x0, 1e-9) + 1.3, 5, 12)))
    fig.tight_layout()
    # laid out once: no engine left to make saving draw the figure a second time to lay it out
    fig.set_layout_engine(None)
    _label_places(fig, ax, scenario, legend, lons)
    return fig
