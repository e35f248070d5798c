"""Simulation KPIs as terminal tables."""

from __future__ import annotations

import math
import textwrap
from typing import Any

from corridor.analysis.launch import NO_MARKET, whole_percent
from corridor.analysis.warnings import run_warnings
from corridor.report.tables import cut_at_zero, cut_share, format_table, terminal_width
from corridor.units import MIN_PER_WEEK


def _ci(summary: dict[str, dict[str, float]], key: str, scale: float = 1.0, digits: int = 1,
        signed: bool = False) -> str:
    """Mean ± half-width; for a figure that cannot be negative (a count, wait, time or sum
    of money: ``signed`` False) an interval passing below 0 is cut there
    (:func:`~corridor.report.tables.cut_at_zero`), as ``mean (0-high)``.

    >>> _ci({"k": {"n": 3, "mean": 2.0, "low": -17.0, "high": 21.0}}, "k", digits=0)
    '2 (0-21)'
    >>> _ci({"k": {"n": 3, "mean": -0.2, "low": -18.0, "high": 17.6}}, "k", digits=1, signed=True)
    '-0.2 ± 17.8'
    """
    e = summary.get(key)
    if e is None or e["n"] == 0:
        return "-"
    mean = e["mean"] * scale
    if abs(mean) < 0.5 * 10**-digits:
        mean = 0.0  # no "-0.0" from rounding noise
    if e["n"] < 2:
        return f"{mean:,.{digits}f}"
    cut = None if signed else cut_at_zero(mean, e["low"] * scale, e["high"] * scale,
                                          lambda x: f"{x:,.{digits}f}")
    if cut is not None:
        return cut
    half = (e["high"] - e["mean"]) * scale
    return f"{mean:,.{digits}f} ± {half:,.{digits}f}"


def _pct(summary: dict[str, dict[str, float]], key: str, digits: int = 0) -> str:
    """A share (0-1) in percent: mean ± half-width, or, when that interval passes 0 or 100%,
    the interval cut there, as ``mean (low-high)``: no share reads "98 ± 4" or "-2".

    >>> _pct({"k": {"n": 5, "mean": 0.98, "low": 0.94, "high": 1.02}}, "k")
    '98 (94-100)'
    >>> _pct({"k": {"n": 5, "mean": 0.50, "low": 0.45, "high": 0.55}}, "k")
    '50 ± 5'
    """
    e = summary.get(key)
    cut = cut_share(e["mean"], e["low"], e["high"], digits) if e is not None and e["n"] >= 2 else None
    return cut if cut is not None else _ci(summary, key, 100, digits)


def _percent(summary: dict[str, dict[str, float]], key: str, digits: int = 0) -> str:
    """:func:`_pct` with its sign, "-" alone where the share is undefined (no trains asked
    a fleet, no units to take a share of): no "-%".

    >>> _percent({"k": {"n": 2, "mean": 0.5, "low": 0.45, "high": 0.55}}, "k"), _percent({}, "k")
    ('50 ± 5%', '-')
    """
    text = _pct(summary, key, digits)
    return text if text == "-" else text + "%"


def run_text(result: Any) -> str:
    s = result.summary
    n = len(result.records)
    rate = result.events / max(result.seconds, 1e-9)
    lines = [
        f"{result.scenario}: {n} replication{'s' if n != 1 else ''}, seed {result.seed}; "
        f"{result.events:,} events in {result.seconds:.1f} s ({rate:,.0f}/s)",
        "values: mean over replications ± half-width of the 95% confidence interval (one that "
        "passes 0, or 100% for a share, which the figure cannot pass: mean (low-high), cut there)"
        if n > 1 else "values: of the one replication (no interval: give --replications 2 or more)",
        "",
    ]
    kinds = _kinds(result)
    for pax, unit, scale, what in ((True, "h", 24.0, "Passenger flows (h: hours)"),
                                   (False, "d", 1.0, "Cargo flows (d: days)")):
        rows = []
        for flow, is_pax in zip(result.records[0].flows, kinds, strict=True):
            if is_pax != pax:
                continue
            k = f"flows.{flow}."
            rows.append([flow, _ci(s, k + "created", digits=0), _ci(s, k + "undelivered", digits=0),
                         _ci(s, k + "door_to_door_days.mean", scale),
                         _ci(s, k + "door_to_door_days.p50", scale),
                         _ci(s, k + "door_to_door_days.p95", scale), _ci(s, k + "transit_days.mean", scale)])
        if rows:
            lines.append(format_table(
                ["flow", "created", "undelivered", f"door-door {unit}", f"p50 {unit}", f"p95 {unit}",
                 "on the way h" if pax else f"transit {unit}"], rows,
                title=f"{what} (created after warm-up; times over the units delivered)"))
            lines.append("")
    # a scenario with demand of one kind only: the other kind's lines and tables would be zeros
    # (and stations, fleets and paths the outside traffic's alone), so they are left out
    has_pax, has_cargo = any(kinds), not all(kinds)
    if has_pax:
        missed = _percent(s, "passengers.missed_connection_rate", 1)
        late = _ci(s, "passengers.late_vs_plan_h.mean", 60, signed=True)
        # a flight may land early (its schedule padding), so the mean may be either side of 0
        lines.append(f"Passengers: missed-connection rate {missed}; arrival against the booked "
                     f"time {late} min on average (+ late, - early)")
    if has_cargo:
        feu, teu = _ci(s, "cargo.feu_per_week"), _ci(s, "cargo.teu_per_week")
        transit, p95 = _ci(s, "cargo.transit_days.mean"), _ci(s, "cargo.transit_days.p95")
        # set beside what the window created: deliveries trail it by the transit time, so a
        # season that grows or a short warm-up reads low (and a drain of a jam, high)
        rec = result.records[0]
        weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
        made = s.get("cargo.created", {}).get("mean", 0.0)  # the window's containers, all flows
        created = f", {made / weeks:,.1f} created a week" if weeks > 0 and math.isfinite(made) else ""
        # over the containers delivered: those still on the way at the end are left out
        left = s.get("cargo.undelivered", {}).get("mean", 0.0)
        # the two denominators differ: throughput counts what arrived in the window, whenever
        # made; transit, the window's own containers (a one-day window may deliver many of the
        # warm-up's and none of its own)
        over = (f" over the {_ci(s, 'cargo.transit_days.n', digits=0)} of the window's delivered; "
                f"{_ci(s, 'cargo.undelivered', digits=0)} undelivered, left out" if left > 0 else "")
        # over every cargo flow: the baseline's p95 of 32 days is the Middle Corridor's, not
        # the rail corridor's through Lithuania (17 days): the flows' table has each
        flows = sum(1 for pax in kinds if not pax)
        whose = ("all cargo flows' transit" if flows > 1 else "transit")
        each = "; each flow's in its table" if flows > 1 else ""
        lines += [f"Cargo: {feu} FEU/week delivered in the window ({teu} TEU){created};",
                  f"       {whose} {transit} days (p95 {p95}{each}){over}"]
    lines += [
        f"Totals after warm-up: USD {_ci(s, 'totals.cost_usd', 1e-6, 2)} million, "
        f"{_ci(s, 'totals.co2_t', 1, 0)} t CO2 of the units delivered "
        f"({_ci(s, 'totals.vehicle_co2_t', 1, 0)} t of the vehicles run, every seat or slot counted)",
        "",
    ]
    if not kinds:  # outside traffic alone: what the stations do with it is all there is to show
        lines.append("No demand flows: only the stations' outside traffic moves.")
    elif not has_cargo:
        lines.append("No cargo demand: the stations, fleets and departure paths, used by outside traffic "
                     "alone, are left out (--json and --out have them).")
    lines += _cargo_text(result) if has_cargo or not kinds else []
    lines += ["", services_table(result)]
    airline = airline_table(result)
    if airline:
        lines += ["", airline]
    status = result.kpis[-1]["status"]
    lines.append("")
    lines.append("At the end of the last replication: " + ", ".join(f"{v:,} {k}" for k, v in status.items()))
    width = terminal_width()
    fewer = _fewer_replications(result)
    if fewer:
        lines.append(textwrap.fill(fewer, width, subsequent_indent="  "))
    lines += [textwrap.fill(f"warning: {w}", width, subsequent_indent="  ") for w in run_warnings(result)]
    return "\n".join(lines)


def _fewer_replications(result: Any) -> str:
    """A line naming the flows, stations, services, fleets and path pools some of whose figures
    are means over only some replications (undefined in the others: a flow that made no unit, a
    station no vehicle reached), each with the fewest replications behind one of its figures;
    "" when there are none (or one replication).

    Each names the figures that are (their keys' first part after the owner): the services
    table's trips of a dispatched service are over all replications, its load factor over those
    in which it ran.

    >>> summary = {"flows.G.door_to_door_days.mean": {"n": 2}, "flows.G.door_to_door_days.p95": {"n": 2},
    ...            "flows.G.created": {"n": 4}}
    >>> r = type("R", (), {"kpis": [{"flows": {"G": {}}}] * 4, "summary": summary})
    >>> _fewer_replications(r)
    'Over fewer replications (undefined in the others): flow G 2 of 4 (door_to_door_days).'
    """
    total = len(result.kpis)
    named = {"flows": "flow", "stations": "station", "services": "service", "fleets": "fleet",
             "paths": "paths of"}
    # each figure is its owner's: the longest name its key starts with ("B.1" before "B")
    heads = sorted(((f"{section}.{name}.", (word, name)) for section, word in named.items()
                    for name in result.kpis[0].get(section, {})), key=lambda h: -len(h[0]))
    fewest: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for key, e in result.summary.items():
        if 0 < e["n"] < total:
            found = next(((head, who) for head, who in heads if key.startswith(head)), None)
            if found is None:
                continue
            head, owner = found
            figure = key[len(head):].split(".")[0]
            n, figures = fewest.get(owner, (total, []))
            if e["n"] < n:
                n, figures = int(e["n"]), []
            if e["n"] == n and figure not in figures:
                figures.append(figure)
            fewest[owner] = (n, figures)
    if not fewest:
        return ""
    return ("Over fewer replications (undefined in the others): "
            + ", ".join(f"{word} {name} {n} of {total} ({', '.join(figures)})"
                        for (word, name), (n, figures) in fewest.items()) + ".")


def _cargo_text(result: Any) -> list[str]:
    """The stations, fleets, gateways and departure paths tables."""
    s = result.summary
    lines: list[str] = []
    rows = []
    for name in result.kpis[0]["stations"]:
        k = f"stations.{name}."
        rows.append([name, _ci(s, k + "vehicles", digits=0), _percent(s, k + "utilisation"),
                     _ci(s, k + "mean_queue"), _ci(s, k + "max_queue", digits=0),
                     _ci(s, k + "mean_wait_min", 1 / 60), _ci(s, k + "max_wait_min", 1 / 60),
                     _ci(s, k + "unserved", digits=0)])
    if rows:
        lines.append(format_table(
            ["station", "vehicles", "utilisation", "mean queue", "max queue", "mean wait h", "max wait h",
             "unserved"],
            rows, title="Stations (vehicles queueing for tracks, cranes or berths; unserved: of the vehicles "
                        "that came in the statistics window, as the waits are, those still queued when the "
                        "run ended, their waits cut there, so the waits are lower bounds)"))
    fleets = [[name, _ci(s, f"fleets.{name}.vehicles", digits=0), _ci(s, f"fleets.{name}.trains", digits=0),
               _percent(s, f"fleets.{name}.waited_share"), _ci(s, f"fleets.{name}.mean_wait_h")]
              for name in result.kpis[0].get("fleets", {})]
    if fleets:
        lines += ["", format_table(["fleet", "vehicles", "trains", "waited", "mean wait h"], fleets,
                                   title="Fleets (formed trains waiting for a vehicle to come back)")]
    return lines + cargo_tables(result)


def cargo_tables(result: Any) -> list[str]:
    """The gateways each cargo flow's containers chose (shares), and how much of each daily pool
    of departure paths trains took: where cargo goes and where it waits for a path."""
    s = result.summary
    out: list[str] = []
    # the flows and gateways that some replication names (a flow names each of its gateways,
    # 0 where nobody took it); the shares are the summary's (a replication in which none of the
    # flow's containers chose says nothing: :func:`.kpis.kpi_value`); "-": not the flow's gateway
    per_rep = [{flow: k.get("gateway_share", {}) for flow, k in kpis["flows"].items()}
               for kpis in result.kpis]
    flows = sorted({flow for rep in per_rep for flow, share in rep.items() if share})
    gateways = sorted({g for rep in per_rep for share in rep.values() for g in share})
    if flows:
        rows = []
        for flow in flows:
            keys = [f"flows.{flow}.gateway_share.{g}" for g in gateways]
            rows.append([flow, *(_percent(s, key) if key in s else "-" for key in keys)])
        out += ["", format_table(["flow", *gateways], rows,
                                 title="Gateways (share of each flow's containers that chose it)")]
    forecasts = sorted(key[len("gateways."):-len(".forecast_error_days")] for key in s
                       if key.startswith("gateways.") and key.endswith(".forecast_error_days"))
    if forecasts:
        rows = [[name, _ci(s, f"gateways.{name}.blocks", digits=0),
                 _ci(s, f"gateways.{name}.forecast_error_days", digits=2, signed=True),
                 _ci(s, f"gateways.{name}.correction_days", digits=2, signed=True)] for name in forecasts]
        heads = ["gateway", "blocks", "left later than told, days", "learnt correction, days"]
        title = ("Gateway forecasts (blocks that chose after the warm-up and left: when the last "
                 "container left against the forecast)")
        out += ["", format_table(heads, rows, title=title)]
    pools = sorted(key[len("paths."):-len(".utilisation")] for key in s
                   if key.startswith("paths.") and key.endswith(".utilisation"))
    if pools:
        rows = [[name, _paths_given(s, name), _percent(s, f"paths.{name}.utilisation")] for name in pools]
        out += ["", format_table(["service", "paths", "taken"], rows,
                                 title="Departure paths (share of the pool of the days with paths that "
                                 "trains took)")]
    return out


def _paths_given(s: dict[str, dict[str, float]], name: str) -> str:
    """A pool's paths as the scenario gives them (a setting, the same in every replication).

    >>> _paths_given({"paths.E.per_day": {"mean": 1.0}, "paths.E.days_a_week": {"mean": 3.0}}, "E")
    '1 a day, 3 days a week'
    """
    per_day = s.get(f"paths.{name}.per_day", {}).get("mean", math.nan)
    days = s.get(f"paths.{name}.days_a_week", {}).get("mean", 7.0)
    return f"{per_day:g} a day" + (f", {days:g} days a week" if days < 7 else "")


def services_table(result: Any) -> str:
    """Per service that carried anything: trips, units carried, load factor, revenue, on time."""
    s = result.summary
    rows = []
    for name in result.kpis[0].get("services", {}):
        k = f"services.{name}."
        carried = s.get(k + "carried")
        if carried is None or carried["mean"] == 0:
            continue
        rows.append([name, _ci(s, k + "trips", digits=0), _ci(s, k + "carried", digits=0),
                     _pct(s, k + "load_factor"), _ci(s, k + "revenue_usd", 1e-3, 0),
                     _pct(s, k + "on_time_share")])
    if not rows:  # every trip closed, say: a table of headers alone reads as if something is missing
        return "Services: none carried a unit after the warm-up."
    return format_table(["service", "trips", "units carried", "load factor %", "revenue k USD",
                         "on time %"], rows,
                        title="Services that carried units (after warm-up; load factor: peak load "
                        "/ capacity,\nof this scenario's demand only: other travellers and cargo on the "
                        "same trips are not modelled)")


def airline_table(result: Any) -> str:
    """Per passenger service with economics: the airline's week and its P&L per flight."""
    s = result.summary
    rows = []
    for name in result.kpis[0].get("airline", {}):
        k = f"airline.{name}."
        rows.append([name, _ci(s, k + "passengers_per_week", digits=0),
                     _pct(s, k + "share_of_market"), _pct(s, k + "load_factor"),
                     _ci(s, k + "yield_usd_per_pkm", 100, 1),
                     _ci(s, k + "profit_per_flight_usd", 1e-3, 1, signed=True),
                     _ci(s, k + "break_even_load_factor", 100, 0),
                     _ci(s, k + "break_even_market_per_week", digits=0)])
    if not rows:
        return ""
    lines = [format_table(["service", "pax/week", "share %", "load %", "yield ¢/km", "k USD/flight",
                           "BE load %", "BE market/wk"], rows,
                          title="Airline view (share: of the travellers from its first stop to its last; "
                          "k USD/flight: profit;\nBE: break-even, the load and the weekly market at "
                          "which a flight covers its cost)")]
    for name in result.kpis[0].get("airline", {}):
        prefix = f"airline.{name}.by_month."
        months = sorted({key[len(prefix):].split(".")[0] for key in s if key.startswith(prefix)})
        if months:
            # a month the window cuts (its first, its last) has fewer flights: said, as each
            # month's load is the mean over its own flights
            flights = [s.get(prefix + m + ".flights", {}).get("mean", math.nan) for m in months]
            counts = [f" ({n:,.0f} flights)" if k == 0 else f" ({n:,.0f})" for k, n in enumerate(flights)] \
                if all(math.isfinite(n) for n in flights) else [""] * len(months)
            loads = ", ".join(f"{m} {_pct(s, prefix + m + '.load_factor')}{c}"
                              for m, c in zip(months, counts, strict=True))
            lines.append(textwrap.fill(f"{name} load % by month (UTC): {loads}", terminal_width(),
                                       subsequent_indent="  "))
        lines.append(textwrap.fill(airline_verdict(s, name, months), terminal_width(),
                                   subsequent_indent="  "))
    return "\n".join(lines)


def airline_verdict(s: dict[str, dict[str, float]], name: str, months: list[str]) -> str:
    """One sentence: does the service pay, how far from it is it, and when is it weakest."""
    k = f"airline.{name}."

    def mean(key: str) -> float:
        return s.get(k + key, {}).get("mean", float("nan"))

    if not math.isfinite(mean("load_factor")):  # no flight in any replication: a closure, say
        return f"Verdict: {name} flew no flight after the warm-up: no load, profit or break-even to judge."
    profit = s.get(k + "profit_per_flight_usd", {})
    low, high = profit.get("low", float("nan")), profit.get("high", float("nan"))
    verdict = "covers its cost" if low > 0 else "loses money" if high < 0 else "is about at break-even"
    if not (math.isfinite(low) and math.isfinite(high)) and math.isfinite(mean("profit_per_flight_usd")):
        # one replication: no interval, so the one profit's sign, not "about at break-even"
        verdict = ("covers its cost" if mean("profit_per_flight_usd") > 0 else "loses money") + \
            " (one replication: no interval)"
    even, need, market = (mean(x) for x in ("break_even_load_factor", "break_even_market_per_week",
                                            "market_per_week"))
    # a figure that is not a number is left out, not printed as 'nan': no break-even load for a
    # flight that earns nothing a traveller, no market when no flow goes from its first stop to its last
    text = f"Verdict: {name} {verdict}: load {mean('load_factor'):.0%}"
    text += f" against a break-even of {whole_percent(even)}" if math.isfinite(even) else \
        " (no break-even load: its fares earn nothing a traveller)"
    if even > 1.0 and math.isfinite(market):  # (NaN compares False)
        text += f"; {NO_MARKET}"
    elif math.isfinite(need) and math.isfinite(market):
        full = mean("full_share")
        if full > 0:  # scaled from what its full flights carried, which their seats cap
            text += (f"; it would need a market of at most about {need:,.0f} travellers a week "
                     f"(this scenario: {market:,.0f}; {full:.0%} of its flights left full, so more would "
                     "choose it than it carried)")
        else:
            text += (f"; it would need a market of about {need:,.0f} travellers a week "
                     f"(this scenario: {market:,.0f})")
    elif not math.isfinite(market):
        text += "; no break-even market: no demand flow goes from its first stop to its last"
    loads = {m: s.get(f"{k}by_month.{m}.load_factor", {}).get("mean", float("nan")) for m in months}
    loads = {m: v for m, v in loads.items() if v == v}
    if len(loads) >= 2:
        best, worst = max(loads, key=loads.__getitem__), min(loads, key=loads.__getitem__)
        first, last = min(loads), max(loads)  # the months simulated, not a year's
        flights = {m: s.get(f"{k}by_month.{m}.flights", {}).get("mean", math.nan) for m in loads}

        def said(m: str) -> str:  # a month of two flights is not ranked as one of nine unsaid
            n = flights[m]
            load = f"{loads[m]:.0%}"
            return f"{load}, {n:,.0f} flight{'s' * (n != 1)}" if math.isfinite(n) else load

        text += (f"; of the months simulated, {first} to {last}, its best was {best} ({said(best)}), "
                 f"its worst {worst} ({said(worst)})")
    return text + "."


def _kinds(result: Any) -> list[bool]:
    """Per flow: does it carry passengers?"""
    return list(result.records[0].flow_pax)
