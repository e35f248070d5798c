"""Plans and profiles as text for the terminal."""

from __future__ import annotations

import datetime as dt

from corridor.planning.api import PlanResult, ProfileResult
from corridor.planning.search import SAME_KG, SAME_USD, distinct_alternatives
from corridor.report.tables import format_table, hours_minutes


def _stamp(when: dt.datetime, home_year: int | None = None) -> str:
    """``Mon 01 Mar 15:10 +05``, or ``... 01:40:30 +05`` for a time with seconds (a ready time
    given with them: a check-in it misses by 30 s would not show); with the year, ``Mon 01 Jan
    2101 15:10 +05``, when it is not ``home_year`` (the scenario's: a plan asked for 2101 read
    as if it were the run's year).

    >>> when = dt.datetime(2101, 1, 3, 15, 10, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    >>> _stamp(when, 2027), _stamp(when, 2101)
    ('Mon 03 Jan 2101 15:10 +05', 'Mon 03 Jan 15:10 +05')
    >>> [_stamp(when.replace(microsecond=us), 2101)[11:-4] for us in (123_000, 400, 999_800)]
    ['15:10:00.123', '15:10', '15:10:01']
    """
    offset = when.strftime("%z")  # +0500, +0530, or +050748 for a mean solar time before 1924
    short = ":".join([offset[:3], *(offset[k:k + 2] for k in range(3, len(offset), 2))])
    short = short.removesuffix(":00") if len(offset) == 5 else short
    # to the millisecond where it has part of a second (rounded to the second, a ready time
    # past a departure read as on it), else to the second (a float's last bit is no part)
    ms = (when.microsecond + 500) // 1000  # half up, as the second is
    if ms in (0, 1000):
        when = (when + dt.timedelta(microseconds=500_000)).replace(microsecond=0) if ms else when
    year = "%Y " if home_year is not None and when.year != home_year else ""
    clock = f"%H:%M:%S.{ms:03d}" if 0 < ms < 1000 else "%H:%M:%S" if when.second else "%H:%M"
    return when.strftime(f"%a %d %b {year}{clock} ") + short


#: more alternatives than this are listed one line each before their legs
OVERVIEW_FROM = 3


def decimals(values: list[float], most: int = 2) -> int:
    """The fewest decimals (up to ``most``) that print values differing at ``most`` decimals
    differently: alternatives kept for 0.07 kg less CO2 showed the same figure.

    >>> decimals([5771.08, 5626.53]), decimals([2796.04, 2795.91]), decimals([2.004, 2.001])
    (0, 1, 0)
    """
    distinct = len({round(v, most) for v in values})
    return next(d for d in range(most + 1) if len({round(v, d) for v in values}) == distinct or d == most)


def plan_text(result: PlanResult) -> str:
    """The plan as text: the alternatives worth showing (:func:`distinct_alternatives`: those
    that save at most a dollar and a kilogram of CO2 on one shown are counted in a note;
    ``--json`` and :class:`PlanResult` keep the whole Pareto set)."""
    tt = result.timetable
    shown, alike = distinct_alternatives(result.itineraries)
    usd = decimals([it.cost_usd for it in shown])
    kg = decimals([it.co2_kg for it in shown])
    o = tt.index[result.origin]
    ready = tt.local(result.ready_min, o)
    first = result.earliest
    year = tt.epoch.year  # the headings say the year when it is another
    lines = [
        f"{result.origin} -> {result.target}, ready {_stamp(ready, year)} ({tt.place_tz[o]})",
        f"Earliest arrival {_stamp(tt.local(first.arrive_min, first.legs[-1].dest), year)}: "
        f"{hours_minutes(first.total_min)} after ready, {first.transfers} transfer"
        f"{'' if first.transfers == 1 else 's'}",
        "",
        f"{len(shown)} alternative{'s' if len(shown) != 1 else ''} "
        "(none better in all of arrival, transfers, cost and CO2, to the dollar and the kg; of equal "
        "ones, the last to leave):",
    ]
    if len(shown) > OVERVIEW_FROM:  # one line each first, then each one's legs
        rows = [[str(n), _stamp(tt.local(it.depart_min, it.legs[0].origin)),
                 _stamp(tt.local(it.arrive_min, it.legs[-1].dest)), hours_minutes(it.duration_min),
                 str(it.transfers), f"{it.cost_usd:,.{usd}f}", f"{it.co2_kg:,.{kg}f}",
                 " ".join(tt.places[leg.dest] for leg in it.legs[:-1])]
                for n, it in enumerate(shown, 1)]
        table = format_table(["#", "depart", "arrive", "on the way", "transfers", "USD", "kg CO2",
                              "via"], rows)
        lines += [""] + ["   " + row for row in table.splitlines()]
    for n, it in enumerate(shown, 1):
        lines.append("")
        lines.append(
            f"{n}. {_stamp(tt.local(it.depart_min, it.legs[0].origin))} -> "
            f"{_stamp(tt.local(it.arrive_min, it.legs[-1].dest))}   {hours_minutes(it.duration_min)} "
            f"on the way, {it.transfers} transfer{'' if it.transfers == 1 else 's'}, "
            f"USD {it.cost_usd:,.{usd}f}, {it.co2_kg:,.{kg}f} kg CO2"
        )
        rows = [
            [leg.name, leg.mode, tt.places[leg.origin], _stamp(tt.local(leg.dep_min, leg.origin)),
             tt.places[leg.dest], _stamp(tt.local(leg.arr_min, leg.dest)), hours_minutes(leg.duration_min)]
            for leg in it.legs
        ]
        table = format_table(["service", "mode", "from", "depart", "to", "arrive", "time"], rows)
        lines += ["   " + row for row in table.splitlines()]
    notes = list(result.notes)
    if alike:
        notes.append(f"{alike} more journey{' is' if alike == 1 else 's are'} left out: "
                     f"{'it arrives' if alike == 1 else 'each arrives'} no earlier than one shown, with "
                     f"no fewer transfers, for at most USD {SAME_USD:g} and {SAME_KG:g} kg of CO2 less "
                     "(--json lists every one)")
    lines += [f"\nnote: {n}" for n in notes]
    return "\n".join(lines)


def profile_text(result: ProfileResult) -> str:
    prof = result.profile
    summary = prof.summary()
    tt = result.timetable
    year = tt.epoch.year  # the heading says the year when it is another
    last = tt.local(float(prof.ready_min[-1]), tt.index[result.origin])
    head = (
        f"{result.origin} -> {result.target}: earliest arrival for every {result.step_min:g}-minute "
        f"departure from {_stamp(result.start, year)} to {_stamp(last, year)} "
        f"({prof.ready_min.size:,} departure time{'s' if prof.ready_min.size != 1 else ''})"
    )
    if summary["reachable_share"] == 0:
        return head + "\nno departure time reaches the destination within the timetable"
    rows = [[name, f"{share * 100:.1f}%"] for name, share in result.route_shares()]
    stats = format_table(
        ["total time (wait included)", "time"],
        [[label, hours_minutes(summary[key])] for label, key in
         [("mean", "mean_min"), ("median", "median_min"), ("95th percentile", "p95_min"),
          ("minimum", "min_min"), ("maximum", "max_min")]],
    )
    out = [head, "", stats, "", format_table(["fastest route", "share of departure times"], rows)]
    if summary["reachable_share"] < 1:
        out.append(f"\n{(1 - summary['reachable_share']) * 100:.1f}% of departure times reach nothing "
                   "before the timetable ends")
    out += [f"\nnote: {n}" for n in result.notes]
    return "\n".join(out)
