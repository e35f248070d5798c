"""corridor map -o map.html: one self-contained page that a real browser draws, pans and zooms."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from chromium import headless

from corridor.cli import main
from corridor.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_map_html_renders_every_service_in_chromium(tmp_path: Path, capsys) -> None:
    scenario_path = ROOT / "scenarios" / "baseline.yaml"
    out = tmp_path / "map.html"
    assert main(["map", str(scenario_path), "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    page = out.read_text()
    for external in ("http:", "https:", "//cdn", "@import", "src=", "href=", "url("):
        assert external not in page, external  # nothing is fetched when the page is viewed

    scenario = load_scenario(scenario_path)
    expected = Counter(s.mode for s in scenario.services)
    # the page as the browser built it, after its script ran and, with #selftest, zoomed and panned
    dom = headless(tmp_path / "profile", "--dump-dom", out.as_uri() + "#selftest").stdout
    assert 'data-ready="1"' in dom
    drawn = Counter(re.findall(r'<path class="service mode-(\w+)"', dom))
    assert drawn == expected
    assert len(re.findall(r'<path class="link mode-link"', dom)) == len(scenario.links)
    assert len(re.findall(r'<circle class="place', dom)) == len(scenario.places)
    scale, x, y = (float(v) for v in re.search(r'data-view="([^"]+)"', dom).group(1).split())  # type: ignore[union-attr]
    assert scale == 2.0 and (x, y) == (-575.0, -360.0)  # zoomed x2 about the centre, panned 25 right, 10 up
    assert re.search(r'<g id="view" transform="translate\(-575 -360\) scale\(2\)"', dom)

    # and it draws: a screenshot holds the rail and air colours of the legend
    shot = tmp_path / "map.png"
    headless(tmp_path / "profile2", "--window-size=1200,800", f"--screenshot={shot}", out.as_uri())
    import matplotlib.image as mpimg
    import numpy as np

    pixels = mpimg.imread(shot)[..., :3]
    for colour in ((0x1F, 0x77, 0xB4), (0xD6, 0x27, 0x28)):  # air blue, rail red
        near = np.all(np.abs(pixels - np.array(colour) / 255) < 0.08, axis=-1)
        assert near.sum() > 150, colour


def test_map_refuses_an_unknown_type(tmp_path: Path, capsys) -> None:
    assert main(["map", str(ROOT / "scenarios" / "baseline.yaml"), "-o", str(tmp_path / "m.txt")]) == 2
    assert "unsupported image type '.txt'" in capsys.readouterr().err


def test_map_refusing_a_type_names_the_page_among_those_it_writes(tmp_path: Path, capsys) -> None:
    # it said "use .png, .svg or .pdf", leaving out the .html page map also writes
    assert main(["map", str(ROOT / "scenarios" / "baseline.yaml"), "-o", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err.rstrip().endswith("use .png, .svg, .pdf or .html")


def test_map_into_a_folder_says_it_is_a_folder(tmp_path: Path, capsys) -> None:
    # -o FOLDER said "unsupported image type '(none)'", as if a suffix were missing
    assert main(["map", str(ROOT / "scenarios" / "baseline.yaml"), "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path} is a folder; give a file name" in err and "image type" not in err
    (tmp_path / "plots.png").mkdir()
    assert main(["map", str(ROOT / "scenarios" / "baseline.yaml"), "-o", str(tmp_path / "plots.png")]) == 2
    assert "plots.png is a folder; give a file name" in capsys.readouterr().err
