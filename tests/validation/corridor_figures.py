"""The cargo corridor's figures that publications give, measured on simulation records.

Each figure is computed per replication from the records (unit records, station waits and
container departures), so its mean and 95% interval over replications can be set against the
published range (../shared/FACTS.md gives each source). ``python tests/validation/
corridor_figures.py [SCENARIO] [REPLICATIONS]`` prints the table docs/simulation.md quotes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corridor.kernels.stats import mean_ci
from corridor.units import MIN_PER_DAY, MIN_PER_HOUR


@dataclass(frozen=True)
class Published:
    """A published range (low, high) in the figure's unit, and where it comes from."""

    name: str
    unit: str
    low: float
    high: float
    source: str


PUBLISHED = {
    "xian_duisburg": Published("Xi'an -> Duisburg in transit", "d", 12.0, 14.0,
                               "FACTS: 12-14 d standard (the 13 d speed train of 2024 is the "
                               "issue's, not FACTS's)"),
    "chongqing_duisburg": Published("Chongqing -> Duisburg in transit", "d", 16.0, 18.0,
                                    "FACTS: 16 d (iChongqing 2024); 16-18 d (navisgroup 2025); "
                                    "18 d Jun-Jul 2022"),
    "xian_vilnius": Published("Xi'an -> Vilnius in transit", "d", 7.0, 9.0,
                              "FACTS: Xi'an-Vilnius ~8 d over ~9,000 km, weekly from Sep 2020 "
                              "(newsilkroaddiscovery.com), taken as 7-9"),
    "border_wait": Published("Wait at the Brest-Malaszewicze border", "d", 2.0, 3.0,
                             "FACTS: border wait 2-3 d, often 5 (railtech.com)"),
    "cn_kz_crossing": Published("China-Kazakhstan border crossing", "h", 27.6, 37.3,
                                "FACTS: CAREC corridor 1, 27.6 h (2019) -> 37.3 h (2020)"),
    "border_to_border": Published("Chinese border -> EU border", "d", 6.0, 8.0,
                                  "FACTS: 6-8 d; ERAI 7.31 d (index1520.com, 2024)"),
    "poland_germany": Published("Poland -> Germany, extra days", "d", 5.0, 6.0,
                                "computed from FACTS: China -> Poland 13-15 d, -> Germany 18-21 d "
                                "(index1520.com, 2024), end for end (3-8 d range to range)"),
    "middle_baku": Published("Middle Corridor: Xi'an -> Baku (Alat)", "d", 10.0, 12.0,
                             "FACTS: Xi'an-Baku 11 d (Trend, 15 Jan 2024), +-1 d"),
    "middle_black_sea": Published("Middle Corridor: China -> Black Sea port (Poti)", "d", 19.0, 23.0,
                                  "FACTS: China to Black Sea ports 19-23 d (2023)"),
    "middle_constanta": Published("Middle Corridor: Xi'an -> Constanta in transit", "d", 31.0, 34.0,
                                  "FACTS: official 31-34 d to Constanta (navisgroup, 27 Aug 2025)"),
}


def _first(unit: np.ndarray, place: np.ndarray, minute: np.ndarray, where: set[int]) -> dict[int, float]:
    """Each unit's first minute at one of the places ``where``."""
    out: dict[int, float] = {}
    for u, p, t in zip(unit.tolist(), place.tolist(), minute.tolist(), strict=True):
        if p in where and u not in out:
            out[u] = t
    return out


def replication_figures(rec: Any) -> dict[str, float]:
    """The figures of one replication (NaN when no container made the trip)."""
    places = {name: k for k, name in enumerate(rec.places)}
    u = rec.units
    window = u["created_min"] >= rec.warmup_min
    kept = set(np.flatnonzero(window).tolist())
    sw, dep = rec.station_waits, rec.departures
    arrive = lambda *names: _first(sw["unit"], sw["place"], sw["arrive_min"], {places[n] for n in names})  # noqa: E731
    leave = lambda *names: _first(dep["unit"], dep["place"], dep["depart_min"], {places[n] for n in names})  # noqa: E731

    def span(a: dict[int, float], b: dict[int, float], scale: float) -> float:
        both = [(b[k] - a[k]) / scale for k in a.keys() & b.keys() if k in kept]
        return float(np.mean(both)) if both else float("nan")

    flows = {name: k for k, name in enumerate(rec.flows)}
    delivered = u["status"] == 4
    transit = (u["arrival_min"] - u["first_departure_min"]) / MIN_PER_DAY

    def flow_transit(name: str) -> float:
        sel = window & delivered & (u["flow"] == flows[name]) if name in flows else np.zeros(0, bool)
        return float(transit[sel].mean()) if sel.any() else float("nan")

    leave_origin = {int(k): float(t) for k, t in zip(u["id"].tolist(), u["first_departure_min"].tolist(),
                                                      strict=True) if np.isfinite(t)}
    at_duisburg = {int(k): float(t) for k, t, d in zip(u["id"].tolist(), u["arrival_min"].tolist(),
                                                        (delivered & (u["flow"] >= 0)).tolist(), strict=True)
                   if d and "DUISBURG" in places and int(u["place"][k]) == places["DUISBURG"]}
    return {
        "xian_duisburg": flow_transit("FEU-XIAN-DUISBURG"),
        "chongqing_duisburg": flow_transit("FEU-CHONGQING-DUISBURG"),
        "xian_vilnius": flow_transit("FEU-XIAN-VILNIUS"),
        "border_wait": span(arrive("BREST"), leave("MALASZEWICZE"), MIN_PER_DAY),
        "cn_kz_crossing": span(arrive("ALASHANKOU", "KHORGOS"), leave("DOSTYK", "ALTYNKOL"), MIN_PER_HOUR),
        "border_to_border": span(arrive("DOSTYK", "ALTYNKOL"), arrive("BREST", "KENA"), MIN_PER_DAY),
        "poland_germany": span(arrive("MALASZEWICZE"), at_duisburg, MIN_PER_DAY),
        "middle_baku": span(leave_origin, arrive("ALAT"), MIN_PER_DAY),
        "middle_black_sea": span(leave_origin, arrive("POTI"), MIN_PER_DAY),
        "middle_constanta": flow_transit("FEU-XIAN-CONSTANTA"),
    }


def figures(result: Any) -> dict[str, np.ndarray]:
    """Every figure, one value per replication."""
    per_rep = [replication_figures(rec) for rec in result.records]
    return {key: np.array([r[key] for r in per_rep]) for key in PUBLISHED}


def table(result: Any) -> list[tuple[Published, Any, bool]]:
    """(published, model estimate, whether the model's 95% interval meets the published range)."""
    rows = []
    for key, values in figures(result).items():
        pub = PUBLISHED[key]
        est = mean_ci(values[np.isfinite(values)])
        meets = bool(np.isfinite(est.mean) and est.high >= pub.low and est.low <= pub.high)
        rows.append((pub, est, meets))
    return rows


def main(argv: list[str]) -> int:
    from corridor import simulate
    from corridor.scenario import load_scenario

    root = Path(__file__).resolve().parents[2]
    path = Path(argv[0]) if argv else root / "scenarios" / "baseline.yaml"
    reps = int(argv[1]) if len(argv) > 1 else 5
    result = simulate(load_scenario(path), replications=reps)
    print(f"| figure | published | model ({path.name}, {reps} replications, mean [95% CI]) | inside |")
    print("|---|---|---|---|")
    for pub, est, meets in table(result):
        print(f"| {pub.name} | {pub.low:g}-{pub.high:g} {pub.unit} | {est.mean:.2f} [{est.low:.2f}, "
              f"{est.high:.2f}] {pub.unit} | {'yes' if meets else 'NO'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
