"""The ``corridor`` command: parse arguments, call one function, print or write.

Every error a user can cause ends with a message on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import re
import sys
from collections.abc import Sequence

from corridor.cli.common import EXIT_EMPTY
from corridor.cli.messages import _cannot_flush, _printable, _say
from corridor.cli.parser import build_parser
from corridor.cli.route_commands import cmd_plan, cmd_profile
from corridor.cli.run_commands import cmd_bench, cmd_compare, cmd_run, cmd_sweep, cmd_throughput
from corridor.cli.scenario_commands import cmd_export, cmd_map, cmd_show, cmd_validate
from corridor.errors import CorridorError, NoRouteError, ScenarioLimitError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}  # what a write to a full disk meets


def _exit_now(code: int) -> None:
    """End the process at once, its clean-up done (temporary files removed, workers stopped):
    a process pool's thread can be stuck for good reading the half-sent result of a worker
    stopped mid-send, and Python's exit would wait for it (a hang that only a second Ctrl-C,
    with tracebacks, or a kill ended)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    os._exit(code)


def _stop_on_signals() -> None:
    """SIGTERM and SIGHUP stop a run like Ctrl-C does: temporary files are removed, workers
    are stopped, and the exit status is 130. The first of them starts that clean-up, and the
    ones after it are ignored so that it ends (Ctrl-C pressed twice broke into it: status 1
    and tracebacks). A Ctrl-C the process was started to ignore stays ignored."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    names = [name for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        names.remove("SIGINT")
    signals = [getattr(signal, name) for name in names]

    def interrupt(signum: int, frame: object) -> None:
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt

    for sig in signals:
        signal.signal(sig, interrupt)


COMMANDS = {
    "bench": cmd_bench,
    "compare": cmd_compare,
    "run": cmd_run,
    "sweep": cmd_sweep,
    "throughput": cmd_throughput,
    "validate": cmd_validate,
    "show": cmd_show,
    "map": cmd_map,
    "export": cmd_export,
    "plan": cmd_plan,
    "profile": cmd_profile,
}


#: Options whose value may start with a minus sign without being one number (argparse takes
#: ``--scale -1,1`` for a missing value and another option)
SIGNED_VALUES = ("--scale",)


def _glued(argv: list[str]) -> list[str]:
    """``--scale -1,1`` as ``--scale=-1,1``, so that the value is read and judged.

    >>> _glued(["throughput", "x.yaml", "--scale", "-1,1", "--json"])
    ['throughput', 'x.yaml', '--scale=-1,1', '--json']
    """
    out: list[str] = []
    k = 0
    while k < len(argv):
        if argv[k] in SIGNED_VALUES and k + 1 < len(argv) and re.match(r"-[\d.]", argv[k + 1]):
            out.append(f"{argv[k]}={argv[k + 1]}")
            k += 2
        else:
            out.append(argv[k])
            k += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status: 0 success, 1 a legitimate empty answer (no route) or a sweep some of whose
    runs failed (the others' results written), 2 bad input, 130 interrupted (run as the
    command, ``argv`` None, an interrupted process ends at once: :func:`_exit_now`). ``--debug``
    shows the traceback of an error instead of its message."""
    if sys.stderr is None:  # started with it closed: messages would go to standard output
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - kept for the life of the process
    if sys.stdout is None:  # started with it closed (`>&-`): every command prints, so none can
        # run (a run's files written, then its table lost, would end in an error all the same)
        print("error: standard output is closed; corridor prints its results there", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser()
    args, extra = parser.parse_known_args(_glued(list(sys.argv[1:] if argv is None else argv)))
    if extra:  # said with the command's own usage (the top level's listed only the commands)
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    _stop_on_signals()
    if isinstance(sys.stdout, io.TextIOWrapper):  # a name an ASCII or Latin-1 terminal cannot show
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        code = COMMANDS[args.command](args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full disk shows here, not as "Exception ignored" on the way out
        return code
    except NoRouteError as exc:
        if args.debug:
            raise
        _say(f"no route: {_printable(str(exc))}")
        return EXIT_EMPTY
    except CorridorError as exc:
        if args.debug:
            raise
        # a bound the scenario passes as a whole is said with its file (no line is to blame)
        limit = isinstance(exc, ScenarioLimitError) and getattr(args, "scenario", None)
        where = f"{args.scenario}: " if limit else ""
        _say(_printable(f"error: {where}{exc}"))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if args.debug:
            raise
        return _interrupted(argv)
    except BrokenPipeError:  # e.g. `corridor show ... | head`
        return 0
    except MemoryError:
        if args.debug:
            raise
        _say(f"error: out of memory in `corridor {args.command}`: a shorter horizon, less demand or "
             "fewer workers (each holds a replication) need less")
        return EXIT_USAGE
    except OSError as exc:
        # a full disk under standard output (every file written is named in a CorridorError)
        if args.debug or exc.filename is not None or exc.errno not in OUTPUT_ERRNOS:
            raise
        # standard error itself, full (a warning printed there): said nowhere, but the status says it
        stream = "standard error" if _cannot_flush(sys.stderr) else "standard output"
        _say(f"error: cannot write to {stream} ({exc.strerror or exc})")
        for dead in (sys.stdout, sys.stderr):  # what is still buffered goes nowhere, so the exit
            with contextlib.suppress(OSError, ValueError, AttributeError):  # cannot fail on it
                os.dup2(os.open(os.devnull, os.O_WRONLY), dead.fileno())
        return EXIT_USAGE
    except Exception as exc:
        # an interrupt inside a C extension's import comes out as "ImportError: initialization
        # failed" caused by it (a Ctrl-C while summarising first imported scipy.stats)
        if args.debug or not _from_interrupt(exc):
            raise
        return _interrupted(argv)


def _from_interrupt(exc: BaseException) -> bool:
    """A KeyboardInterrupt is among the causes of ``exc``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted(argv: Sequence[str] | None) -> int:
    print("interrupted", file=sys.stderr)
    if argv is None:  # the command itself, not a call from Python: end the process now
        _exit_now(EXIT_INTERRUPTED)
    return EXIT_INTERRUPTED
