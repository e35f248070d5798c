"""validate's verdict on a station's offered load at the thresholds: 0.9 of capacity is near
it, 1.0 at it. With outside traffic alone the figure is the load; with a timetabled trip a day
too it is a bound (an empty trip passes without queueing), and the verdict says so when the
load without that trip is under the threshold."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import validate_warnings
from corridor.cli import main

TEXT = textwrap.dedent("""\
    name: verdicts
    run: {start: 2027-03-01, horizon_days: 14, drain_days: 7, replications: 1, seed: 1}
    places:
      - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 51.0, lon: 71.0, tz: UTC}
      - {id: S, name: S, kind: border_station, country: BY, lat: 52.0, lon: 24.0, tz: UTC,
         servers: 1, service_time: {dist: fixed, value_min: 144}, background_per_day: BACKGROUND}
      - {id: B, name: B, kind: rail_terminal, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
    services:
      - {id: T1, mode: road, unit: feu, stops: [A, B], speed_kph: 40, capacity: 50, dispatch: {cutoff_min: 0}}
      - {id: T2, mode: road, unit: feu, stops: [A, S], duration_min: 6000, capacity: 50,
         timetable: {days: daily, times: ["06:00"]}}
    demand:
      - {id: D1, from: A, to: B, kind: cargo, per_week: 1}
    """)


@pytest.mark.parametrize(("background", "timetabled", "share", "verdict"), [
    # by hand: (background + timetabled) x 144 min over one server's 1,440 min a day; without
    # the timetabled trip, background x 144 / 1,440
    ("8.9", False, "89%", None),
    ("9", False, "90%", "near capacity: expect long queues"),
    ("10", False, "100%", "at or over capacity: its queue will grow without bound"),
    ("8", True, "90%", "near capacity if its timetabled trips all run loaded"),  # 0.8 without
    ("9", True, "100%", "at or over capacity if its timetabled trips all run loaded, an empty one passing "
                        "without queueing: its queue would then grow without bound"),  # 0.9 without
    ("10", True, "110%", "at or over capacity: its queue will grow without bound"),  # 1.0 without
])
def test_the_verdict_starts_at_its_threshold(tmp_path: Path, capsys, background: str, timetabled: bool,
                                             share: str, verdict: str | None) -> None:
    path = tmp_path / "verdicts.yaml"
    text = TEXT.replace("BACKGROUND", background)
    if not timetabled:
        text = text.replace("stops: [A, S], duration_min: 6000", "stops: [A, B], duration_min: 6000")
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    said = [line for line in validate_warnings(err) if line.startswith("warning: S: offered load")]
    if verdict is None:
        assert not said, err
    else:
        assert len(said) == 1, err
        assert said[0].startswith(f"warning: S: offered load {share} of capacity ({verdict})"), err
