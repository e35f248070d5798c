"""A comparison as terminal text: the headline first, then the evidence."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from corridor.analysis.launch import whole_percent
from corridor.report.tables import format_table, terminal_width
from corridor.units import MIN_PER_DAY


def _num(x: float, digits: int = 2) -> str:
    if not math.isfinite(x):
        return "-"
    if abs(x) < 0.5 * 10**-digits:
        x = 0.0
    return f"{x:,.{digits}f}"


def _share(x: float) -> str:
    """A share as a whole percentage; "-" where there is none (a break-even load at a fare of 0)."""
    return f"{x:.0%}" if math.isfinite(x) else "-"


def _hours(minutes: float) -> str:
    return "-" if not math.isfinite(minutes) else f"{minutes / 60:.1f}"


def _diff(x: float, fine: bool) -> str:
    """A difference as the table shows it; with ``fine``, one that would round to 0.00 keeps two
    significant digits, so a significant difference never reads '0.00 to 0.00 yes'."""
    if fine and math.isfinite(x) and 0 < abs(x) < 0.005:
        return f"{x:.2g}"
    return _num(x)


def kpi_rows(deltas: list[Any]) -> list[list[str]]:
    rows = []
    for d in deltas:
        has_ci = d.diff.n >= 2 and math.isfinite(d.diff.half_width)
        fine = bool(d.significant)
        ci = f"{_diff(d.diff.low, fine)} to {_diff(d.diff.high, fine)}" if has_ci else "-"
        if has_ci and d.diff.mean == 0 and d.diff.half_width == 0:
            # no spread to build an interval from: "0.00 to 0.00" would read as a certainty
            # that nothing changes, where a count moved by few units is 0 in most replications
            ci = f"0 in all {d.diff.n}"
        elif has_ci and d.diff.half_width <= 1e-9 * abs(d.diff.mean):
            # the same in every replication (the CO2 of vehicles that fly full or empty read
            # "2,578.96 to 2,578.96")
            ci = f"{_diff(d.diff.mean, fine)} in all {d.diff.n}"
        # a KPI one scenario lacks (no passengers there: no missed-connection rate) has no
        # difference, and no verdict on it; nor has one difference alone (no interval)
        verdict = "-" if d.diff.n < 2 else "yes" if d.significant else "no"
        rows.append([d.label, d.unit, _num(d.base.mean), _num(d.other.mean), _diff(d.diff.mean, fine), ci,
                     verdict])
    return rows


KPI_HEADERS = ["KPI", "unit", "base", "other", "difference", "95% CI", "sig."]
PROFILE_HEADERS = ["from", "to", "mean h", "", "p95 h", "", "min h", "", "faster", "gain h"]


def profile_rows(deltas: list[Any]) -> list[list[str]]:
    rows = []
    for p in deltas:
        rows.append([p.origin, p.target, _hours(p.base.get("mean_min", math.nan)),
                     _hours(p.other.get("mean_min", math.nan)), _hours(p.base.get("p95_min", math.nan)),
                     _hours(p.other.get("p95_min", math.nan)), _hours(p.base.get("min_min", math.nan)),
                     _hours(p.other.get("min_min", math.nan)), f"{p.improved_share:.1%}",
                     _hours(p.mean_gain_min)])
    return rows


def shared_warnings(warnings: dict[str, list[str]]) -> list[tuple[list[str], str]]:
    """Each warning once, with the scenarios that gave it, in the order first given: the
    outside traffic's jam at a station both runs share read twice, five lines each.

    >>> shared_warnings({"a": ["x", "y"], "b": ["x"], "c": ["z", "y"]})
    [(['a', 'b'], 'x'), (['a', 'c'], 'y'), (['c'], 'z')]
    """
    given: dict[str, list[str]] = {}
    for name, warns in warnings.items():
        for w in warns:
            given.setdefault(w, []).append(name)
    return [(names, w) for w, names in given.items()]


def compare_text(comp: Any) -> str:
    n = len(comp.results[0].records)
    width = terminal_width()
    lines = [textwrap.fill(line, width) for line in comp.headline.splitlines()] + [""]
    for names, warning in shared_warnings(comp.warnings):
        lines.append(textwrap.fill(f"warning ({', '.join(names)}): {warning}", width, subsequent_indent="  "))
    lines += [textwrap.fill(f"note: {note}", width, subsequent_indent="  ") for note in comp.notes]
    if any(comp.warnings.values()) or comp.notes:
        lines.append("")
    # each scenario's own window: one that runs other dates may have another length (a 50-day
    # window's totals were said to be over the base's 56 days)
    spans = [(res.records[0].horizon_min - res.records[0].warmup_min) / MIN_PER_DAY for res in comp.results]
    days = (f"{spans[0]:g} days" if len(set(spans)) == 1 else
            ", ".join(f"{d:g} days in {name}" for name, d in zip(comp.names, spans, strict=True)))
    lines += [f"{n} replication{'s' if n != 1 else ''} each, seed {comp.results[0].seed}, common random "
              "numbers;", "difference = other - base, paired by replication;",
              *textwrap.wrap(f"window: totals are sums over the statistics window ({days}, warm-up "
                             "to horizon), of the units created in it and delivered (the vehicles' CO2: "
                             "of the vehicles that left in it, every seat or slot counted); containers "
                             "delivered a week count those that arrived in it, whenever created", width), ""]
    for name in comp.names[1:]:
        for case in comp.launches.get(name, []):
            lines += [launch_table(case), ""]
        lines.append(format_table(KPI_HEADERS, kpi_rows(comp.kpis[name]),
                                  title=f"Simulated: {name} against {comp.base}"))
        lines.append("")
        if comp.profiles.get(name):
            lines.append(format_table(PROFILE_HEADERS, profile_rows(comp.profiles[name]),
                                      title=f"Timetable week profiles, {comp.base} then {name} in "
                                      "each pair (door to door for every\ndeparture minute, wait "
                                      "included; faster: share of minutes that gain, and by how much)"))
            lines.append("")
    return "\n".join(lines).rstrip()


SENSITIVITY_HEADERS = ["setting", "value", "share", "pax/wk", "load", "spilled/wk", "profit k USD/wk",
                       "BE load", "BE market/wk"]
#: what the market model is, and why its figures differ from the simulated ones
SENSITIVITY_NOTE = ("market model: the choice model over one week of wished departures at the "
                    "yearly mean market, without seasons, seat limits, delays or missed connections, "
                    "so its figures differ a little from the simulated ones above; * the scenario's "
                    "own setting; BE: break-even (a load above 100% cannot be flown at that fare); "
                    "spilled: chose it and found no seat")
SETTING_UNITS = {"market": "pax/wk", "fare": "USD", "frequency": "flights/wk", "rivals": "x fares",
                 "waiting": "x value"}


def launch_rows(case: Any) -> list[list[str]]:
    """The market model's rows for one new service, as shown."""
    return [[f"{'*' if p.own else ' '}{p.parameter}, {SETTING_UNITS[p.parameter]}",
             f"{p.value:g}" if p.parameter in ("rivals", "waiting") else _num(p.value, 0),
             _share(p.share), _num(p.passengers_per_week, 0), _share(p.load_factor),
             _num(p.spilled_per_week, 0), _num(p.profit_per_week_usd / 1000, 1),
             whole_percent(p.break_even_load_factor) if math.isfinite(p.break_even_load_factor) else "-",
             _num(p.break_even_market_per_week, 0)]
            for p in case.sensitivity]


def load_by_month_text(case: Any) -> str:
    """``2027-03 23% (2 flights), 2027-04 30% (9 flights)``: a month of two flights says little."""
    flights = case.flights_by_month
    return ", ".join(f"{m} {e.mean:.0%}" + (f" ({flights[m]:g} flights)" if m in flights else "")
                     for m, e in case.load_by_month.items())


def launch_table(case: Any) -> str:
    """A new service's sensitivity to market size, fare, the rivals' fares, the value of waiting
    and frequency (the market model)."""
    rows = launch_rows(case)
    months = load_by_month_text(case)
    # named with its scenario: a compare of several scenarios prints a table for each that adds
    # the service, one after another
    title = (f"{case.service} in {case.scenario}: what if?\n"
             + textwrap.fill(f"({SENSITIVITY_NOTE})", terminal_width()))
    if case.which_to_quote():
        title += "\n" + textwrap.fill(case.which_to_quote() + ".", terminal_width())
    text = (format_table(SENSITIVITY_HEADERS, rows, title=title) if rows
            else f"{case.service} in {case.scenario}: {case.no_sensitivity}, no sensitivity")
    return text + (f"\nsimulated load factor by month: {months}" if months else "")
