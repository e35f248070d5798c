"""One self-contained HTML page for a comparison: the answer, the evidence, the assumptions.

Images are embedded as data URIs and the styles inline, so the page opens anywhere, offline,
and fetches nothing.
"""

from __future__ import annotations

import base64
import html
import math
from typing import Any

from corridor.report.compare_text import (
    KPI_HEADERS,
    PROFILE_HEADERS,
    SENSITIVITY_HEADERS,
    SENSITIVITY_NOTE,
    kpi_rows,
    launch_rows,
    load_by_month_text,
    profile_rows,
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 70rem;
       color: #222; line-height: 1.45; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.headline { font-size: 1.1rem; background: #f3f7fb; border-left: 4px solid #2a6fb0; padding: 0.8rem 1rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.85rem; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.25rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #fafafa; }
tr.sig td { font-weight: 600; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.4rem 0; }
.meta { color: #666; font-size: 0.85rem; }
.warning { background: #fff6e5; border-left: 4px solid #d98c00; padding: 0.5rem 1rem; }
code { font-size: 0.85rem; }
"""


def _table(headers: list[str], rows: list[list[str]], *, marks: list[bool] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = ' class="sig"' if marks and marks[k] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _services_rows(comp: Any) -> list[list[str]]:
    rows = []
    for name, res in zip(comp.names, comp.results, strict=True):
        for service in res.kpis[0].get("services", {}):
            key = f"services.{service}."
            if not res.summary.get(key + "carried", {}).get("mean", 0.0):
                continue
            means = [_mean(res.summary, key + field, scale, digits) for field, scale, digits in (
                ("trips", 1, 0), ("carried", 1, 0), ("load_factor", 100, 0), ("revenue_usd", 1e-3, 0),
                ("on_time_share", 100, 0))]
            rows.append([name, service, *means])
    return rows


def _launch_html(case: Any) -> list[str]:
    """A new service's case: its monthly load and the market model's sensitivity."""
    out = [f"<h3>New service {html.escape(case.service)} in {html.escape(case.scenario)}: what if?</h3>",
           f"<p>{html.escape(SENSITIVITY_NOTE[0].upper() + SENSITIVITY_NOTE[1:])}.</p>"]
    if case.which_to_quote():
        out.append(f"<p>{html.escape(case.which_to_quote())}.</p>")
    if case.sensitivity:
        rows = launch_rows(case)
        out.append(_table(SENSITIVITY_HEADERS, rows))
    if case.load_by_month:
        out.append(f"<p>Simulated load factor by month (UTC): {html.escape(load_by_month_text(case))}</p>")
    return out


def _mean(summary: dict[str, Any], key: str, scale: float, digits: int) -> str:
    v = summary.get(key, {}).get("mean", math.nan)
    return "-" if not math.isfinite(v) else f"{v * scale:,.{digits}f}"


def report_html(comp: Any, plots: dict[str, bytes], meta: dict[str, Any], assumptions: list[str]) -> str:
    """The whole page as text."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>corridor: {html.escape(' vs '.join(comp.names))}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(' vs '.join(comp.names[1:]))} against {html.escape(comp.base)}</h1>",
        f'<p class="meta">corridor {html.escape(str(meta.get("version", "")))}; seed {meta.get("seed")}; '
        f'{meta.get("replications")} replications each, common random numbers</p>',
        "<h2>The answer</h2>",
        "".join(f'<p class="headline">{html.escape(line)}</p>' for line in comp.headline.splitlines()),
        "".join(f'<p class="warning">Warning ({html.escape(name)}): {html.escape(w)}</p>'
                for name, warns in comp.warnings.items() for w in warns),
        "".join(f'<p class="meta">Note: {html.escape(n)}</p>' for n in comp.notes),
        "<h2>The evidence</h2>",
    ]
    for name in comp.names[1:]:
        for case in comp.launches.get(name, []):
            parts += _launch_html(case)
        deltas = comp.kpis[name]
        parts.append(f"<h3>Simulated: {html.escape(name)} against {html.escape(comp.base)}</h3>")
        parts.append("<p>Difference = other - base, paired replication by replication; bold rows: the 95% "
                     "interval leaves out zero.</p>")
        parts.append(_table(KPI_HEADERS, kpi_rows(deltas), marks=[d.significant for d in deltas]))
        if comp.profiles.get(name):
            parts.append(f"<h3>Timetable: week profiles, {html.escape(comp.base)} then "
                         f"{html.escape(name)}</h3>")
            parts.append("<p>Door to door for every departure minute of a week, the wait for the first "
                         "service included (the planner's exact earliest arrival).</p>")
            parts.append(_table(PROFILE_HEADERS, profile_rows(comp.profiles[name])))
    services = _services_rows(comp)
    if services:
        parts.append("<h3>Services that carried units</h3>")
        parts.append("<p>Means over replications, after warm-up; load factor: peak load over capacity "
                     "per trip; "
                     "on time: within 15 minutes at the last stop.</p>")
        parts.append(_table(["scenario", "service", "trips", "units carried", "load factor %",
                             "revenue k USD", "on time %"], services))
    captions = {
        "door_to_door_cdf.png": "Passengers: door-to-door time, simulated.",
        "week_profiles.png": "Week profiles overlaid.",
        "cargo_transit.png": "Containers: transit time, simulated.",
        "station_queue.png": "The queue at the busiest station over the run.",
    }
    for name, png in plots.items():
        data = base64.b64encode(png).decode("ascii")
        alt = html.escape(captions.get(name, name))
        parts.append(f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
                     f"<figcaption>{alt}</figcaption></figure>")
    parts.append("<h2>The assumptions</h2>")
    if assumptions:
        parts.append("<p>Every figure the scenarios mark ASSUMPTION (no published source):</p><ul>")
        parts += [f"<li><code>{html.escape(a)}</code></li>" for a in assumptions]
        parts.append("</ul>")
    else:
        parts.append("<p>The scenarios mark no figure as an ASSUMPTION.</p>")
    files = meta.get("files", {})
    if files:
        parts.append("<p class=\"meta\">Scenario files (SHA-256): " + "; ".join(
            f"{html.escape(k)} {html.escape(v[:12])}" for k, v in files.items()) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
