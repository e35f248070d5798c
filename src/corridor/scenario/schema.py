"""The validated scenario model: what a scenario file may say, with units in the names.

Each section is a list of items with an ``id`` (places, services, links, demand,
disruptions) or a single mapping (run). Models are frozen and forbid unknown keys. Checks
that need the whole scenario (references between sections, unique ids, the size of a run)
live in :mod:`corridor.scenario.checks` so each problem keeps its own location.

Every number has bounds, physically sensible and generous, so that what validates can be
planned and simulated (docs/scenarios.md, "Limits", gives the reasons): the constants below.
Dates are written as text (``2027-03-01``), never as numbers, and lie in
:data:`FIRST_DATE` .. :data:`LAST_DATE`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from corridor.scenario.distributions import MAX_MINUTES, Distribution
from corridor.scenario.source import shown
from corridor.timezone import close_zone, zone

# ---- bounds (docs/scenarios.md, "Limits") --------------------------------------------------
#: Dates and instants anywhere in a scenario: 1990-01-01 to 2100-12-31.
FIRST_DATE = dt.date(1990, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
MAX_HORIZON_DAYS = 3650  # ten years
MAX_DRAIN_DAYS = 3650
MAX_REPLICATIONS = 1000
MAX_SEED = 2**63 - 1
MAX_CAPACITY = 100_000  # units per departure (the largest container ship carries ~12,000 FEU)
MAX_SERVERS = 1000
MAX_BACKGROUND_PER_DAY = 10_000.0  # vehicles a day: one every 9 seconds
MIN_RATE = 0.001  # least per_week or background_per_day that is not zero (~ one in 20 years)
MAX_PER_WEEK = 10_000_000.0
MIN_HEADWAY_MIN, MAX_HEADWAY_MIN = 1.0, 1440.0
MIN_SPEED_KPH, MAX_SPEED_KPH = 1.0, 3000.0  # walking pace to beyond Concorde
MAX_DISTANCE_KM = 100_000.0  # two and a half times round the Earth
MAX_COST_USD = 10_000_000.0  # per unit
# least logit scale: a tenth of a cent already picks the cheapest alternative in all but name, and
# costs over a scale near 1e-305 overflow to -inf for every alternative (no choice left to draw)
MIN_SCALE_USD = 0.001
MAX_COST_USD_PER_UNIT_KM = 10_000.0
MAX_CO2_KG = 1_000_000.0  # per unit
MAX_CO2_G_PER_UNIT_KM = 10_000_000.0
MAX_STOPS = 1000
MAX_PATHS_PER_DAY = 1440  # departure paths a day: one a minute
MAX_SEASON_FACTOR = 100.0  # a month's demand against the flow's per_week
MAX_WAYPOINTS = 1000
MAX_NAME_CHARS = 200  # a scenario's name heads every report and table
#: Most items in each section.
MAX_ITEMS = {"places": 10_000, "services": 20_000, "links": 20_000, "demand": 10_000, "disruptions": 10_000,
             "fleets": 1_000}

def _whole_number_input(value: Any) -> Any:
    """true/false and text are not whole numbers (pydantic would read ``true`` as 1 and
    ``'1_80'`` as 180); a number with a point still is one when it is whole (``180.0``)."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a whole float past 64 bits then meets the field's bound, not a parse error
    return value


#: On every whole-number field; every other number field is strict (true/false and text
#: refused, whole numbers accepted).
WHOLE = BeforeValidator(_whole_number_input)

#: Characters a terminal or an editor acts on rather than shows: bidirectional embeddings,
#: overrides and isolates (the other control characters are Unicode's category Cc)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown_as_written(value: str, allowed: str = "") -> str:
    """``value``, refused if it holds a control character (but ``allowed``): text that names and
    describes is printed as it is, and an escape sequence or a right-to-left override there
    would rewrite the terminal or the order of what follows it.

    >>> _shown_as_written("Xi'an – Małaszewicze")
    "Xi'an – Małaszewicze"
    >>> _shown_as_written("abc\u202edef")
    Traceback (most recent call last):
    ...
    ValueError: holds the control character U+202E; write the text without it (got 'abc\u202edef')
    """
    for c in value:
        if c not in allowed and (c in BIDI_CONTROLS or unicodedata.category(c) == "Cc"):
            raise ValueError(f"holds the control character U+{ord(c):04X}; write the text without it "
                             f"(got {shown(value)})")
    return value


#: What ends a line besides the control characters (refused anyway): Unicode's line and
#: paragraph separators, which terminals and tables break lines at too
LINE_BREAKS = "\n\r\u2028\u2029"


def _is_one_line(value: str) -> bool:
    """Whether ``value`` is one line of 1 to MAX_NAME_CHARS characters with something to see: a
    letter, digit, punctuation or symbol (not only spaces, or zero-width characters such as
    U+200B and U+2060, which showed as an empty name).

    >>> _is_one_line("Kena"), _is_one_line("\u200b"), _is_one_line(" \u2060\u200e ")
    (True, False, False)
    """
    return (any(unicodedata.category(c)[0] in "LNPS" for c in value) and len(value) <= MAX_NAME_CHARS
            and not any(c in value for c in LINE_BREAKS))


def _one_line(value: str) -> str:
    """A name shown in tables, headings and map labels: one line of 1 to MAX_NAME_CHARS."""
    if not _is_one_line(value):
        raise ValueError(f"a name is one line of 1 to {MAX_NAME_CHARS} characters (got {shown(value)})")
    return _shown_as_written(value)


#: Free text (a description): any lines, no control character but tabs and line ends.
Text = Annotated[str, AfterValidator(lambda value: _shown_as_written(value, "\t\n\r"))]


#: The name of a place, a service, an operator: one line of 1 to 200 characters.
Label = Annotated[str, AfterValidator(_one_line)]

Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False, strict=True)]
PositiveMinutes = Annotated[float, Field(gt=0, le=MAX_MINUTES, allow_inf_nan=False, strict=True)]
Km = Annotated[float, Field(gt=0, le=MAX_DISTANCE_KM, allow_inf_nan=False, strict=True)]
Speed = Annotated[float, Field(ge=MIN_SPEED_KPH, le=MAX_SPEED_KPH, allow_inf_nan=False, strict=True)]
CostUsd = Annotated[float, Field(ge=0, le=MAX_COST_USD, allow_inf_nan=False, strict=True)]
Co2Kg = Annotated[float, Field(ge=0, le=MAX_CO2_KG, allow_inf_nan=False, strict=True)]
CostPerKm = Annotated[float, Field(ge=0, le=MAX_COST_USD_PER_UNIT_KM, allow_inf_nan=False, strict=True)]
Co2PerKm = Annotated[float, Field(ge=0, le=MAX_CO2_G_PER_UNIT_KM, allow_inf_nan=False, strict=True)]
Headway = Annotated[float, Field(ge=MIN_HEADWAY_MIN, le=MAX_HEADWAY_MIN, allow_inf_nan=False, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False, strict=True)]
Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)]
#: Twelve monthly factors, January first, that multiply a rate in that month (UTC calendar).
Seasonality = Annotated[
    list[Annotated[float, Field(ge=0, le=MAX_SEASON_FACTOR, allow_inf_nan=False, strict=True)]],
    Field(min_length=12, max_length=12)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False, strict=True)]
LatLon = tuple[Lat, Lon]


#: Text pydantic would read as seconds since 1970, as it reads a number.
_SECONDS = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _not_a_number(value: Any) -> Any:
    """Dates are text: a number would be read as seconds since 1970 (``start: 20270301`` is
    not 1 March 2027), and so would text that is one (``start: '1803513600'`` is not
    25 February 2027 either)."""
    if isinstance(value, int | float) or (isinstance(value, str) and _SECONDS.fullmatch(value)):  # bool too
        got = shown(value) if isinstance(value, str) else repr(value)
        raise ValueError(f"a date is written as text, YYYY-MM-DD, not as a number (got {got})")
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"date {value.isoformat()} is outside {FIRST_DATE.year} to {LAST_DATE.year}")
    return value


_FIRST_INSTANT = dt.datetime.combine(FIRST_DATE, dt.time(0, 0), tzinfo=dt.UTC)
_END_INSTANT = dt.datetime.combine(LAST_DATE + dt.timedelta(days=1), dt.time(0, 0), tzinfo=dt.UTC)


def _instant_in_range(value: dt.datetime) -> dt.datetime:
    # the year first: converting year 9999 with a negative offset to UTC would overflow
    if not (FIRST_DATE.year - 1 < value.year < LAST_DATE.year + 1 and _FIRST_INSTANT <= value < _END_INSTANT):
        raise ValueError(f"instant {value.isoformat()} is outside {FIRST_DATE.year} to {LAST_DATE.year}")
    return value


Date = Annotated[dt.date, BeforeValidator(_not_a_number), AfterValidator(_date_in_range)]
Instant = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_instant_in_range)]

PlaceKind = Literal[
    "airport", "rail_terminal", "border_station", "gauge_change_station", "port", "junction", "city"
]
ServiceMode = Literal["air", "rail", "ferry", "sea", "road"]
LinkMode = Literal["road", "transfer", "rail"]
Unit = Literal["pax", "feu"]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
Days = Literal["daily"] | Annotated[list[Weekday], Field(min_length=1, max_length=7)]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@lru_cache(maxsize=1)
def _airports() -> dict[str, dict[str, Any]]:
    import airportsdata

    return dict(airportsdata.load("IATA"))  # type: ignore[arg-type]


def airport_record(code: str) -> dict[str, Any] | None:
    """What the ``airportsdata`` package says of the airport with IATA code ``code``
    (``lat``, ``lon``, ``tz``, ``name``, ...), or None."""
    return _airports().get(code)


#: outlines of the countries the ``countryinfo`` package has none for (Hungary, Serbia,
#: Montenegro, Kosovo, Myanmar, Jamaica): Natural Earth's 1:110m, the scale of countryinfo's own
EXTRA_SHAPES = "country_shapes_extra.geojson"


@lru_cache(maxsize=1)
def country_shapes() -> dict[str, tuple[str, dict[str, Any]]]:
    """ISO 3166-1 alpha-2 code -> (name, GeoJSON geometry) for every country the
    ``countryinfo`` package ships a shape for, and those of :data:`EXTRA_SHAPES` it lacks
    (closed airspaces are named by these codes)."""
    import json
    from importlib.resources import files

    from countryinfo import CountryInfo

    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for info in CountryInfo.all().values():
        code = (info.get("ISO") or {}).get("alpha2")
        features = (info.get("geoJSON") or {}).get("features") or []
        if code and features:
            out[str(code).upper()] = (str(info.get("name", code)), features[0]["geometry"])
    extra = json.loads(files("corridor.scenario").joinpath(EXTRA_SHAPES).read_text(encoding="utf-8"))
    for feature in extra["features"]:
        code = feature["properties"]["iso_a2"]
        out.setdefault(code, (feature["properties"]["name"], feature["geometry"]))
    return out


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes the ``countryinfo`` package knows (251, with or without a
    shape), and XK, the code in common use for Kosovo."""
    from countryinfo import CountryInfo

    codes = {str((info.get("ISO") or {}).get("alpha2") or "").upper() for info in CountryInfo.all().values()}
    return frozenset(codes - {""} | {"XK"})


@lru_cache(maxsize=1)
def _alpha2_of() -> dict[str, str]:
    """An ISO 3166-1 alpha-3 code (``UZB``) or a country's name in lower case (``uzbekistan``)
    -> its alpha-2 code, as the ``countryinfo`` package has them: what a code that is none
    most likely meant."""
    from countryinfo import CountryInfo

    out: dict[str, str] = {}
    for name, info in CountryInfo.all().items():
        iso = info.get("ISO") or {}
        if iso.get("alpha2"):
            alpha2 = str(iso["alpha2"]).upper()
            out[str(name).lower()] = alpha2
            if iso.get("alpha3"):
                out[str(iso["alpha3"]).upper()] = alpha2
    return out


def _country(code: str) -> str:
    if code not in country_codes():
        meant = (code.upper() if code.upper() in country_codes()
                 else _alpha2_of().get(code.upper()) or _alpha2_of().get(code.strip().lower()))
        hint = f" (did you mean {meant!r}?)" if meant else ""
        raise ValueError(f"country {shown(code)} is not an ISO 3166-1 alpha-2 code (e.g. KZ, LT, PL){hint}")
    return code


def _closable_country(code: str) -> str:
    if code not in country_shapes():
        raise ValueError(f"country {code!r} is not an ISO 3166-1 alpha-2 code with a shape in "
                         "the countryinfo package or corridor's Natural Earth additions (e.g. RU, BY, UA)")
    return code


MAX_AIRSPACE_BUFFER_KM = 500.0
MAX_WIND_KPH = 300.0  # a mean wind along a whole route; jet-stream cores reach ~400 km/h


class Airspace(_Model):
    """Countries an air service may not overfly, by ISO code, kept ``buffer_km`` away from.

    Air services without hand ``waypoints`` fly the shortest path on the sphere that keeps out
    (corridor.network.airspace); hand waypoints are checked against it."""

    closed: Annotated[
        list[Annotated[str, Field(pattern=r"^[A-Z]{2}$"), AfterValidator(_closable_country)]],
        Field(max_length=250),
    ] = []
    buffer_km: Annotated[
        float, Field(ge=0, le=MAX_AIRSPACE_BUFFER_KM, allow_inf_nan=False, strict=True)] = 25.0

    @field_validator("closed")
    @classmethod
    def _each_once(cls, codes: list[str]) -> list[str]:
        twice = sorted({c for c in codes if codes.count(c) > 1})
        if twice:  # a slip (another country meant?) that closing it once would hide
            raise ValueError(f"{', '.join(twice)} given twice; list each country once")
        return codes


def clock_minutes(text: str) -> int:
    """Minutes after midnight of an ``HH:MM`` clock time."""
    match = _CLOCK.match(text)
    if match is None:
        raise ValueError(f"time {shown(text)} is not HH:MM (00:00 to 23:59)")
    return int(match.group(1)) * 60 + int(match.group(2))


def _clock_text(text: str) -> str:
    clock_minutes(text)
    return text


#: an ``HH:MM`` clock time, checked as an item: a bad one is located at its place in a list
ClockTime = Annotated[str, AfterValidator(_clock_text)]
#: how a service's ``cost_usd`` is charged: shared by distance, or whole at every boarding
FareBasis = Literal["distance", "boarding"]


class CustomsHold(_Model):
    """Customs holds at a station: each loaded vehicle, after its service, is held with
    ``probability`` for a time drawn from ``hold`` (off the servers: a siding, not a track)."""

    probability: Probability
    hold: Distribution


class Place(_Model):
    """An airport, terminal, border or gauge-change station, port, junction or city."""

    id: Id
    name: Label
    kind: PlaceKind
    # no pattern before the code's own check: it said "String should match pattern
    # '^[A-Z]{2}$'" of 'UZB' or 'kz', where the check names the code meant
    country: Annotated[str, AfterValidator(_country)]
    iata: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    lat: Lat
    lon: Lon
    tz: Annotated[str, Field(max_length=64)]
    min_connection_min: Minutes = 0.0
    checkin_min: Minutes = 0.0
    servers: Annotated[int, WHOLE, Field(ge=1, le=MAX_SERVERS)] | None = None
    service_time: Distribution | None = None
    background_per_day: Annotated[
        float, Field(ge=0, le=MAX_BACKGROUND_PER_DAY, allow_inf_nan=False, strict=True)] = 0.0
    background_seasonality: Seasonality | None = None
    customs: CustomsHold | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_airportsdata(cls, data: Any) -> Any:
        """Airports take missing coordinates and zone from airportsdata by IATA code."""
        if not isinstance(data, dict) or data.get("kind") != "airport":
            return data
        if all(k in data for k in ("lat", "lon", "tz")):
            return data
        code = data.get("iata", data.get("id"))
        if not isinstance(code, str):
            return data
        record = airport_record(code)
        if record is None:
            raise ValueError(
                f"IATA code {shown(code)} is not in airportsdata; give lat, lon and tz yourself"
            )
        filled = dict(data)
        filled.setdefault("iata", code)
        filled.setdefault("lat", float(record["lat"]))
        filled.setdefault("lon", float(record["lon"]))
        filled.setdefault("tz", record["tz"])
        return filled

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zone(value)
        except KeyError:
            close = close_zone(value)
            hint = f" (did you mean {close!r}?)" if close else ""
            raise ValueError(f"unknown IANA time zone {value!r}{hint}") from None
        if value == "Factory":  # tzdata's zone for a clock nobody set ("-00"), no place keeps it
            raise ValueError("'Factory' is the zone of an unset clock, not of a place; give the "
                             "place's own zone (Asia/Almaty, Europe/Vilnius, ...)")
        return value

    @model_validator(mode="after")
    def _queue_complete(self) -> Place:
        if (self.servers is None) != (self.service_time is None):
            raise ValueError(
                "a station that queues needs both servers and service_time "
                f"(got servers={self.servers}, service_time="
                f"{'set' if self.service_time else None})"
            )
        return self

    @field_validator("background_per_day")
    @classmethod
    def _zero_or_a_rate(cls, value: float) -> float:
        if 0 < value < MIN_RATE:
            raise ValueError(f"background_per_day is 0 or at least {MIN_RATE} (got {value!r})")
        return value

    @model_validator(mode="after")
    def _background_needs_servers(self) -> Place:
        if self.background_per_day > 0 and self.servers is None:
            raise ValueError("background_per_day needs servers and service_time")
        if self.customs is not None and self.servers is None:
            raise ValueError("customs holds vehicles at a station: give servers and service_time")
        if self.background_seasonality is not None and self.background_per_day == 0:
            raise ValueError("background_seasonality needs background_per_day")
        if self.background_seasonality is not None and max(self.background_seasonality) == 0:
            raise ValueError("background_seasonality is 0 in every month: no outside traffic would come "
                             "(give background_per_day: 0)")
        return self

    @property
    def queues(self) -> bool:
        return self.servers is not None


def _days_once(value: str | list[str]) -> str | list[str]:
    if isinstance(value, list):
        twice = next((d for i, d in enumerate(value) if d in value[:i]), None)
        if twice is not None:  # a slip (another day meant?) that one day would hide
            raise ValueError(f"day {twice!r} is given twice; list each day once")
    return value


def _weekdays(days: str | Sequence[str]) -> tuple[int, ...]:
    """Weekday numbers (Monday = 0) of ``daily`` or a list of days."""
    if days == "daily":
        return tuple(range(7))
    return tuple(sorted({WEEKDAYS.index(d) for d in days}))


class Timetable(_Model):
    """Departures from the first stop in its local time: listed times or a headway."""

    days: Days = "daily"
    times: Annotated[list[ClockTime], Field(min_length=1, max_length=1440)] | None = None
    headway_min: Headway | None = None
    first: ClockTime = "00:00"
    last: ClockTime = "23:59"

    @field_validator("times")
    @classmethod
    def _clock_times(cls, values: list[str] | None) -> list[str] | None:
        seen: dict[int, str] = {}
        for text in values or []:
            minute = clock_minutes(text)
            if minute in seen:  # a slip (another time meant?) that one departure would hide
                same = "" if seen[minute] == text else f" (as {seen[minute]!r})"
                raise ValueError(f"time {text!r} is given twice{same}; list each departure once")
            seen[minute] = text
        return values

    @field_validator("days")
    @classmethod
    def _days_once(cls, value: str | list[str]) -> str | list[str]:
        return _days_once(value)

    @model_validator(mode="after")
    def _one_way(self) -> Timetable:
        if (self.times is None) == (self.headway_min is None):
            raise ValueError("give either times or headway_min (exactly one)")
        # they bound a headway; beside times they were ignored (the defaults, as a dump of a
        # scenario writes them, change nothing and pass)
        given = [k for k, default in (("first", 0), ("last", 1439))
                 if clock_minutes(getattr(self, k)) != default]
        if self.times is not None and given:
            raise ValueError(f"{' and '.join(given)} {'go' if len(given) > 1 else 'goes'} with headway_min; "
                             "with times, list every departure (over an extended scenario, write "
                             "null to clear it)")
        if self.headway_min is not None and clock_minutes(self.last) < clock_minutes(self.first):
            raise ValueError(f"last {self.last} is before first {self.first}")
        return self

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Weekday numbers (Monday = 0) on which the service runs."""
        return _weekdays(self.days)

    @property
    def clock_min(self) -> tuple[int, ...]:
        """Departure clock times in minutes after local midnight, sorted."""
        if self.times is not None:
            return tuple(sorted({clock_minutes(t) for t in self.times}))
        assert self.headway_min is not None
        start, end = clock_minutes(self.first), clock_minutes(self.last)
        count = math.floor((end - start) / self.headway_min + 1e-9) + 1
        # first + k x headway, to the nearest minute with halves up as every time is rounded
        # (network/segments.py), read as the decimal it was written as (5 x 2.3 is 11.5, not
        # binary's 11.4999...); not summed step by step, so no rounding error builds up
        return tuple(sorted({math.floor(start + k * self.headway_min + 0.5 + 1e-9) for k in range(count)}))


class Dispatch(_Model):
    """Unscheduled departures: a vehicle leaves when full, or ``cutoff_min`` after the first
    unit started waiting (0: at once with whatever is there)."""

    cutoff_min: Minutes = 0.0
    #: a daily pool of departure paths (UTC days): a vehicle ready when the day's paths are
    #: gone waits for the next day with one left (None: no limit)
    paths_per_day: Annotated[int, WHOLE, Field(ge=1, le=MAX_PATHS_PER_DAY)] | None = None
    #: the UTC weekdays that have those paths (a service three times a week, say); on the
    #: others none leaves. Needs ``paths_per_day``
    days: Days = "daily"
    #: the ``fleets`` entry whose vehicles it runs: a formed vehicle leaves only with one free
    fleet: Id | None = None

    @field_validator("days")
    @classmethod
    def _days_of_paths(cls, value: str | list[str], info: ValidationInfo) -> str | list[str]:
        # on the field (paths_per_day comes before it), so the problem is located at days
        if value != "daily" and "paths_per_day" in info.data and info.data["paths_per_day"] is None:
            raise ValueError("days are the weekdays of the departure paths: give paths_per_day too")
        return _days_once(value)

    @property
    def path_weekdays(self) -> tuple[int, ...]:
        """Weekday numbers (Monday = 0) of the UTC days with departure paths."""
        return _weekdays(self.days)


class Fleet(_Model):
    """Vehicles that dispatched services starting at one place share (the 1520 mm platform sets
    at a gauge-change station, say). A formed vehicle leaves only with one free, else waits for
    the first back; a vehicle is back ``return_factor`` x its service's running time plus
    ``turnaround_min`` after it was unloaded at the far end (it returns empty)."""

    id: Id
    vehicles: Annotated[int, WHOLE, Field(ge=1, le=MAX_CAPACITY)]
    return_factor: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False, strict=True)] = 1.0
    turnaround_min: Minutes = 0.0


class Economics(_Model):
    """What a trip of a service costs its operator: per block hour (first departure to last
    arrival) and per trip (a take-off and landing cycle, fees)."""

    cost_per_block_hour_usd: CostUsd
    cost_per_trip_usd: CostUsd = 0.0


def _valid_to_after_from(valid_to: dt.date | None, info: ValidationInfo) -> dt.date | None:
    """A validity period's end, not before its start: checked on ``valid_to`` (a field of its
    own, so the problem is located at its line, not at the item's or the file's start)."""
    valid_from = info.data.get("valid_from")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise ValueError(f"valid_to {valid_to} is before valid_from {valid_from}")
    return valid_to


class Service(_Model):
    """A connection along a sequence of stops: on a weekly timetable, or dispatched on demand."""

    id: Id
    name: Label | None = None
    operator: Label | None = None
    mode: ServiceMode
    unit: Unit
    stops: Annotated[list[Id], Field(min_length=2, max_length=MAX_STOPS)]
    timetable: Timetable | None = None
    dispatch: Dispatch | None = None
    duration_min: PositiveMinutes | None = None
    speed_kph: Speed | Annotated[list[Speed], Field(min_length=1, max_length=MAX_STOPS)] | None = None
    overhead_min: Minutes = 0.0
    dwell_min: Minutes = 0.0
    distance_km: Km | None = None
    circuity: Annotated[float, Field(ge=1.0, le=5.0, allow_inf_nan=False, strict=True)] = 1.0
    waypoints: Annotated[list[LatLon], Field(max_length=MAX_WAYPOINTS)] | None = None
    capacity: Annotated[int, WHOLE, Field(ge=1, le=MAX_CAPACITY)]
    cost_usd: CostUsd | None = None
    cost_usd_per_unit_km: CostPerKm | None = None
    # distance: a ride pays the share of cost_usd its distance bears to the whole; boarding:
    # every boarding pays cost_usd whole, however far it rides (a section tariff)
    fare_basis: FareBasis = "distance"
    co2_kg: Co2Kg | None = None
    co2_g_per_unit_km: Co2PerKm | None = None
    delay: Distribution | None = None
    # the share of each leg's timetabled running time a vehicle need not use (the timetable's
    # buffer): it arrives that much early when on time, and a late one makes that much up
    schedule_padding: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False, strict=True)] = 0.0
    valid_from: Date | None = None
    valid_to: Date | None = None
    economics: Economics | None = None
    # air only: closed airspace for this service (else the scenario's), and the take-off and
    # landing cycle's CO2 per unit on top of the per-km figure (docs/airspace.md)
    airspace: Airspace | None = None
    co2_kg_per_cycle: Co2Kg = 0.0
    wind_east_kph: Annotated[
        float, Field(ge=-MAX_WIND_KPH, le=MAX_WIND_KPH, allow_inf_nan=False, strict=True)] = 0.0

    @model_validator(mode="after")
    def _consistent(self) -> Service:
        if (self.timetable is None) == (self.dispatch is None):
            raise ValueError("give either timetable or dispatch (exactly one)")
        if self.dispatch is not None and len(self.stops) != 2:
            raise ValueError("a dispatched service has exactly two stops")
        if self.economics is not None and self.unit != "pax":
            raise ValueError("economics is for passenger services (unit pax): the airline view "
                             "counts seats and fares; a container service has none to show")
        if self.dispatch is not None and self.schedule_padding:
            raise ValueError("schedule_padding is for timetabled services (a dispatched one has none)")
        if self.dispatch is not None and (self.valid_from is not None or self.valid_to is not None):
            raise ValueError("valid_from and valid_to bound a timetable's days: a dispatched service "
                             "leaves on demand (close it for a while with a disruption)")
        if self.dispatch is not None and self.delay is not None:
            raise ValueError("delay is for timetabled services: a dispatched one leaves when full or "
                             "at its cut-off, with no timetable to be late on")
        if self.duration_min is None and self.speed_kph is None:
            raise ValueError("give either duration_min or speed_kph (exactly one): neither is given")
        if self.duration_min is not None and self.speed_kph is not None:
            # most often a speed merged from a shared mapping (<<: *air) beside the item's own
            # duration: the author sees one of the two in the item
            speed = (", ".join(f"{v:g}" for v in self.speed_kph) if isinstance(self.speed_kph, list)
                     else f"{self.speed_kph:g}")
            raise ValueError(f"give either duration_min or speed_kph (exactly one), not both (got "
                             f"duration_min {self.duration_min:g} and speed_kph {speed}); a key "
                             "merged with <<: is taken out by giving it null (speed_kph: null)")
        if self.co2_kg is not None and self.co2_g_per_unit_km is not None:
            raise ValueError("give co2_kg or co2_g_per_unit_km, not both")
        if self.cost_usd is not None and self.cost_usd_per_unit_km is not None:
            raise ValueError("give cost_usd or cost_usd_per_unit_km, not both")
        if self.fare_basis == "boarding" and self.cost_usd_per_unit_km is not None:
            raise ValueError("fare_basis boarding charges cost_usd whole at every boarding: "
                             "give cost_usd, not cost_usd_per_unit_km")
        if self.duration_min is not None and self.duration_min <= self.dwell_min * (len(self.stops) - 2):
            raise ValueError(
                f"duration_min {self.duration_min} leaves no running time after "
                f"{len(self.stops) - 2} dwells of {self.dwell_min} min"
            )
        if isinstance(self.speed_kph, list) and len(self.speed_kph) != len(self.stops) - 1:
            raise ValueError(
                f"speed_kph lists {len(self.speed_kph)} speeds for {len(self.stops) - 1} segments"
            )
        if self.waypoints and len(self.stops) != 2:
            raise ValueError("waypoints are for services with exactly two stops")
        if self.mode != "air" and (self.airspace is not None or self.wind_east_kph or self.co2_kg_per_cycle):
            raise ValueError("airspace, wind_east_kph and co2_kg_per_cycle are for air services")
        if self.wind_east_kph:
            slowest = min(self.speed_kph) if isinstance(self.speed_kph, list) else self.speed_kph
            if slowest is None or abs(self.wind_east_kph) > slowest / 2:
                raise ValueError(f"wind_east_kph {self.wind_east_kph:g} needs speed_kph of at least twice "
                                 f"its size (got {slowest})")
        for a, b in zip(self.stops, self.stops[1:], strict=False):
            if a == b:
                raise ValueError(f"stop {a!r} follows itself")
        return self

    _valid_to = field_validator("valid_to")(_valid_to_after_from)


class Link(_Model):
    """An unscheduled connection (road, transfer between terminals) of fixed duration."""

    id: Id
    from_: Id = Field(alias="from")
    to: Id
    mode: LinkMode = "transfer"
    duration_min: PositiveMinutes
    distance_km: Km | None = None
    bidirectional: Annotated[bool, Field(strict=True)] = True  # `no` is text, not false
    units: Annotated[list[Unit], Field(min_length=1, max_length=2)] = ["pax", "feu"]
    cost_usd: CostUsd = 0.0
    co2_kg: Co2Kg = 0.0

    @field_validator("units")
    @classmethod
    def _units_once(cls, value: list[str]) -> list[str]:
        if len(value) == 2 and value[0] == value[1]:  # a slip (the other unit meant?)
            raise ValueError(f"unit {value[0]!r} is given twice; list each unit once")
        return value


class GatewayChoice(_Model):
    """How a cargo flow splits among gateways (places its route may cross): a logit on
    generalised cost, the route's tariff + ``value_of_time_usd_per_day`` x (riding time + the
    waits expected on the way, the wait for departure paths out of the gateway behind the blocks
    already heading for it included) + ``co2_usd_per_t`` x its CO2, over ``scale_usd``."""

    via: Annotated[list[Id], Field(min_length=1, max_length=50)]
    value_of_time_usd_per_day: Annotated[
        float, Field(ge=0, le=MAX_COST_USD, allow_inf_nan=False, strict=True)]
    co2_usd_per_t: Annotated[float, Field(ge=0, le=MAX_COST_USD, allow_inf_nan=False, strict=True)] = 0.0
    scale_usd: Annotated[float, Field(ge=MIN_SCALE_USD, le=MAX_COST_USD, allow_inf_nan=False, strict=True)]
    #: consecutive containers that decide together: the first chooses, the others follow it
    block_feu: Annotated[int, WHOLE, Field(ge=1, le=MAX_CAPACITY)] = 1
    #: how much each block's experience corrects the forecast of its gateway: when a block's
    #: last container leaves the gateway, the gateway's correction moves this share of the way to
    #: that block's forecast error (0: the forecast is taken as it is)
    experience_weight: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False, strict=True)] = 0.0

    @field_validator("via")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError(f"gateways repeat: {value}")
        return value


class Demand(_Model):
    """A flow of passengers or containers from one place to another."""

    id: Id
    kind: Literal["passenger", "cargo"]
    from_: Id = Field(alias="from")
    to: Id
    per_week: Annotated[float, Field(ge=MIN_RATE, le=MAX_PER_WEEK, allow_inf_nan=False, strict=True)]
    arrivals: Literal["poisson", "uniform"] = "poisson"
    #: monthly factors on per_week, January first (None: the same all year)
    seasonality: Seasonality | None = None
    #: cargo: split among gateways by a logit on generalised cost (None: the earliest route)
    gateways: GatewayChoice | None = None

    @model_validator(mode="after")
    def _seasonal_arrivals(self) -> Demand:
        if self.gateways is not None and self.kind != "cargo":
            raise ValueError("gateways are chosen by cargo flows (kind: cargo)")
        if self.seasonality is not None and self.arrivals != "poisson":
            raise ValueError("seasonality needs poisson arrivals (got arrivals: uniform)")
        if self.seasonality is not None and max(self.seasonality) == 0:
            raise ValueError("seasonality is 0 in every month: the flow would never arrive")
        return self

    @property
    def unit(self) -> Unit:
        return "pax" if self.kind == "passenger" else "feu"


class Disruption(_Model):
    """A place, service or link closed or cut in capacity between two instants."""

    id: Id
    target: Id
    start: Instant
    end: Instant
    capacity_factor: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False, strict=True)] = 0.0
    description: Text | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Disruption:
        if self.end <= self.start:
            raise ValueError(f"end {self.end.isoformat()} is not after start {self.start.isoformat()}")
        return self


class Run(_Model):
    """When and how long to simulate, and the seed of every random stream."""

    start: Date
    horizon_days: Annotated[int, WHOLE, Field(ge=1, le=MAX_HORIZON_DAYS)] = 28
    warmup_days: Annotated[int, WHOLE, Field(ge=0, le=MAX_HORIZON_DAYS)] = 0
    drain_days: Annotated[int, WHOLE, Field(ge=0, le=MAX_DRAIN_DAYS)] = 21
    replications: Annotated[int, WHOLE, Field(ge=1, le=MAX_REPLICATIONS)] = 10
    seed: Annotated[int, WHOLE, Field(ge=0, le=MAX_SEED)] = 0

    @model_validator(mode="after")
    def _warmup_inside(self) -> Run:
        if self.warmup_days >= self.horizon_days:
            raise ValueError(
                f"warmup_days {self.warmup_days} must be shorter than horizon_days "
                f"{self.horizon_days}"
            )
        return self

    @property
    def epoch(self) -> dt.datetime:
        """Time zero of the scenario: midnight UTC at the start date."""
        return dt.datetime.combine(self.start, dt.time(0, 0), tzinfo=dt.UTC)


MAX_VALUE_OF_TIME = 10_000.0  # USD per hour
UsdPerHour = Annotated[float, Field(ge=0, le=MAX_VALUE_OF_TIME, allow_inf_nan=False, strict=True)]


class TravellerSegment(_Model):
    """A kind of traveller with its own values of time (business, leisure)."""

    id: Id
    share: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False, strict=True)]
    value_of_time_usd_per_h: UsdPerHour
    schedule_delay_usd_per_h: UsdPerHour


class Choice(_Model):
    """How passengers choose among the planner's Pareto itineraries: a multinomial logit on
    generalised cost (fare + value of time x journey time + schedule-delay value x wait for
    the first departure + transfer penalty), in segments of travellers (see docs/choice.md)."""

    segments: Annotated[list[TravellerSegment], Field(min_length=1, max_length=20)]
    transfer_penalty_usd: CostUsd = 0.0
    scale_usd: Annotated[float, Field(ge=MIN_SCALE_USD, le=MAX_COST_USD, allow_inf_nan=False, strict=True)]
    window_days: Annotated[float, Field(gt=0, le=31, allow_inf_nan=False, strict=True)] = 7.0
    #: demand grows by exp(elasticity x the gain in logsum) when a network gets better
    induced_elasticity: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False, strict=True)] = 0.0

    @model_validator(mode="after")
    def _shares(self) -> Choice:
        total = sum(s.share for s in self.segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares add up to {total:g}, not 1")
        ids = [s.id for s in self.segments]
        if len(set(ids)) != len(ids):
            raise ValueError(f"segment ids repeat: {ids}")
        return self


class GtfsRoute(_Model):
    """One route taken from a GTFS feed, with what GTFS does not say (unit, capacity; for the
    simulation delays, schedule padding and the operator's costs) or overrides (mode, cost, CO2,
    distance, operator); see docs/interchange.md."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    operator: Label | None = None
    mode: ServiceMode | None = None
    unit: Unit | None = None
    capacity: Annotated[int, WHOLE, Field(ge=1, le=MAX_CAPACITY)] | None = None
    distance_km: Km | None = None
    cost_usd: CostUsd | None = None
    cost_usd_per_unit_km: CostPerKm | None = None
    fare_basis: FareBasis | None = None
    co2_kg: Co2Kg | None = None
    co2_g_per_unit_km: Co2PerKm | None = None
    # as a written service's: each of the route's services takes them
    delay: Distribution | None = None
    schedule_padding: Annotated[float, Field(ge=0.0, le=0.5, allow_inf_nan=False, strict=True)] | None = None
    economics: Economics | None = None


class ServicesFrom(_Model):
    """Services read from a GTFS feed (a .zip beside the scenario) and added to ``services``."""

    gtfs: Annotated[str, Field(min_length=1, max_length=1024)]
    routes: Annotated[list[Id | GtfsRoute],
                      Field(min_length=1, max_length=MAX_ITEMS["services"])] | None = None
    match_km: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False, strict=True)] = 1.0


class Scenario(_Model):
    """A whole scenario after ``extends`` has been applied.

    ``valid_from`` / ``valid_to`` bound the days (local at each service's first stop, both
    included) on which any timetabled service departs; a service's own period narrows it.
    """

    name: str
    description: Text | None = None
    extends: str | None = None
    valid_from: Date | None = None
    valid_to: Date | None = None
    run: Run
    places: Annotated[list[Place], Field(max_length=MAX_ITEMS["places"])]
    services: Annotated[list[Service], Field(max_length=MAX_ITEMS["services"])] = []
    links: Annotated[list[Link], Field(max_length=MAX_ITEMS["links"])] = []
    demand: Annotated[list[Demand], Field(max_length=MAX_ITEMS["demand"])] = []
    disruptions: Annotated[list[Disruption], Field(max_length=MAX_ITEMS["disruptions"])] = []
    fleets: Annotated[list[Fleet], Field(max_length=MAX_ITEMS["fleets"])] = []
    services_from: ServicesFrom | None = None  # read into services by load.py
    choice: Choice | None = None
    #: closed airspace for every air service that does not name its own
    airspace: Airspace | None = None

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if not _is_one_line(value):
            raise ValueError(f"a scenario's name is one line of 1 to {MAX_NAME_CHARS} characters "
                             f"(got {shown(value)})")
        return _shown_as_written(value)

    _valid_to = field_validator("valid_to")(_valid_to_after_from)

    @model_validator(mode="after")
    def _airspace_to_services(self) -> Scenario:
        """Each air service carries the airspace it flies under (its own, else the scenario's),
        so that its path can be computed from the service alone."""
        if self.airspace is not None:
            for i, s in enumerate(self.services):
                if s.mode == "air" and s.airspace is None:
                    self.services[i] = s.model_copy(update={"airspace": self.airspace})
        return self

    def validity(self, service: Service) -> tuple[dt.date | None, dt.date | None]:
        """The days a service may depart on: its own period within the scenario's (None: open)."""
        starts = [d for d in (self.valid_from, service.valid_from) if d is not None]
        ends = [d for d in (self.valid_to, service.valid_to) if d is not None]
        return (max(starts) if starts else None, min(ends) if ends else None)

    def place(self, place_id: str) -> Place:
        for p in self.places:
            if p.id == place_id:
                return p
        raise KeyError(place_id)

    def service(self, service_id: str) -> Service:
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(service_id)
