"""A run's warnings at the edges of their rules, on summaries written by hand: a rise whose
interval starts at the day is no growing backlog, a queue that grew in half the replications
is not "most", a day's backlog and a 98% load are said, a dispatched service full by design is
not, and a warm-up's shortfall is at most the whole figure, named longest flow first."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from corridor.analysis.warnings import rise_is_bound, rising_backlog, run_warnings, short_warmup


def test_a_rise_whose_interval_starts_at_a_day_is_no_growing_backlog() -> None:
    assert rising_backlog(1.5, 1.0, 2.0) is None  # the interval reaches the day: not wholly above
    assert rising_backlog(1.5, 1.01, 2.0) is not None


def test_a_rise_is_a_bound_only_when_some_container_was_still_on_the_way() -> None:
    assert not rise_is_bound({"cargo.door_to_door_rise_undelivered": {"mean": 0.0}})
    assert rise_is_bound({"cargo.door_to_door_rise_undelivered": {"mean": 1 / 3}})


def test_a_warm_up_reads_the_figure_low_by_at_most_all_of_it() -> None:
    # one flow of 100 days against a 20-day warm-up and a 56-day window: none of the window's
    # own containers arrives in it, (100 - 20) / 56 capped at 1: low by 100%, not 143%
    said = short_warmup({"A": (100.0, 500.0)}, 20.0, 56.0)
    assert said is not None and "by about 100%;" in said


def test_the_flows_longer_than_the_warm_up_are_named_longest_first() -> None:
    # A 30 days, B 40 days, warm-up 20: B first, and the warm-up it needs is B's 40
    said = short_warmup({"A": (30.0, 500.0), "B": (40.0, 500.0)}, 20.0, 56.0)
    assert said is not None
    assert said.startswith("B takes 40.0 days door to door, A takes 30.0 days door to door")
    assert said.endswith("make warmup_days at least 40")


def _result(stations: list[dict], services: dict[str, dict] | None = None,
            dispatched: frozenset = frozenset(), summary: dict | None = None) -> SimpleNamespace:
    empty = np.zeros(0)
    rec = SimpleNamespace(flows=[], flow_pax=[], warmup_min=0.0, horizon_min=14 * 1440.0, places=["B"],
                          dispatched=dispatched, units={"status": empty, "created_min": empty, "flow": empty,
                                                        "place": empty})
    kpis = [{"stations": {"B": s}, "services": services or {}} for s in stations]
    return SimpleNamespace(summary=summary or {}, records=[rec], kpis=kpis, outside_full={})


def test_a_queue_that_grew_in_half_the_replications_did_not_grow_in_most() -> None:
    half = run_warnings(_result([{"growing": 1.0}, {"growing": 0.0}]))
    assert not any("grew without bound" in w for w in half)
    most = run_warnings(_result([{"growing": 1.0}, {"growing": 1.0}, {"growing": 0.0}]))
    assert any(w.startswith("B: the queue grew without bound in 2 of 3 replications") for w in most)


def test_a_backlog_of_a_day_is_said() -> None:
    # 0.5 and 1.5 days of B's service queued when demand stops: a mean of 1.0 day
    said = run_warnings(_result([{"backlog_days": 0.5, "queue_at_horizon": 2},
                                 {"backlog_days": 1.5, "queue_at_horizon": 4}]))
    assert any(w.startswith("B: 3 vehicles were still queued when demand stopped") for w in said)


def test_a_load_of_98_percent_is_full_unless_the_service_leaves_when_full() -> None:
    summary = {"services.S.load_factor": {"mean": 0.98}, "services.S.carried": {"mean": 10.0}}
    full = run_warnings(_result([{}], {"S": {}}, summary=summary))
    assert any(w.startswith("S ran full (load factor 98%)") for w in full)
    by_design = run_warnings(_result([{}], {"S": {}}, frozenset({"S"}), summary))
    assert not any("ran full" in w for w in by_design)
