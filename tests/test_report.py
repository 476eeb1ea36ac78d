"""`nsrsim report`: a self-contained HTML page from a compare, an SA and an analyse folder —
its sections, every figure embedded (nothing fetched from a network), and headline numbers
equal to effects.csv; bad folders and existing files are clear errors."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nsrsim.analyses.output import write
from nsrsim.analyses.pipeline import assemble, make_plan, outputs
from nsrsim.cli import main
from nsrsim.report import build, sweep_table
from nsrsim.runner import run_batch

from .conftest import small
from .test_compare import small_scenario
from .test_sa import sa_file

ROW = re.compile(
    r'<tr data-scenario="([^"]*)" data-level="([^"]*)" data-indicator="([^"]*)" '
    r'data-year="(\d+)" data-mean="([^"]*)" data-low="([^"]*)" data-high="([^"]*)">'
    r"(.*?)</tr>"
)


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    base = small_scenario(tmp, "small_base")
    policy = small_scenario(
        tmp, "small_policy", description="Matchmaking across borders for three years.",
        policies=[{"kind": "matchmaking", "budget_eur_per_year": 2e6, "scope": "cross_border"}],
    )  # fmt: skip
    out = tmp / "cmp"
    argv = ["compare", base, policy, "--replicates", "3", "--years", "3",
            "--backend", "sequential", "--out", str(out), "--quiet"]  # fmt: skip
    assert main(argv) == 0
    return out


def images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]*)"', page)


def assert_offline(page: str) -> None:
    """Every figure a data URI; no script, stylesheet or image from elsewhere."""
    assert images(page)
    assert all(src.startswith("data:image/png;base64,") for src in images(page))
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page and "<link" not in page


@pytest.mark.slow
def test_report_of_a_comparison(compare_folder, tmp_path):
    out = tmp_path / "brief.html"
    assert main(["report", str(compare_folder), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    for anchor in ("what", "findings", "money", "effect-map", "figures", "map", "appendix"):
        assert f'<section id="{anchor}">' in page
    assert_offline(page)
    figures = len(list((compare_folder / "figures").glob("*.png")))
    assert len(images(page)) == figures + 2  # the figures, the effect map, the NSR map
    assert "Matchmaking across borders for three years." in page  # the scenario in words
    assert "matchmaking" in page.split('id="money"')[1].split("</section>")[0]
    effects = pd.read_csv(compare_folder / "effects.csv").set_index(
        ["scenario", "level", "indicator", "year"]
    )
    rows = ROW.findall(page)
    assert len(rows) >= 10
    levels = [level for _, level, *_ in rows]
    assert levels[0] == "participants" and levels[-1] == "corridor"  # participants first
    for scenario, level, indicator, year, mean, low, high, cells in rows:
        expected = effects.loc[(scenario, level, indicator, int(year))]
        for text, column in ((mean, "mean_difference"), (low, "ci_low"), (high, "ci_high")):
            assert float(text) == expected[column] or (
                np.isnan(float(text)) and np.isnan(expected[column])
            )
        undetected = expected["ci_low"] <= 0 <= expected["ci_high"]
        assert ("no detectable effect" in cells) == bool(undetected)
    assert main(["report", str(compare_folder), "--out", str(out)]) == 2  # no overwrite
    assert main(["report", str(compare_folder), "--out", str(out), "--force"]) == 0


@pytest.mark.slow
def test_report_of_an_sa_folder(tmp_path):
    folder = tmp_path / "sa"
    assert main(["sa", str(sa_file(tmp_path)), "--out", str(folder), "--quiet"]) == 0
    page = build(folder)
    assert '<section id="sensitivity">' in page
    assert_offline(page)
    for output in pd.read_csv(folder / "indices.csv")["output"].unique():
        assert f"<h3>{output}</h3>" in page
    assert "replicate noise" in page


@pytest.mark.slow
def test_report_includes_the_analyses(compare_folder, tmp_path):
    plan = make_plan(small(**{"run.years": 2}), replicates=2, top=1, budget_eur=None)
    folder = tmp_path / "analyse"
    run_batch(plan.runs, folder, "t", plan.digest, {}, outputs(plan.years), backend="sequential",
              jobs=1, scheduler=None, progress=False, log=lambda _: None)  # fmt: skip
    write(plan, assemble(plan, folder), folder)
    page = build(compare_folder, analyses=folder)
    assert '<section id="analyses">' in page
    assert "Smart-specialisation linkages beyond INTERREG A" in page
    assert_offline(page)


def test_bad_report_folders_are_clear_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "effects.csv" in capsys.readouterr().err
    assert not (tmp_path / "empty" / "report.html").exists()


def test_a_sweep_is_reported_per_design_point():
    runs = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "replicate": [0, 1, 0, 1],
            "param:partnering.decay_km": [100, 100, 200, 200],
            "param:run.years": [3, 3, 3, 3],  # constant: not shown
            "links@3": [10.0, 12.0, 20.0, 20.0],
        }
    )
    table = sweep_table(runs)
    assert list(table.columns) == ["partnering.decay_km", "replicates", "links@3"]
    assert table["partnering.decay_km"].tolist() == [100, 200]
    assert table["links@3"].iloc[0].startswith("11 [")  # mean of 10 and 12, then its CI
    assert table["links@3"].iloc[1] == "20 [20, 20]"
