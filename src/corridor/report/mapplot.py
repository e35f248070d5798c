"""A picture of the network: places at their coordinates, services coloured by mode, air
services along their computed routes (great circles between turning points), and the closed
airspace they keep out of, shaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from corridor.network.geo import lat_lon, sample_path
from corridor.network.paths import service_path
from corridor.report.figures import pyplot
from corridor.report.files import write_atomically
from corridor.scenario.schema import Scenario, Service

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


def _shade_closed(ax: object, codes: list[str]) -> None:
    """Shade the closed countries without moving the view off the network."""
    import shapely

    from corridor.network.airspace import closed_shape

    xlim, ylim = ax.get_xlim(), ax.get_ylim()  # type: ignore[attr-defined]
    shape = closed_shape(tuple(codes))
    polys = shape.geoms if hasattr(shape, "geoms") else [shape]
    for poly in polys:
        if isinstance(poly, shapely.Polygon) and not poly.is_empty:
            x, y = poly.exterior.xy
            ax.fill(x, y, color=CLOSED_COLOUR, alpha=0.12, lw=0, zorder=1)  # type: ignore[attr-defined]
    ax.set_xlim(xlim)  # type: ignore[attr-defined]
    ax.set_ylim(ylim)  # type: ignore[attr-defined]


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


def draw_map(scenario: Scenario, out: Path, *, title: str | None = None, dpi: int = 130) -> None:
    """Draw the scenario's network to ``out`` (PNG, SVG or PDF by its suffix)."""
    plt = pyplot()
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D

    places = {p.id: p for p in scenario.places}
    lats = np.array([p.lat for p in scenario.places])
    fig, ax = plt.subplots(figsize=(15, 8))
    ax.set_aspect(1 / np.cos(np.radians(lats.mean())))  # equirectangular, true at mid latitude

    drawn: set[tuple[str, tuple[str, ...]]] = set()
    for service in scenario.services:
        path = service_path(service, places)
        schematic = _schematic(service)
        key = (service.mode, tuple(sorted(service.stops)))
        if key in drawn:  # the return direction of a drawn service adds nothing to the picture
            continue
        drawn.add(key)
        pts = lat_lon(sample_path(path, 50.0)) if service.mode == "air" else np.array(path)
        ax.plot(pts[:, 1], pts[:, 0], color=MODE_COLOURS[service.mode], lw=1.4, alpha=0.75,
                ls="--" if schematic else "-", zorder=2)
    for link in scenario.links:
        a, b = places[link.from_], places[link.to]
        ax.plot([a.lon, b.lon], [a.lat, b.lat], color=MODE_COLOURS["link"], lw=1.0, ls=":", zorder=2)

    closed = sorted({c for s in scenario.services if s.mode == "air" and s.airspace is not None
                     for c in s.airspace.closed})
    if closed:
        _shade_closed(ax, closed)

    for p in scenario.places:
        ax.scatter(p.lon, p.lat, marker=KIND_MARKERS[p.kind], s=60 if p.queues else 30,
                   color="black" if p.queues else "#444444", zorder=3)
        ax.annotate(p.id, (p.lon, p.lat), xytext=(3, 3), textcoords="offset points", fontsize=7,
                    zorder=4)

    handles: list[Artist] = [Line2D([0], [0], color=colour, lw=2, ls=ls, label=label)
                             for label, colour, ls in legend_lines(scenario)]
    if closed:
        from matplotlib.patches import Patch

        handles.append(Patch(color=CLOSED_COLOUR, alpha=0.25, label=f"closed airspace ({', '.join(closed)})"))
    handles.append(Line2D([0], [0], marker="D", color="black", ls="", label="queueing station"))
    ax.legend(handles=handles, loc="lower left", fontsize=8)
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_title(title or f"{scenario.name}: {len(scenario.places)} places, "
                 f"{len(scenario.services)} services, {len(scenario.links)} links")
    fig.tight_layout()

    def save(tmp: Path) -> None:
        fig.savefig(tmp, dpi=dpi, format=Path(out).suffix.lstrip(".") or "png")

    try:
        write_atomically(Path(out), save)
    finally:
        plt.close(fig)
