"""Hostile command lines: whatever the arguments, the CLI ends cleanly (0 success, 1 no route,
2 bad input) with no traceback, in bounded time."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from corridor.cli import main

# hostile values, and good ones often enough that most command lines get past the first check
GOOD_SCENARIO = st.sampled_from([str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "kena_closure.yaml")])
SCENARIO = st.one_of(GOOD_SCENARIO, GOOD_SCENARIO, st.sampled_from(
    ["/nonexistent.yaml", "/dev/null", "/dev/zero", "/etc", str(SCENARIOS)]))
PLACE = st.one_of(st.sampled_from(["NQZ", "VNO", "XIAN", "DUISBURG", "IST"]),
                  st.sampled_from(["nqz", "", "NQZ\x00", "X" * 300]))
TIME = st.one_of(st.sampled_from(["2027-03-01T08:00", "2026-12-10T08:00", "2027-10-31T02:30"]),
                 st.sampled_from(["0001-01-01T00:00", "9999-12-31T23:59-12:00", "2027-02-30T08:00", "soon",
                                  "2027-03-28T03:30+99:00", ""]))
NUMBER = st.one_of(st.sampled_from(["1", "2", "7"]),
                   st.sampled_from(["0", "-1", "1e9", "inf", "nan", "1e-9", "abc", "400"]))


@st.composite
def command_lines(draw) -> list[str]:
    command = draw(st.sampled_from(["validate", "show", "plan", "profile", "run", "map", "compare"]))
    argv = [command, draw(SCENARIO)]
    if command == "compare":
        argv.append(draw(SCENARIO))
    if command in ("plan", "profile"):
        argv += ["--from", draw(PLACE), "--to", draw(PLACE)]
        if command == "plan" or draw(st.booleans()):
            argv += ["--depart" if command == "plan" else "--start", draw(TIME)]
        for flag in ("--max-transfers", "--window-days" if command == "plan" else "--days", "--step-min"):
            if draw(st.booleans()) and not (command == "plan" and flag == "--step-min"):
                argv += [flag, draw(NUMBER)]
        if draw(st.booleans()):
            argv += ["--modes", draw(st.sampled_from(["air", "rail,road", "bus", ",", "air,,sea"]))]
        if draw(st.booleans()):
            argv += ["--unit", draw(st.sampled_from(["pax", "feu", "teu"]))]
    if command in ("run", "compare"):
        # replications: a small number, or a bad one (1e9 is refused before anything runs)
        bad = st.sampled_from(["0", "-3", "1e9", "1001", "x"])
        argv += ["--replications", draw(st.one_of(st.just("1"), bad))]
        if draw(st.booleans()):
            argv += ["--workers", draw(NUMBER)]
        if draw(st.booleans()):
            argv += ["--seed", draw(NUMBER)]
        if draw(st.booleans()):
            argv += ["--out", draw(st.sampled_from(["/proc/x", "/dev/null", "/nonexistent/dir/out"]))]
        argv.append("--quiet")
    if command == "map":
        argv += ["-o", draw(st.sampled_from(["/proc/m.png", "/tmp", "m.txt", "/nonexistent/m.png"]))]
    if command in ("show", "plan", "profile", "run", "compare") and draw(st.booleans()):
        argv.append("--json")
    return argv


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(command_lines())
def test_every_command_line_ends_cleanly(capsys, argv: list[str]) -> None:
    start = time.monotonic()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    elapsed = time.monotonic() - start
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, err[-500:])
    assert "Traceback" not in err and "Traceback" not in out, argv
    assert elapsed < 60, (argv, elapsed)
    if code == 2:
        assert err.strip(), argv  # a refusal says why
