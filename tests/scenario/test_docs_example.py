"""The complete example in docs/scenarios.md loads, so the documentation stays true."""

from __future__ import annotations

import re

from conftest import ROOT
from corridor.network import build_network
from corridor.scenario import load_scenario


def test_docs_example_loads(write) -> None:
    text = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = text.split("## A complete example", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    s = load_scenario(write("example.yaml", block.group(1)))
    g = build_network(s)
    assert {p.id for p in s.places} == {"NQZ", "IST", "VNO", "XIAN", "DOSTYK", "BREST"}
    assert s.place("DOSTYK").queues and s.services[3].timetable.clock_min == (360, 840, 1320)
    assert g.number_of_edges() == 4 + 2
