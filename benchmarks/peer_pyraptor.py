"""corridor's planner side by side with pyraptor, a Python RAPTOR implementation, on the
baseline's exported GTFS feed (bench_planning.py runs this; docs/benchmarks.md reports it).

pyraptor pins pandas < 2 and is never a dependency of corridor: it gets a virtual environment
of its own, benchmarks/.peers/pyraptor (ignored by git), made here on first use, and runs in
a subprocess (benchmarks/peer_pyraptor_run.py) that reads the same feed corridor wrote.

The questions are the same on both sides: the earliest arrival of passengers for a set of
ready times between the hubs of the NQZ - VNO link, and the full week profile NQZ -> VNO.
pyraptor knows fewer rules than corridor, so every answer is compared twice:

* with corridor's rules (check-in at the origin, minimum connection times, links): pyraptor
  may arrive earlier, never later;
* with corridor told the peer's rules (no check-in, no connection time, no links, at most
  ``ROUNDS`` - 1 transfers): the answers must be equal. A difference in the first comparison
  is *explained* when it vanishes in the second, and attributed to the rule whose removal
  makes it vanish (check-in alone, then connection times, then links).

Speed: the week profile, corridor's chained searchsorted over every minute of the week
against pyraptor's range query (one RAPTOR run per departure from the origin), both timed
after their timetables are built; the target is corridor >= 10x.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import venv
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PEER = HERE / ".peers" / "pyraptor"
# pyraptor 1.3.10 needs pandas 1.5 (pinned by it), so numpy < 2 (pandas 1.5 is built against
# numpy 1), and imports attrs without declaring it.
PEER_REQUIREMENTS = ("pyraptor==1.3.10", "numpy<2", "attrs")
ROUNDS = 5  # RAPTOR rounds: up to four transfers, more than any answer here needs
HUBS = ("NQZ", "VNO", "IST", "FRA", "WAW", "RIX", "HEL")
DAYS = ("2027-03-01", "2027-03-06", "2027-03-15", "2027-03-27", "2027-03-28", "2027-03-29")
CLOCKS = ("00:30", "08:00", "15:00", "21:30")


def peer_python_ready() -> bool:
    """Whether the peer's environment has been made."""
    return (PEER / "bin" / "python").exists()


def peer_python() -> Path:
    """The peer's interpreter, after making its environment if there is none; raises
    RuntimeError saying why when it cannot be made."""
    python = PEER / "bin" / "python"
    if python.exists():
        return python
    PEER.parent.mkdir(parents=True, exist_ok=True)
    venv.create(PEER, with_pip=True, clear=True)
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PEER_REQUIREMENTS],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(PEER_REQUIREMENTS)} failed: {done.stderr.strip()[-600:]}")
    return python


def peer_rules(scenario: Any) -> Any:
    """The scenario as pyraptor sees a GTFS feed: no check-in, no connection times, no links."""
    places = [p.model_copy(update={"checkin_min": 0.0, "min_connection_min": 0.0}) for p in scenario.places]
    return scenario.model_copy(update={"places": places, "links": []})


def _variants(scenario: Any) -> dict[str, Any]:
    no_checkin = scenario.model_copy(
        update={"places": [p.model_copy(update={"checkin_min": 0.0}) for p in scenario.places]}
    )
    no_times = no_checkin.model_copy(
        update={"places": [p.model_copy(update={"min_connection_min": 0.0}) for p in no_checkin.places]}
    )
    return {"check-in": no_checkin, "connection times": no_times, "links": peer_rules(scenario)}


def run(quick: bool) -> dict[str, Any]:
    sys.path.insert(0, str(HERE.parent / "src"))
    from corridor.errors import NoRouteError
    from corridor.interchange.gtfs_export import write_gtfs
    from corridor.planning import RoutePlanner
    from corridor.scenario import load_scenario
    from corridor.timezone import zone

    try:
        python = peer_python()
    except (RuntimeError, OSError) as exc:
        print(f"pyraptor: not run: {exc}")
        return {"skipped": str(exc)}
    scenario = load_scenario(HERE.parent / "scenarios" / "baseline.yaml")
    feed = PEER.parent / "baseline_feed.zip"
    write_gtfs(scenario, feed)
    epoch = scenario.run.epoch
    ref = epoch - dt.timedelta(days=3)  # the peer counts seconds from here (all times >= 0)

    def seconds(minutes: float) -> int:
        return int(round(minutes * 60 + 3 * 86400))

    real = RoutePlanner(scenario)
    same = RoutePlanner(peer_rules(scenario))
    variants = {k: RoutePlanner(v) for k, v in _variants(scenario).items()}
    days = DAYS[:3] if quick else DAYS
    queries, ready = [], []
    for origin in ("NQZ", "VNO"):
        for target in HUBS:
            if target == origin:
                continue
            for day in days:
                for clock in CLOCKS:
                    when = dt.datetime.fromisoformat(f"{day}T{clock}").replace(
                        tzinfo=zone(scenario.place(origin).tz)
                    )
                    ready.append((origin, target, when))
                    queries.append([origin, target, seconds(real.when(when, origin))])

    def earliest(
        planner: RoutePlanner, origin: str, target: str, when: dt.datetime, max_transfers: int | None = None
    ) -> int | None:
        try:
            found = planner.plan(origin, target, when, unit="pax", window_days=3, max_transfers=max_transfers)
        except NoRouteError:
            return None
        return seconds(found.earliest.arrive_min)

    t0 = time.perf_counter()
    ours = [earliest(real, o, t, w) for o, t, w in ready]
    ours_s = time.perf_counter() - t0
    theirs_rules = [earliest(same, o, t, w, ROUNDS - 1) for o, t, w in ready]

    week_start = real.default_start("NQZ")
    lo = seconds(real.when(week_start, "NQZ"))
    hi = lo + 8 * 86400  # a day past the week: the last ready times need the next departures
    args = {
        "feed": str(feed),
        "unit": "pax",
        "first_day": "2027-02-26",
        "last_day": "2027-04-05" if not quick else "2027-03-20",
        "ref_utc": ref.isoformat(),
        "rounds": ROUNDS,
        "queries": queries,
        "range": ["NQZ", "VNO", lo, hi],
    }
    done = subprocess.run(
        [str(python), str(HERE / "peer_pyraptor_run.py")],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        print(f"pyraptor: failed: {done.stderr.strip()[-800:]}")
        return {"failed": done.stderr.strip()[-800:]}
    peer = json.loads(done.stdout)

    agree_rules = sum(a == b for a, b in zip(peer["answers"], theirs_rules, strict=True))
    agree_real = sum(a == b for a, b in zip(peer["answers"], ours, strict=True))
    explained: dict[str, int] = {}
    unexplained = []
    for k, (a, b, c) in enumerate(zip(peer["answers"], ours, theirs_rules, strict=True)):
        if a == b:
            continue
        if a == c and (a is None or b is None or a <= b):
            origin, target, when = ready[k]
            rule = next(
                (
                    name
                    for name, planner in variants.items()
                    if earliest(planner, origin, target, when, ROUNDS - 1) == a
                ),
                "links",
            )
            explained[rule] = explained.get(rule, 0) + 1
        else:
            unexplained.append((ready[k][0], ready[k][1], ready[k][2].isoformat(), a, b, c))

    # the week profile: corridor (its rules, and the peer's) against pyraptor's range query
    real.profile("NQZ", "VNO", unit="pax")  # builds and caches the week's timetable window
    t0 = time.perf_counter()
    repeats = 3
    for _ in range(repeats):
        week = real.profile("NQZ", "VNO", unit="pax")
    profile_s = (time.perf_counter() - t0) / repeats
    peer_week = same.profile("NQZ", "VNO", unit="pax", max_transfers=ROUNDS - 1)
    ready_s = np.array([seconds(m) for m in peer_week.profile.ready_min])
    journeys = np.array(peer["range"], dtype=np.int64).reshape(-1, 2)
    order = np.argsort(journeys[:, 0])
    dep, arr = journeys[order, 0], journeys[order, 1]
    best_after = np.minimum.accumulate(arr[::-1])[::-1]  # earliest arrival leaving at or after
    at = np.searchsorted(dep, ready_s, side="left")
    peer_arrival = np.where(at < dep.size, best_after[np.minimum(at, dep.size - 1)], -1)
    ours_arrival = np.array([seconds(m) if np.isfinite(m) else -1 for m in peer_week.profile.arrival_min])
    minutes_equal = int((peer_arrival == ours_arrival).sum())
    real_arrival = np.array([seconds(m) if np.isfinite(m) else -1 for m in week.profile.arrival_min])
    later = int((real_arrival > peer_arrival).sum())

    figures = {
        "queries": len(queries),
        "agree_with_corridor_rules": agree_real,
        "agree_with_peer_rules": agree_rules,
        "differences_explained": explained,
        "differences_unexplained": len(unexplained),
        "unexplained_examples": unexplained[:5],
        "week_minutes": int(ready_s.size),
        "week_minutes_equal_peer_rules": minutes_equal,
        "week_minutes_later_with_corridor_rules": later,
        "corridor_week_profile_s": profile_s,
        "pyraptor_week_range_s": peer["range_s"],
        "week_speedup": peer["range_s"] / profile_s,
        "corridor_plan_per_query_ms": ours_s / len(queries) * 1000,
        "pyraptor_earliest_per_query_ms": peer["query_s"] / len(queries) * 1000,
        "pyraptor_trips": peer["trips"],
        "pyraptor_build_s": peer["build_s"],
        "pyraptor_departures_in_week_range": int(np.unique(dep).size),
    }
    print(
        f"pyraptor {PEER_REQUIREMENTS[0].split('==')[1]} on the exported baseline feed ({peer['trips']:,} "
        f"passenger trips expanded, built in {peer['build_s']:.2f} s)"
    )
    print(f"  earliest arrival, {len(queries)} questions between {', '.join(HUBS)}:")
    print(
        f"    equal with the peer's rules (no check-in, connection times, links)  "
        f"{agree_rules} / {len(queries)}"
    )
    print(
        f"    equal with corridor's rules                                          "
        f"{agree_real} / {len(queries)}"
    )
    print(
        f"    differences explained by a rule pyraptor lacks                       "
        f"{sum(explained.values())} ({', '.join(f'{k}: {v}' for k, v in explained.items()) or 'none'})"
    )
    print(f"    unexplained                                                          {len(unexplained)}")
    print(f"  week profile NQZ -> VNO ({ready_s.size:,} ready minutes, {np.unique(dep).size} departures):")
    print(
        f"    minutes equal with the peer's rules  {minutes_equal:,} / {ready_s.size:,}; later with "
        f"corridor's rules {later:,}"
    )
    print(
        f"    corridor profile {profile_s * 1000:8.1f} ms   "
        f"pyraptor range query {peer['range_s'] * 1000:8.1f} ms   "
        f"ratio {figures['week_speedup']:.0f} x (target >= 10 x)"
    )
    print(
        f"  single questions: corridor plan (Pareto set) {figures['corridor_plan_per_query_ms']:.1f} ms, "
        f"pyraptor earliest arrival {figures['pyraptor_earliest_per_query_ms']:.1f} ms"
    )
    return figures
