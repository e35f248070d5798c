"""Sweeps: a scenario run at every combination of settings, replications each, KPIs with CIs.

``corridor sweep SCENARIO --set PATH=V1,V2 --set PATH=W1,W2`` runs the cartesian product of
the values (:func:`grid`; with ``--zip``, the settings moved together instead), each
combination being the scenario with those values set and validated again
(:mod:`corridor.scenario.overrides`). Every combination runs the same
replications with the same seed, so two combinations share every random number their
sources share (common random numbers): a setting that changes nothing gives identical KPIs.

A combination whose values do not validate is reported with the located reason and the
rest run. With a :class:`RunStore` each run's KPIs are kept in a file of their own the moment
they arrive, under a key that hashes the scenario's content, the seed and the replication:
an interrupted sweep started again with the same store redoes only what is missing.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import json
import math
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corridor.analysis.kpis import flatten, kpi_value, summarise
from corridor.analysis.runs import check_run_arguments, scenario_kpis
from corridor.errors import CorridorError, ScenarioError
from corridor.executors import IN_PROCESS, Executor, Failed, Job, execute, scenario_token
from corridor.scenario.load import validate_raw
from corridor.scenario.overrides import Setting, scenario_with, value_key
from corridor.scenario.schema import Scenario
from corridor.scenario.source import SourceDict
from corridor.simulation.records import Records

MAX_RUNS = 100_000  # combinations x replications in one sweep


@dataclass(frozen=True)
class Combination:
    """One point of a sweep: its label per column (value, and the text shown) and the scenario
    changes that make it."""

    values: dict[str, Any]
    text: dict[str, str]
    changes: tuple[tuple[str, Any], ...]
    source: str | None = None  # what a problem with its values is said to come from (default: the --set)

    def label(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.text.items())


def grid(settings: Sequence[Setting], *, zipped: bool = False) -> list[Combination]:
    """Every combination of the settings' values (the first setting varies slowest), or, with
    ``zipped``, the settings moved together: the k-th combination takes each one's k-th value
    (both directions of a flight, say), so they must list as many values each.

    >>> from corridor.scenario.overrides import parse_setting
    >>> [c.label() for c in grid([parse_setting("a.x=1,2"), parse_setting("b=[Mon],daily")])]
    ['a.x=1, b=[Mon]', 'a.x=1, b=daily', 'a.x=2, b=[Mon]', 'a.x=2, b=daily']
    >>> [c.label() for c in grid([parse_setting("a.x=1,2"), parse_setting("b=[Mon],daily")], zipped=True)]
    ['a.x=1, b=[Mon]', 'a.x=2, b=daily']
    """
    paths = [s.path for s in settings]
    if len(set(paths)) != len(paths):
        raise CorridorError(f"--set {next(p for p in paths if paths.count(p) > 1)} is given twice; "
                            "give all its values in one --set")
    if zipped:
        counts = {s.path: len(s.values) for s in settings}
        if len(set(counts.values())) > 1:
            listed = ", ".join(f"{p} {n}" for p, n in counts.items())
            raise CorridorError(f"--zip moves the settings together, the k-th value of each, so each "
                                f"--set must list as many values: {listed}")
        n = len(settings[0].values) if settings else 0
        picks_of: Iterable[Sequence[int]] = ([k] * len(settings) for k in range(n))
    else:
        count = math.prod(len(s.values) for s in settings)
        if count > MAX_RUNS:  # refused before a list of them is built
            raise CorridorError(f"{count:,} combinations; at most {MAX_RUNS:,} runs in one sweep")
        picks_of = itertools.product(*[range(len(s.values)) for s in settings])
    out = []
    seen: set[tuple[str, ...]] = set()
    for picks in picks_of:
        combination = Combination(
            {s.path: s.values[k] for s, k in zip(settings, picks, strict=True)},
            {s.path: s.text[k] for s, k in zip(settings, picks, strict=True)},
            tuple((s.path, s.values[k]) for s, k in zip(settings, picks, strict=True)))
        same = tuple(value_key(s.values[k]) for s, k in zip(settings, picks, strict=True))
        if same in seen:  # zipped settings that each may repeat a value, but not all at once
            raise CorridorError(f"{'--zip: ' if zipped else ''}the combination {combination.label()} "
                                "is given twice")
        seen.add(same)
        out.append(combination)
    return out


def run_kpis(rec: Records, scenario: Scenario) -> dict[str, Any]:
    """What a sweep keeps of a run (computed where the run ran): every KPI, flat."""
    return {"kpis": flatten(scenario_kpis(rec, scenario)), "events": rec.events}


#: Raised whenever the same scenario and seed give other numbers (the random streams, the
#: engine's rules): runs kept under an older revision are not read back by --resume.
#: 2: streams keyed by 128 bits of their names; capacity cuts and closures of places and
#: dispatched services applied.
#: 3: the engine's rules as changed on 2026-11-30 after revision 2 (the same-minute order of
#: departures and joins, cancelled cut trips, schedule padding, gateway forecasts that learn,
#: a cut that slows a service only while it lasts, a trip that arrives on reaching its last
#: stop, a closed dispatched service that sends nothing, paths on some weekdays).
#: 4: a gateway reached only over what closures hold shut all run is no choice.
#: 5: a share, rate or mean over no units is NaN (it was 0), so runs kept before would mix
#: both readings in one summary; a stop after a segment stretched to a minute keeps its
#: dwell; containers route knowing the weekdays of dispatched services' departure paths.
RESULTS_REVISION = 5


def run_key(token: str, seed: int, replication: int) -> str:
    """The store key of a run: its scenario's content, seed, replication, corridor's version
    and :data:`RESULTS_REVISION`."""
    from corridor import __version__

    text = (f"corridor {__version__} results {RESULTS_REVISION}\n{token}\nseed {seed}\n"
            f"replication {replication}\n")
    return hashlib.sha256(text.encode()).hexdigest()[:40]


class RunStore:
    """Runs kept as they finish, one JSON file each in ``folder`` (written whole or not at
    all), so a sweep can be resumed. Values that are not finite numbers are stored as null
    and read back as NaN."""

    #: a run's file is a few kB; one larger than this is not one of ours
    MAX_BYTES = 4 * 1024 * 1024
    #: the file in ``folder`` that names the command whose runs it keeps (sweep, throughput)
    COMMAND_FILE = ".command"
    #: what :meth:`kept_by` says of a COMMAND_FILE that is not a regular file (a pipe, a
    #: device): no command corridor writes, so the folder is refused as damaged
    NOT_A_FILE = "(not a regular file)"

    def __init__(self, folder: Path, command: str | None = None, *, finished: bool = False,
                 fresh: bool = False) -> None:
        self.folder = Path(folder)
        self.command = command
        #: the folder is this run's own only once :meth:`claim` has made it (a new --out)
        self.claimed = not fresh
        #: kept runs found damaged or edited (their digest differs) and so run again
        self.damaged = 0
        #: the folder holds the results of a finished run besides its runs: a run that reuses
        #: none of them would replace them (:func:`sweep` refuses it)
        self.finished = finished

    def kept_by(self) -> str | None:
        """The command that made this folder's runs, as its first run wrote it (None: not said,
        a folder of an older corridor, or none)."""
        try:
            # opened without waiting (a named pipe there blocked --resume for ever) and read
            # only if it is a regular file: anything else is not one corridor wrote
            fd = os.open(self.folder / self.COMMAND_FILE, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return self.NOT_A_FILE
                return fh.read(64).decode("ascii", "replace").strip() or None
        except OSError:
            return None

    def get(self, key: str) -> dict[str, Any] | None:
        path = self.folder / f"{key}.json"
        try:
            # opened without waiting (a named pipe) and read only if it is a regular file, and
            # only so far: a link to a device (/dev/zero) would be read for ever
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                raw = fh.read(self.MAX_BYTES + 1)
            if len(raw) > self.MAX_BYTES:
                return None
            data = json.loads(raw.decode("utf-8"))
        except FileNotFoundError:
            return None  # not run yet
        except (OSError, ValueError):
            self.damaged += 1
            return None  # unreadable: run it again
        if (not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("kpis"), dict)
                or data.get("digest") != _digest(key, data.get("events"), data["kpis"])):
            self.damaged += 1  # another run's file, or one edited (a KPI set to NaN was averaged in)
            return None
        try:
            data["kpis"] = {k: (math.nan if v is None else float(v)) for k, v in data["kpis"].items()}
            data["events"] = int(data.get("events", 0))
        except (TypeError, ValueError, OverflowError):
            self.damaged += 1
            return None  # damaged: run it again
        return data

    def claim(self) -> None:
        """Make the folder of a new --out, which no other run may have made meanwhile: two
        sweeps started together on one new --out each found it empty, and both wrote there,
        the later one's results replacing the earlier's, runs mixed, each saying it wrote them.
        The one that comes second to make it is refused, its results not yet written."""
        if self.claimed:
            self.folder.mkdir(parents=True, exist_ok=True)
            return
        out = self.folder.parent
        try:
            out.mkdir(exist_ok=True)
            os.mkdir(self.folder)  # atomic: of two runs, one makes it
        except FileExistsError:
            raise CorridorError(f"{out} was filled by another run meanwhile; choose another --out") from None
        except OSError as exc:
            raise CorridorError(f"{out}: cannot write there ({exc.strerror or exc})") from None
        # another command's results (not the moment's probe of another's check that it may write)
        if any(e.name != self.folder.name and not e.name.startswith(".corridor-check.")
               for e in out.iterdir()):
            self.folder.rmdir()
            raise CorridorError(f"{out} was filled by another run meanwhile; choose another --out")
        self.claimed = True

    def put(self, key: str, data: dict[str, Any]) -> None:
        self.claim()
        kpis = {k: (v if math.isfinite(v) else None) for k, v in data["kpis"].items()}
        text = json.dumps({"key": key, **data, "kpis": kpis, "digest": _digest(key, data["events"], kpis)},
                          allow_nan=False, sort_keys=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            mask = os.umask(0)  # mkstemp makes it 0600: the usual 0666 less the umask instead
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
            os.replace(tmp, self.folder / f"{key}.json")
            if self.command is not None and not (self.folder / self.COMMAND_FILE).exists():
                # so that the other command's --resume does not take these runs for its own
                (self.folder / self.COMMAND_FILE).write_text(self.command + "\n", encoding="ascii")
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError):  # a full disk: the runs kept so far stay for --resume
                # the file in the way (a folder where a run's file goes), else the folder
                where = next((f for f in (exc.filename2, exc.filename) if isinstance(f, str) and f != tmp),
                             self.folder)
                kept = sum(1 for f in self.folder.glob("*.json") if f.is_file())
                full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
                then = "once there is room" if full else f"once {where} can be written"
                raise CorridorError(f"{where}: cannot write there ({exc.strerror or exc}); "
                                    f"{kept:,} run{'s' if kept != 1 else ''} kept in {self.folder}: "
                                    f"--resume goes on from there {then}") from None
            raise

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*.json")) if self.folder.is_dir() else 0


def _digest(key: str, events: Any, kpis: dict[str, Any]) -> str | None:
    """What a kept run's file says of its numbers, as written: a file edited or damaged since
    (a KPI changed, set to NaN, or dropped) no longer matches it, and is run again."""
    try:
        text = json.dumps([key, events, kpis], allow_nan=False, sort_keys=True)
    except (TypeError, ValueError):
        return None  # not a run corridor wrote (NaN, infinity, a value JSON cannot hold)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SweepRun:
    """One replication of one combination, and its KPIs (flat, as ``summary`` keys)."""

    combination: int
    replication: int
    seed: int
    key: str
    kpis: dict[str, float] = field(repr=False)
    events: int
    reused: bool  # read back from the store, not run again


@dataclass(frozen=True)
class SweepFailure:
    """A combination whose values did not validate (``replication`` None), or one run that
    failed; ``reason`` says why in words."""

    combination: int
    replication: int | None
    reason: str


@dataclass
class SweepResult:
    """Every run of a sweep, what failed, and the summary per combination."""

    scenario: str
    columns: list[str]  # the swept settings, as table columns
    combinations: list[Combination]
    replications: int
    seed: int
    runs: list[SweepRun]
    failures: list[SweepFailure]
    seconds: float
    executor: str = ""
    damaged: int = 0  # kept runs found damaged or edited, and run again
    _summary: dict[int, dict[str, dict[str, float]]] | None = field(default=None, repr=False, compare=False)
    # read once, not per row: a grid of thousands of combinations took minutes to write
    _by_combination: tuple[int, dict[int, list[SweepRun]]] | None = field(default=None, repr=False,
                                                                          compare=False)
    _numeric: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def runs_of(self, combination: int) -> list[SweepRun]:
        if self._by_combination is None or self._by_combination[0] != len(self.runs):
            index: dict[int, list[SweepRun]] = {}
            for r in self.runs:
                index.setdefault(r.combination, []).append(r)
            self._by_combination = (len(self.runs), index)
        return list(self._by_combination[1].get(combination, ()))

    def summary(self) -> dict[int, dict[str, dict[str, float]]]:
        """Per combination that ran: every KPI's mean and 95% interval over its replications
        (computed once)."""
        if self._summary is None:
            self._summary = {}
            for c in range(len(self.combinations)):
                runs = self.runs_of(c)
                if runs:
                    self._summary[c] = summarise([r.kpis for r in runs])
        return self._summary

    def numeric(self, column: str) -> bool:
        """Whether every combination's value of ``column`` is a number."""
        if column not in self._numeric:
            values = [c.values[column] for c in self.combinations]
            self._numeric[column] = all(isinstance(v, int | float) and not isinstance(v, bool)
                                        for v in values)
        return self._numeric[column]

    def _settings(self, combination: int) -> dict[str, Any]:
        c = self.combinations[combination]
        return {col: (c.values[col] if self.numeric(col) else c.text[col]) for col in self.columns}

    def to_frame(self, table: str = "runs") -> Any:
        """A tidy pandas table: ``runs`` (one row per run: the settings, replication, seed,
        then every KPI as a column, in the units of its name), ``summary`` (one row per
        combination and KPI: mean, 95% interval, replications) or ``failures`` (the settings,
        the replication or none, and the reason)."""
        import pandas as pd

        if table == "runs":
            # a KPI named as a setting (fleets.F.vehicles) echoes it: the setting's column holds it
            kpi_names = sorted(set().union(*[r.kpis for r in self.runs]) - set(self.columns))
            # a gateway no container of a flow chose in a run, where some chose, is 0 there, as
            # in the summary (a run names only the gateways chosen: the cell was empty)
            rows = [{**self._settings(r.combination), "replication": r.replication, "seed": r.seed,
                     **{k: kpi_value(r.kpis, k) for k in kpi_names}} for r in self.runs]
            return pd.DataFrame(rows, columns=[*self.columns, "replication", "seed", *kpi_names])
        if table == "summary":
            rows = [{**self._settings(c), "kpi": kpi, "mean": e["mean"], "ci_low": e["low"],
                     "ci_high": e["high"], "replications": int(e["n"])}
                    for c, kpis in self.summary().items() for kpi, e in kpis.items()]
            return pd.DataFrame(rows, columns=[*self.columns, "kpi", "mean", "ci_low", "ci_high",
                                               "replications"])
        if table == "failures":
            rows = [{**self._settings(f.combination),
                     "replication": pd.NA if f.replication is None else f.replication, "reason": f.reason}
                    for f in self.failures]
            return pd.DataFrame(rows, columns=[*self.columns, "replication", "reason"]).astype(
                {"replication": "Int64"})
        raise ValueError(f"unknown table {table!r}; choose runs, summary or failures")



#: problems of one refused combination said in full; a setting that empties a section (places=[])
#: breaks every reference to it, hundreds of problems on the one line of its failure
SHOWN_PROBLEMS = 5


def _first_problems(exc: ScenarioError) -> str:
    """The reason a combination is refused: its first problems, and how many more there are
    (``corridor validate`` on a file with the setting lists them all)."""
    said = "; ".join(str(p) for p in exc.problems[:SHOWN_PROBLEMS])
    more = len(exc.problems) - SHOWN_PROBLEMS
    return said + (f"; and {more:,} more problem{'s' if more != 1 else ''}" if more > 0 else "")


def sweep(raw: SourceDict, name: str, combinations: Sequence[Combination], *, replications: int,
          seed: int, executor: Executor = IN_PROCESS, store: RunStore | None = None,
          progress: Callable[[int, int], None] | None = None,
          columns: Sequence[str] | None = None, refuse_empty: bool = False,
          called: str = "combination") -> SweepResult:
    """Run every combination (the scenario data ``raw`` with its changes; ``name`` is the
    file problems are said to be in when they have no place of their own), ``replications``
    each with ``seed``, on ``executor``. Runs found in ``store`` are read back, not run.
    ``refuse_empty``: when no combination validates, raise with every reason instead of
    returning a result with nothing run (``called``: what the caller calls a combination, a
    step of ``throughput``)."""
    check_run_arguments("sweep", replications=replications, seed=seed)
    t0 = time.perf_counter()
    if not combinations:
        raise CorridorError("a sweep needs at least one combination")
    total = len(combinations) * replications
    if total > MAX_RUNS:
        raise CorridorError(f"{len(combinations):,} combinations x {replications:,} replications = "
                            f"{total:,} runs; at most {MAX_RUNS:,} in one sweep")
    cols = list(columns) if columns is not None else list(combinations[0].values)
    # the scenario as it is first: a problem of its own is no combination's, and its name the sweep's
    base = validate_raw(raw, name).name
    failures: list[SweepFailure] = []
    scenarios: list[Scenario] = []
    slot: dict[int, int] = {}  # combination -> its scenario's place in `scenarios`
    for c, combo in enumerate(combinations):
        labels = [combo.source or f"--set {path}={combo.text.get(path, value)}"
                  for path, value in combo.changes]
        try:
            scenario = scenario_with(raw, name, combo.changes, labels=labels)
        except ScenarioError as exc:
            failures.append(SweepFailure(c, None, _first_problems(exc)))
            continue
        slot[c] = len(scenarios)
        scenarios.append(scenario)
    if not scenarios and refuse_empty:  # nothing could run: say why now, before anything is written
        reasons = [f"{combinations[f.combination].label()}: {f.reason}" for f in failures]
        raise CorridorError(f"every {called} is refused, so nothing ran:\n  " + "\n  ".join(reasons))
    tokens = [scenario_token(s) for s in scenarios]
    runs: list[SweepRun] = []
    jobs: list[Job] = []
    job_of: list[tuple[int, int, str]] = []  # per job: combination, replication, key
    for c, k in slot.items():
        for r in range(replications):
            key = run_key(tokens[k], seed, r)
            kept = store.get(key) if store is not None else None
            if kept is not None:
                runs.append(SweepRun(c, r, seed, key, kept["kpis"], kept["events"], True))
            else:
                jobs.append(Job(k, r, seed))
                job_of.append((c, r, key))
    reused = len(runs)
    if store is not None and store.finished and jobs and not reused:
        # --resume on the folder of another question: its results would be replaced
        raise CorridorError(
            f"{store.folder.parent} holds the results of {len(store)} runs and this one would use "
            f"none of them (it has {len(jobs)}): the scenario, its settings, the seed or corridor's "
            "version differ. --resume finishes the run stored there; choose another --out")

    def tick(done: int, _total: int) -> None:
        if progress is not None:
            progress(reused + done, reused + len(jobs))

    def keep(job: int, result: Any) -> None:
        if store is not None and not isinstance(result, Failed):
            c, r, key = job_of[job]
            store.put(key, {"scenario": scenarios[slot[c]].name, "settings": combinations[c].text,
                            "replication": r, "seed": seed, "events": result["events"],
                            "kpis": result["kpis"]})

    if progress is not None and reused:
        progress(reused, reused + len(jobs))
    results = execute(scenarios, jobs, run_kpis, executor=executor, keep_going=True, progress=tick,
                      on_result=keep)
    for (c, r, key), result in zip(job_of, results, strict=True):
        if isinstance(result, Failed):
            failures.append(SweepFailure(c, r, result.reason))
        else:
            runs.append(SweepRun(c, r, seed, key, result["kpis"], result["events"], False))
    runs.sort(key=lambda run: (run.combination, run.replication))
    failures.sort(key=lambda f: (f.combination, -1 if f.replication is None else f.replication))
    return SweepResult(base, cols, list(combinations), replications, seed, runs, failures,
                       time.perf_counter() - t0, executor.describe(),
                       store.damaged if store is not None else 0)
