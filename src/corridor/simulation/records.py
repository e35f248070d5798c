"""Records of one replication as columns (NumPy arrays), and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np

from corridor.errors import CorridorError
from corridor.simulation.engine import Replication
from corridor.simulation.entities import STATUS_NAMES, TRIP_FIELDS, Unit
from corridor.simulation.gateways import Forecast
from corridor.units import MIN_PER_DAY

#: The per-unit columns of :attr:`Records.units` read from a field of :class:`Unit`, and their
#: types (``station_min``, the last column, adds up the unit's station waits).
UNIT_FIELDS: dict[str, type] = {
    "id": np.int64, "flow": np.int64, "pax": bool, "created_min": np.float64,
    "planned_arrival_min": np.float64, "first_departure_min": np.float64, "arrival_min": np.float64,
    "missed": np.int64, "rebooked": np.int64, "cost_usd": np.float64, "co2_kg": np.float64,
    "status": np.int64, "place": np.int64, "gateway": np.int64,
}


@dataclass
class Records:
    """Everything a replication leaves behind, one array per field."""

    replication: int
    horizon_min: float
    end_min: float
    warmup_min: float
    flows: tuple[str, ...]
    places: tuple[str, ...]
    units: dict[str, np.ndarray]
    stations: dict[str, dict[str, Any]]
    station_waits: dict[str, np.ndarray]
    trips_run: int
    trips_cancelled: int
    events: int
    services: tuple[str, ...] = ()
    trips: dict[str, np.ndarray] | None = None  # one column per field of TripRecord
    #: every container's departures on a vehicle (trip or dispatched): unit, place, minute
    departures: dict[str, np.ndarray] | None = None
    #: per fleet: its vehicles, and when each formed vehicle asked for one and got it
    fleets: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: per dispatched service with daily departure paths: paths a day, and paths taken per day
    paths: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the services that leave when full or at a cut-off (their trips in ``trips`` are vehicles sent)
    dispatched: tuple[str, ...] = ()
    #: per flow (as ``flows``): does it carry passengers? (from the scenario, not from the units
    #: made: a flow may make none in a replication)
    flow_pax: tuple[bool, ...] = ()
    #: per block of a flow with gateway choice: its flow and gateway, when it chose, when its
    #: forecast said its last container would leave the gateway (``forecast_min``, the gateway's
    #: learnt correction, ``correction_min``, included), its containers, and when the last left
    #: (NaN: not all did)
    gateway_blocks: dict[str, np.ndarray] = field(default_factory=dict)
    #: per flow (as ``flows``): the gateways it chooses among (its ``gateways.via``), empty for
    #: a flow that does not choose; from the scenario, so a gateway nobody took is still named
    flow_gateways: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def of(cls, rep: Replication, events: int) -> Records:
        stations = {}
        for p, st in rep.stations.items():
            if st.servers:
                stations[rep.tt.places[p]] = {"servers": st.servers, **st.log()}
        return cls.build(
            replication=rep.streams.replication, horizon_min=rep.horizon_min, end_min=rep.end_min,
            warmup_min=rep.scenario.run.warmup_days * MIN_PER_DAY, flows=tuple(f.id for f in rep.flows),
            places=rep.tt.places, units=rep.units, stations=stations, station_waits=rep.station_waits,
            trips_run=rep.trips_run, trips_cancelled=rep.trips_cancelled, events=events,
            services=rep.tt.services, trips=trip_columns(rep), departures=rep.departures,
            fleets={name: {"vehicles": fleet.vehicles, **fleet.log()}
                    for name, fleet in rep.dispatch.fleets.items()},
            paths=rep.dispatch.path_log(),
            dispatched=tuple(s.id for s in rep.scenario.services if s.dispatch is not None),
            flow_pax=tuple(f.kind == "passenger" for f in rep.flows),
            gateway_blocks=_block_columns(rep.gateways.forecasts),
            flow_gateways=tuple(tuple(f.gateways.via) if f.gateways is not None else () for f in rep.flows),
        )

    @classmethod
    def build(cls, *, replication: int, horizon_min: float, end_min: float, warmup_min: float,
              flows: tuple[str, ...], places: tuple[str, ...], units: list[Unit],
              stations: dict[str, dict[str, Any]], station_waits: list[tuple[list[int], int, float, float]],
              trips_run: int, trips_cancelled: int, events: int, services: tuple[str, ...] = (),
              trips: dict[str, np.ndarray],
              departures: list[tuple[list[int], int, float]] | None = None,
              fleets: dict[str, dict[str, Any]] | None = None,
              paths: dict[str, dict[str, Any]] | None = None,
              dispatched: tuple[str, ...] = (), flow_pax: tuple[bool, ...] = (),
              gateway_blocks: dict[str, np.ndarray] | None = None,
              flow_gateways: tuple[tuple[str, ...], ...] = ()) -> Records:
        """Records from units (ordered by id), station logs and the station-wait log (per visit
        of a loaded vehicle: its units' ids, the place, arrival and minutes there)."""
        # each column read straight into its array (attrgetter and fromiter loop in C)
        units_cols: dict[str, np.ndarray] = {
            name: np.fromiter(map(attrgetter(name), units), dtype=kind, count=len(units))
            for name, kind in UNIT_FIELDS.items()}
        waits = _wait_columns(station_waits)
        # minutes at stations: each unit's waits added up in the order they happened (add.at is
        # unbuffered), the sum a running total would give
        units_cols["station_min"] = np.zeros(len(units))
        np.add.at(units_cols["station_min"], waits["unit"], waits["station_min"])
        return cls(
            replication=replication,
            horizon_min=horizon_min,
            end_min=end_min,
            warmup_min=warmup_min,
            flows=flows,
            places=places,
            units=units_cols,
            stations=stations,
            station_waits=waits,
            trips_run=trips_run,
            trips_cancelled=trips_cancelled,
            events=events,
            services=services,
            trips=trips,
            departures=_departure_columns(departures or []),
            fleets=fleets or {},
            paths=paths or {},
            dispatched=dispatched,
            flow_pax=flow_pax,
            gateway_blocks=gateway_blocks or _block_columns([]),
            flow_gateways=flow_gateways,
        )

    def to_frame(self, epoch: dt.datetime) -> Any:
        """One row per unit (passenger or container) of this replication; a pandas DataFrame
        with columns :data:`UNIT_COLUMNS`. ``epoch`` is the scenario's time zero
        (``scenario.run.epoch``), which turns minutes into timezone-aware UTC timestamps."""
        import pandas as pd

        if not isinstance(epoch, dt.datetime) or epoch.tzinfo is None:  # NaT everywhere, or pandas' error
            raise CorridorError(f"to_frame: epoch is the scenario's time zero, a timezone-aware datetime "
                                f"(scenario.run.epoch), not {epoch!r}")
        u = self.units
        start = pd.Timestamp(epoch).tz_convert("UTC")

        def stamp(minutes: np.ndarray) -> Any:
            finite = np.where(np.isfinite(minutes), minutes, np.nan)
            return start + pd.to_timedelta(finite, unit="min")

        arrived = np.isfinite(u["arrival_min"])
        frame = pd.DataFrame({
            "replication": np.full(u["id"].size, self.replication, dtype=np.int64),
            "unit": u["id"],
            "flow": [self.flows[f] for f in u["flow"]],
            "kind": np.where(u["pax"], "pax", "feu"),
            "status": [STATUS_NAMES[s] for s in u["status"]],
            "place": [self.places[p] for p in u["place"]],
            "created_utc": stamp(u["created_min"]),
            "first_departure_utc": stamp(u["first_departure_min"]),
            "planned_arrival_utc": stamp(u["planned_arrival_min"]),
            "arrival_utc": stamp(u["arrival_min"]),
            "door_to_door_min": np.where(arrived, u["arrival_min"] - u["created_min"], np.nan),
            "station_min": u["station_min"],
            "missed": u["missed"],
            "rebooked": u["rebooked"],
            "cost_usd": u["cost_usd"],
            "co2_kg": u["co2_kg"],
        })
        return frame[list(UNIT_COLUMNS)]

    def write_csv(self, folder: Path) -> list[Path]:
        """units.csv, station_visits.csv and station_waits.csv for this replication."""
        r = self.replication
        written = []
        path = folder / f"units_rep{r}.csv"
        u = self.units
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "flow", "kind", "created_min", "planned_arrival_min", "first_departure_min",
                        "arrival_min", "missed", "rebooked", "cost_usd", "co2_kg", "station_min",
                        "status", "place", "gateway"])
            gateway = u.get("gateway")
            for k in range(u["id"].size):
                w.writerow([u["id"][k], self.flows[u["flow"][k]], "pax" if u["pax"][k] else "feu",
                            _num(u["created_min"][k]), _num(u["planned_arrival_min"][k]),
                            _num(u["first_departure_min"][k]), _num(u["arrival_min"][k]),
                            u["missed"][k], u["rebooked"][k], _num(u["cost_usd"][k]), _num(u["co2_kg"][k]),
                            _num(u["station_min"][k]), STATUS_NAMES[u["status"][k]],
                            self.places[u["place"][k]],
                            # the gateway a container chose; empty for the others and one not chosen yet
                            self.places[gateway[k]] if gateway is not None and gateway[k] >= 0 else ""])
        written.append(path)
        path = folder / f"station_visits_rep{r}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            # leave_min: the end of service plus any customs hold, when the vehicle leaves; a
            # vehicle still there when the run ends keeps the times its admission set, past the
            # end, and at_end says where it stood then (empty: it had left)
            w.writerow(["station", "arrive_min", "start_min", "end_min", "leave_min", "units", "at_end"])
            for name, log in self.stations.items():
                leave = log.get("leave_min", log["end_min"])
                for k in range(log["arrive_min"].size):
                    w.writerow([name, _num(log["arrive_min"][k]), _num(log["start_min"][k]),
                                _num(log["end_min"][k]), _num(leave[k]), log["units"][k],
                                _at_end(float(log["start_min"][k]), float(log["end_min"][k]),
                                        float(leave[k]), self.end_min)])
        written.append(path)
        path = folder / f"station_waits_rep{r}.csv"
        sw = self.station_waits
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["unit", "station", "arrive_min", "station_min"])
            for k in range(sw["unit"].size):
                w.writerow([sw["unit"][k], self.places[sw["place"][k]], _num(sw["arrive_min"][k]),
                            _num(sw["station_min"][k])])
        written.append(path)
        return written


def _at_end(start_min: float, end_min: float, leave_min: float, run_end_min: float) -> str:
    """Where a station visit stood when the run ended: ``queued``, ``in service``, ``held`` (by
    customs, after service), or ``""`` when the vehicle had left. The run stops before the
    events of its last minute, so a step due at that minute has not happened (as the KPIs
    count it: ``queue_at_end`` counts a visit starting then as queued).

    >>> [_at_end(10, 20, 30, t) for t in (5, 10, 15, 20, 25, 30, 35)]
    ['queued', 'queued', 'in service', 'in service', 'held', 'held', '']
    """
    if leave_min < run_end_min:
        return ""
    if end_min < run_end_min:
        return "held"
    return "in service" if start_min < run_end_min else "queued"


def _wait_columns(visits: list[tuple[list[int], int, float, float]]) -> dict[str, np.ndarray]:
    """One row per unit and visit, in the order of the visits and of the units in each."""
    counts = np.array([len(v[0]) for v in visits], dtype=np.int64)
    units = np.fromiter(chain.from_iterable(v[0] for v in visits), dtype=np.int64, count=int(counts.sum()))
    return {"unit": units,
            "place": np.repeat(np.array([v[1] for v in visits], dtype=np.int64), counts),
            "arrive_min": np.repeat(np.array([v[2] for v in visits], dtype=np.float64), counts),
            "station_min": np.repeat(np.array([v[3] for v in visits], dtype=np.float64), counts)}


def _departure_columns(vehicles: list[tuple[list[int], int, float]]) -> dict[str, np.ndarray]:
    """One row per container and vehicle it left on (ids, place, minute per vehicle), in order."""
    counts = np.array([len(v[0]) for v in vehicles], dtype=np.int64)
    units = np.fromiter(chain.from_iterable(v[0] for v in vehicles), dtype=np.int64, count=int(counts.sum()))
    return {"unit": units, "place": np.repeat(np.array([v[1] for v in vehicles], dtype=np.int64), counts),
            "depart_min": np.repeat(np.array([v[2] for v in vehicles], dtype=np.float64), counts)}


#: The columns of :meth:`Records.to_frame`, one row per unit: ``replication``; ``unit`` (its
#: id); ``flow`` (demand id); ``kind`` (pax or feu); ``status`` (where it ended: delivered,
#: waiting, ...); ``place`` (where it is at the end); ``created_utc``, ``first_departure_utc``,
#: ``planned_arrival_utc`` and ``arrival_utc`` (timezone-aware UTC timestamps, NaT where the
#: unit never got that far); ``door_to_door_min`` (arrival less creation, NaN if not
#: delivered); ``station_min`` (minutes queued at stations); ``missed`` and ``rebooked``
#: (connections missed, bookings changed); ``cost_usd`` and ``co2_kg`` (what it paid and
#: emitted).
UNIT_COLUMNS = ("replication", "unit", "flow", "kind", "status", "place", "created_utc",
                "first_departure_utc", "planned_arrival_utc", "arrival_utc", "door_to_door_min",
                "station_min", "missed", "rebooked", "cost_usd", "co2_kg")


def _block_columns(forecasts: list[Forecast]) -> dict[str, np.ndarray]:
    return {
        "flow": np.array([f.flow for f in forecasts], dtype=np.int64),
        "gateway": np.array([f.gateway for f in forecasts], dtype=np.int64),
        "chose_min": np.array([f.chose_min for f in forecasts], dtype=np.float64),
        "forecast_min": np.array([f.leave_min + f.correction_min for f in forecasts], dtype=np.float64),
        "correction_min": np.array([f.correction_min for f in forecasts], dtype=np.float64),
        "feu": np.array([f.feu for f in forecasts], dtype=np.int64),
        "left_min": np.array([f.left_min for f in forecasts], dtype=np.float64),
    }


def _num(x: float) -> str:
    return "" if not np.isfinite(x) else f"{x:.3f}"


def trip_columns(rep: Replication) -> dict[str, np.ndarray]:
    """Every trip started and dispatched vehicle sent, as columns of :data:`TRIP_FIELDS`,
    in the order they started: by minute, at each minute the dispatched vehicles first
    (they leave at ordinary events), in the order they left, then the trips by number
    (they start at their :data:`.engine.LATE` priorities). Those the replication logged
    (:meth:`.Replication._log_trip`), and the idle trips never woken that started before the end."""
    live = rep.trip_log
    columns: dict[str, list[np.ndarray]] = {
        name: [np.array([getattr(t, name) for t in live], dtype=np.float64)] for name in TRIP_FIELDS}
    minute = [np.array([now for now, _ in rep.trip_log_keys], dtype=np.float64)]
    number = [np.array([trip for _, trip in rep.trip_log_keys], dtype=np.int64)]
    for idle in rep.idle.blocks:
        kept = ~idle.woken & (idle.begins_min < rep.end_min)
        n = int(np.count_nonzero(kept))
        for name, values in (("service", np.full(n, idle.service)),
                             ("scheduled_min", idle.start_min[kept]), ("capacity", idle.capacity[kept]),
                             ("boarded", np.zeros(n)), ("peak_load", np.zeros(n)),
                             ("revenue_usd", np.zeros(n)), ("unit_km", np.zeros(n)),
                             ("through", np.zeros(n)),
                             ("arrival_delay_min", idle.arrival_delay_min[kept])):
            columns[name].append(values.astype(np.float64))
        minute.append(idle.begins_min[kept])
        number.append(idle.trips[kept])
    # by (minute, number), entries alike in both kept in the order they were logged
    order = np.lexsort((np.concatenate(number), np.concatenate(minute)))
    out = {name: np.concatenate(parts)[order] for name, parts in columns.items()}
    for name in ("service", "capacity", "boarded", "peak_load", "through"):
        out[name] = out[name].astype(np.int64)
    # the vehicle's CO2: every seat or slot at its service's per-unit figure over the whole
    # route; a flight flies on schedule full or empty, a cargo train or vehicle only with a
    # load (an empty timetabled cargo trip is no traffic: :meth:`.Replication._passes_empty`)
    service = out["service"]
    pax = np.array([u == "pax" for u in rep.tt.service_unit], dtype=bool)
    runs = (out["capacity"] > 0) & (pax[service] | (out["boarded"] > 0))
    out["vehicle_co2_kg"] = np.where(runs, out["capacity"] * _unit_co2_kg(rep)[service], 0.0)
    return out

def _unit_co2_kg(rep: Replication) -> np.ndarray:
    """Per service: the CO2 of one unit over its whole route (a timetabled service's
    segments, a dispatched one's row of the link table)."""
    tt = rep.tt
    out = np.zeros(len(tt.services))
    for s, starts in enumerate(tt.service_starts):
        if starts.size:
            out[s] = tt.co2_kg[tt.rows_of_trip(rep.first_trip[s])].sum()
    rows = np.flatnonzero(tt.links.service >= 0)
    out[tt.links.service[rows]] = tt.links.co2_kg[rows]
    return out
