"""The unit KPIs of a replication written again from docs/simulation.md's KPI table, as a plain
loop over the unit records (no NumPy masks), with the standard library's quantiles; and small
random scenarios that exercise them: passengers on full, late flights (misses, rebookings),
choosing among itineraries or not, disruptions (closures and cuts of services, the station and
links), seasons,
containers on small trains and dispatched trucks through a queueing station, warm-ups, and
runs that end with units still on the way.

Used by test_kpi_reference.py (a run's KPIs and summary) and test_compare_reference.py (the
paired intervals of ``compare``)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from typing import Any

from hypothesis import strategies as st
from scipy import stats

from corridor.simulation.entities import Status

MIN_PER_HOUR, MIN_PER_DAY, MIN_PER_WEEK = 60.0, 1440.0, 10080.0


def distribution(values: list[float], scale: float, undelivered: int) -> dict[str, float]:
    """n, mean, median and 95th percentile (linear between order statistics, as the docs'
    p50/p95 read) of ``values`` / ``scale``, and the units it leaves out as undelivered; over no
    value each is undefined, NaN (the docs: "a mean over nothing is undefined, not 0")."""
    v = [x / scale for x in values]
    out: dict[str, float] = {"n": float(len(v)), "undelivered": float(undelivered)}
    if v:
        out["mean"] = math.fsum(v) / len(v)
        out["p50"] = statistics.median(v)
        out["p95"] = statistics.quantiles(v, n=20, method="inclusive")[18] if len(v) > 1 else v[0]
    else:
        out["mean"] = out["p50"] = out["p95"] = math.nan
    return out


def reference_kpis(rec: Any) -> dict[str, float]:
    """The flat KPIs (``summary`` keys) of one replication's records, from the docs' words:
    statistics over units created after the warm-up, times over those delivered (the rest are
    counted as undelivered), throughput over deliveries inside [warm-up, horizon), the transit
    rise between the window's first and last quarters, cost and CO2 of delivered units, and
    where every unit is at the end."""
    u = {k: v.tolist() for k, v in rec.units.items()}
    warm, horizon = rec.warmup_min, rec.horizon_min
    quarter = (horizon - warm) / 4
    out: dict[str, float] = {}
    groups: dict[str, dict[str, list[float]]] = {}

    def group(name: str) -> dict[str, list[float]]:
        return groups.setdefault(name, {"created": [], "door": [], "way": [], "late": [], "station": [],
                                        "missed": [], "first_q": [], "first_q_open": [], "last_q": [],
                                        "last_q_open": []})

    for name in ("passengers", "cargo", *(f"flows.{flow}" for flow in rec.flows)):
        group(name)  # listed with no unit in the window too
    cost = co2 = 0.0
    delivered_in_window = 0
    delivering = {int(f) for f, p, st in zip(u["flow"], u["pax"], u["status"], strict=True)
                  if not p and st == Status.DELIVERED}
    # less those with a container created in the window's first quarter and not delivered
    rows = zip(u["flow"], u["pax"], u["status"], u["created_min"], strict=True)
    delivering -= {int(f) for f, p, st, c in rows
                   if not p and st != Status.DELIVERED and warm <= c < warm + quarter}
    # none at all when the flows left out hold more than 5% of the window's containers
    window_feu = [int(f) for f, p, c in zip(u["flow"], u["pax"], u["created_min"], strict=True)
                  if not p and c >= warm]
    if sum(1 for f in window_feu if f not in delivering) > 0.05 * len(window_feu):
        delivering = set()
    for k in range(len(u["id"])):
        created, arrival = u["created_min"][k], u["arrival_min"][k]
        delivered = u["status"][k] == Status.DELIVERED
        assert delivered == math.isfinite(arrival), (k, u["status"][k], arrival)  # one truth, two fields
        pax = bool(u["pax"][k])
        if delivered and not pax and warm <= arrival < horizon:
            delivered_in_window += 1
        if created < warm:
            continue
        names = ["passengers" if pax else "cargo", f"flows.{rec.flows[u['flow'][k]]}"]
        for name in names:
            g = group(name)
            g["created"].append(1.0)
            g["missed"].append(1.0 if u["missed"][k] > 0 else 0.0)
            # the rise, over the flows that delivered any container in the run: a container
            # still on the way at the run's end counts with its time so far
            elapsed = arrival - created if delivered else rec.end_min - created
            rises = not pax and u["flow"][k] in delivering
            if rises and created < warm + quarter:
                g["first_q"].append(elapsed)
                g["first_q_open"] += [] if delivered else [k]
            if rises and horizon - quarter <= created < horizon:
                g["last_q"].append(elapsed)
                g["last_q_open"] += [] if delivered else [k]
            if not delivered:
                continue
            transit = arrival - u["first_departure_min"][k]
            g["door"].append(arrival - created)
            g["way"].append(transit)
            g["late"].append(arrival - u["planned_arrival_min"][k])
            g["station"].append(u["station_min"][k])
        if delivered:
            cost += u["cost_usd"][k]
            co2 += u["co2_kg"][k]
    for name, g in groups.items():
        created, done = len(g["created"]), len(g["door"])
        out[f"{name}.created"] = float(created)
        out[f"{name}.undelivered"] = float(created - done)
        if name == "passengers":
            unit, scale = "_h", MIN_PER_HOUR
            # a share of no passengers is undefined (NaN), not 0
            missed = math.fsum(g["missed"])
            out["passengers.undelivered_share"] = (created - done) / created if created else math.nan
            out["passengers.missed_connection_rate"] = missed / created if created else math.nan
            parts = {"door_to_door": g["door"], "on_the_way": g["way"], "late_vs_plan": g["late"]}
        else:
            unit, scale = "_days", MIN_PER_DAY
            parts = {"door_to_door": g["door"], "transit": g["way"]}
            if name == "cargo":
                out["cargo.undelivered_share"] = (created - done) / created if created else math.nan
                weeks = (horizon - warm) / MIN_PER_WEEK
                out["cargo.feu_per_week"] = delivered_in_window / weeks
                out["cargo.teu_per_week"] = 2 * delivered_in_window / weeks
                out.update({f"cargo.station_h.{k}": v for k, v in
                            distribution(g["station"], MIN_PER_HOUR, created - done).items()})
                out["cargo.door_to_door_rise_undelivered"] = math.nan  # with the bound, below
                # a first-quarter container still on the way: that quarter's mean is unknown;
                # a last-quarter one: the rise is unknown, its lower bound counts it so far
                if g["first_q"] and g["last_q"] and not g["first_q_open"]:
                    rise = (statistics.fmean(g["last_q"]) - statistics.fmean(g["first_q"])) / MIN_PER_DAY
                    out["cargo.door_to_door_rise_at_least_days"] = rise
                    out["cargo.door_to_door_rise_undelivered"] = float(len(g["last_q_open"]))
                    if not g["last_q_open"]:
                        out["cargo.door_to_door_rise_days"] = rise
        for part, values in parts.items():
            dist = distribution(values, scale, created - done)
            out.update({f"{name}.{part}{unit}.{k}": v for k, v in dist.items()})
    # where every unit is when the run ends, warm-up's too (the books)
    for status, name in zip(Status, ("waiting", "onboard", "moving", "at_station", "delivered"), strict=True):
        out[f"status.{name}"] = float(sum(1 for x in u["status"] if x == status))
    out["totals.cost_usd"] = cost
    out["totals.co2_t"] = co2 / 1000.0
    return out


def service_kpis(rec: Any, dispatched: set[str]) -> dict[str, float]:
    """Per service, from the trip log, by the docs' words: over the trips scheduled in [warm-up,
    horizon), those that ran (a cancelled one has no capacity), their units, mean peak load
    over capacity, revenue, and the share that reached the last stop within 15 minutes of the
    timetable (a dispatched service has none: NaN, as for no trip). A timetabled service with no
    trip in the window is not listed; a dispatched one that sent nothing carried 0."""
    t = {k: v.tolist() for k, v in rec.trips.items()}
    out: dict[str, float] = {}
    for s, name in enumerate(rec.services):
        rows = [k for k in range(len(t["service"])) if t["service"][k] == s
                and rec.warmup_min <= t["scheduled_min"][k] < rec.horizon_min]
        if not rows and name not in dispatched:
            continue
        ran = [k for k in rows if t["capacity"][k] > 0]
        arrived = [k for k in ran if math.isfinite(t["arrival_delay_min"][k])]
        out[f"services.{name}.trips"] = float(len(ran))
        out[f"services.{name}.cancelled"] = float(len(rows) - len(ran))
        out[f"services.{name}.carried"] = float(sum(t["boarded"][k] for k in ran))
        out[f"services.{name}.revenue_usd"] = math.fsum(t["revenue_usd"][k] for k in ran)
        loads = [t["peak_load"][k] / t["capacity"][k] for k in ran]
        on_time = [1.0 if t["arrival_delay_min"][k] <= 15 else 0.0 for k in arrived]
        out[f"services.{name}.load_factor"] = statistics.fmean(loads) if loads else math.nan
        out[f"services.{name}.on_time_share"] = statistics.fmean(on_time) if on_time else math.nan
    return out


def vehicle_co2(rec: Any, data: dict) -> dict[str, float]:
    """By docs/simulation.md: the CO2 of the vehicles that left in the window (by schedule), a
    trip at its capacity times its service's per-unit CO2 over the whole route (``co2_kg`` in
    the YAML), a flight whether anyone flew or not, a cargo trip or vehicle only with a load."""
    t = {k: v.tolist() for k, v in rec.trips.items()}
    services = {s["id"]: s for s in data["services"]}
    kg = 0.0
    for k in range(len(t["service"])):
        service = services[rec.services[t["service"][k]]]
        if not rec.warmup_min <= t["scheduled_min"][k] < rec.horizon_min or t["capacity"][k] == 0:
            continue
        if service["unit"] == "pax" or t["boarded"][k] > 0:
            kg += t["capacity"][k] * service.get("co2_kg", 0)
    return {"totals.vehicle_co2_t": kg / 1000.0}


def airline_kpis(rec: Any, data: dict) -> dict[str, float]:
    """Per passenger service with ``economics``, from docs/choice.md's airline view: over its
    flights scheduled in the window that ran, passengers, mean peak load over seats, revenue,
    yield per passenger-km (the log's passenger-km: each rider over the segments ridden, checked
    on its own in tests/analysis/test_airline.py), cost per flight (block hours, first departure
    to last arrival, at the hourly cost, plus the trip cost), profit, break-even load (the load
    at which revenue covers the cost at the fares paid; with no one aboard, at the service's
    fare), the market of the flows from its first stop to its last, the share of it that flew
    from its first stop to its last (the log's through riders, checked there too), and the
    break-even market (the market at which, at that share and fare, its riders' fares with the
    other riders' as they are cover the cost; none, infinite, when even a full flight's fares at
    the yield paid fall short of its cost)."""
    t = {k: v.tolist() for k, v in rec.trips.items()}
    weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
    out: dict[str, float] = {}
    for service in data["services"]:
        if "economics" not in service or service["unit"] != "pax":
            continue
        name = service["id"]
        s = rec.services.index(name)
        ran = [k for k in range(len(t["service"])) if t["service"][k] == s and t["capacity"][k] > 0
               and rec.warmup_min <= t["scheduled_min"][k] < rec.horizon_min]
        block_h = service["duration_min"] / 60  # no dwells here
        economics = service["economics"]
        cost = block_h * economics["cost_per_block_hour_usd"] + economics["cost_per_trip_usd"]
        flights, passengers = len(ran), sum(t["boarded"][k] for k in ran)
        pkm, through = math.fsum(t["unit_km"][k] for k in ran), sum(t["through"][k] for k in ran)
        revenue = math.fsum(t["revenue_usd"][k] for k in ran)
        load = statistics.fmean(t["peak_load"][k] / t["capacity"][k] for k in ran) if ran else math.nan
        per_flight = revenue / flights if flights else math.nan
        cover = cost / per_flight if flights and per_flight > 0 else math.nan
        even = load * cover
        fare = service.get("cost_usd", 0)  # first stop to last
        if flights and not passengers:  # no fare paid: at the whole route's fare, if it has one
            even = cost / (fare * service["capacity"]) if fare > 0 else math.nan
        # the market's riders pay the whole fare and grow with it; the others' revenue stays
        own = through * fare / flights if flights else math.nan
        others = per_flight - own
        flows = [f for f, d in enumerate(data["demand"]) if d["kind"] == "passenger"
                 and d["from"] == service["stops"][0] and d["to"] == service["stops"][-1]]
        market = sum(data["demand"][f]["per_week"] for f in flows)
        need = market * (cost - others) / own if flights and own > 0 else math.nan
        if math.isfinite(need):
            need = max(need, 0.0)
        full_usd = (per_flight / load if passengers and per_flight > 0  # a full flight at the yield paid
                    else fare * service["capacity"] if flights and not passengers and fare > 0 else math.nan)
        if full_usd < cost:
            need = math.inf  # no market: the seats run out first
        made = zip(rec.units["flow"].tolist(), rec.units["created_min"].tolist(), strict=True)
        travellers = sum(1 for f, c in made if f in flows and rec.warmup_min <= c < rec.horizon_min)
        head = f"airline.{name}."
        out.update({head + "flights": float(flights), head + "flights_per_week": flights / weeks,
                    head + "passengers": float(passengers), head + "passengers_per_week": passengers / weeks,
                    head + "load_factor": load, head + "revenue_usd": revenue,
                    head + "yield_usd_per_pkm": revenue / pkm if pkm > 0 else math.nan,
                    head + "block_h": block_h, head + "cost_per_flight_usd": cost,
                    head + "revenue_per_flight_usd": per_flight,
                    head + "profit_per_flight_usd": per_flight - cost if flights else math.nan,
                    head + "profit_usd": revenue - cost * flights,
                    head + "break_even_load_factor": even,
                    head + "market_per_week": float(market) if market else math.nan,
                    head + "share_of_market": through / travellers if travellers else math.nan,
                    head + "break_even_market_per_week": need if market else math.nan,
                    # flights that left with every seat taken on some leg
                    head + "full_share": (sum(t["peak_load"][k] >= t["capacity"][k] for k in ran) / flights
                                          if flights else math.nan)})
    return out


def t_interval(values: list[float]) -> tuple[float, float, float, int]:
    """Mean and 95% Student-t interval (scipy) of the finite ``values``; infinite with one."""
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return math.nan, math.nan, math.nan, 0
    mean = statistics.fmean(v)
    if len(v) == 1:
        return mean, -math.inf, math.inf, 1
    sem = statistics.stdev(v) / math.sqrt(len(v))
    if sem == 0:
        return mean, mean, mean, len(v)
    low, high = stats.t.interval(0.95, len(v) - 1, loc=mean, scale=sem)
    return mean, float(low), float(high), len(v)


ZONES = ["UTC", "Asia/Almaty", "Europe/Vilnius"]
CLOCKS = ["00:00", "03:10", "07:45", "12:00", "18:30", "23:50"]


@st.composite
def small_scenario(draw: Any, *, replications: int | None = None) -> dict:
    """A small random scenario of passengers and containers (YAML data)."""
    n = draw(st.integers(3, 4))
    chain = draw(st.booleans())  # two flights that connect at P1 (all in one zone), a flow P0 to P2
    places: list[dict] = [{"id": f"P{i}", "name": f"P{i}", "kind": "junction", "country": "KZ", "lat": 45.0,
                           "lon": 60.0 + 3 * i, "tz": "UTC" if chain else draw(st.sampled_from(ZONES)),
                           "min_connection_min": draw(st.sampled_from([0, 30, 90])),
                           "checkin_min": draw(st.sampled_from([0, 45, 120]))} for i in range(n)]
    station = draw(st.integers(0, n - 1))
    mean_min = draw(st.sampled_from([30, 240, 900]))
    places[station].update(servers=draw(st.integers(1, 2)),
                           service_time={"dist": "exponential", "mean_min": mean_min})
    pair = st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)
    services: list[dict] = []
    for k in range(draw(st.integers(2 if chain else 1, 3))):
        stops = [k, k + 1] if chain and k < 2 else draw(
            st.lists(st.integers(0, n - 1), min_size=2, max_size=3)
            .filter(lambda xs: all(a != b for a, b in zip(xs, xs[1:], strict=False))))
        service: dict = {"id": f"A{k}", "mode": "air", "unit": "pax", "stops": [f"P{s}" for s in stops],
                         "timetable": {"times": draw(st.lists(st.sampled_from(CLOCKS), min_size=1, max_size=2,
                                                              unique=True)),
                                       "days": draw(st.sampled_from(["daily", ["Mon", "Thu"]]))},
                         "duration_min": draw(st.integers(40, 400)) * (len(stops) - 1),
                         "capacity": draw(st.integers(1, 6)), "cost_usd": draw(st.integers(0, 300)),
                         "co2_kg": draw(st.integers(0, 200))}
        if chain and k < 2:  # the first lands at 08:45 + its delay, the second leaves at 12:00
            service["timetable"] = {"times": ["07:45" if k == 0 else "12:00"], "days": "daily"}
            service["duration_min"] = 60
        if draw(st.booleans()):  # the airline's view of it
            service["economics"] = {"cost_per_block_hour_usd": draw(st.sampled_from([0, 3000])),
                                    "cost_per_trip_usd": draw(st.sampled_from([0, 150, 900]))}
        if (chain and k == 0) or draw(st.booleans()):
            service["delay"] = {"dist": "exponential", "mean_min": draw(st.sampled_from([10, 60, 300]))}
            service["schedule_padding"] = draw(st.sampled_from([0, 0.1]))
        services.append(service)
    a, b = draw(pair)
    services.append({"id": "T0", "mode": "rail", "unit": "feu", "stops": [f"P{a}", f"P{b}"],
                     "timetable": {"times": [draw(st.sampled_from(CLOCKS))], "days": "daily"},
                     "duration_min": draw(st.integers(60, 3000)), "capacity": draw(st.integers(1, 8)),
                     "cost_usd": 500, "co2_kg": 90})
    c, d = draw(pair)
    services.append({"id": "D0", "mode": "road", "unit": "feu", "stops": [f"P{c}", f"P{d}"],
                     "dispatch": {"cutoff_min": draw(st.sampled_from([0, 120, 1440]))},
                     "duration_min": draw(st.integers(30, 600)), "capacity": draw(st.integers(1, 4)),
                     "cost_usd": 200, "co2_kg": 30})
    links = []
    if draw(st.booleans()):
        e, f = draw(pair)
        links.append({"id": "L0", "from": f"P{e}", "to": f"P{f}", "bidirectional": True,
                      "duration_min": draw(st.sampled_from([20, 200])),
                      "cost_usd": draw(st.sampled_from([0, 10]))})
    demand = []
    for k in range(draw(st.integers(1, 2))):
        e, f = (0, 2) if chain and k == 0 else draw(pair)
        demand.append({"id": f"PAX{k}", "kind": "passenger", "from": f"P{e}", "to": f"P{f}",
                       "per_week": draw(st.sampled_from([3, 20, 60]))})
    first = services[0]["stops"]
    if first[0] != first[-1] and draw(st.booleans()):  # the first flight's own market (its airline view)
        demand.append({"id": "MKT", "kind": "passenger", "from": first[0], "to": first[-1],
                       "per_week": draw(st.sampled_from([5, 40]))})
    for k in range(draw(st.integers(1, 2))):
        e, f = draw(st.sampled_from([(a, b), (c, d), (a, d), (c, b)]).filter(lambda p: p[0] != p[1]))
        demand.append({"id": f"BOX{k}", "kind": "cargo", "from": f"P{e}", "to": f"P{f}",
                       "per_week": draw(st.sampled_from([5, 30, 120]))})
    horizon = draw(st.integers(5, 9))
    start = draw(st.sampled_from(["2027-03-01", "2027-03-25", "2027-10-28"]))  # two clock changes
    run = {"start": start, "horizon_days": horizon,
           "warmup_days": draw(st.integers(0, 2)), "drain_days": draw(st.integers(0, 2)),
           "replications": replications or draw(st.integers(2, 4)), "seed": draw(st.integers(0, 10_000))}
    data = {"name": "small", "run": run, "places": places, "services": services, "links": links,
            "demand": demand}
    disruptions = []
    targets = [x["id"] for x in services] + [f"P{station}"] + [x["id"] for x in links]
    epoch = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    for k in range(draw(st.integers(0, 2))):  # closures and cuts: cancelled trips, rebookings, held units
        begin = draw(st.integers(0, 24 * (horizon - 1)))
        hours = draw(st.sampled_from([5, 30, 80]))
        disruptions.append({"id": f"X{k}", "target": draw(st.sampled_from(targets)),
                            "start": (epoch + dt.timedelta(hours=begin)).isoformat(),
                            "end": (epoch + dt.timedelta(hours=begin + hours)).isoformat(),
                            "capacity_factor": draw(st.sampled_from([0, 0, 0.5]))})
    if disruptions:
        data["disruptions"] = disruptions
    if draw(st.integers(0, 3)) == 0:  # seasons: the months the run meets at other rates
        flow = draw(st.sampled_from(demand))
        flow["seasonality"] = [draw(st.sampled_from([0.2, 1.0, 3.0])) for _ in range(12)]
    if draw(st.booleans()):  # travellers who choose among itineraries, a later one too
        data["choice"] = {"window_days": 2, "scale_usd": draw(st.sampled_from([20, 200])),
                          "transfer_penalty_usd": 30,
                          "segments": [{"id": "all", "share": 1.0, "value_of_time_usd_per_h": 20,
                                        "schedule_delay_usd_per_h": draw(st.sampled_from([1, 30]))}]}
    return data
