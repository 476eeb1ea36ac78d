"""`nsrsim report`: a self-contained HTML page from a compare, an SA and an analyse folder —
its sections, every figure embedded (nothing fetched from a network), and headline numbers
equal to effects.csv; bad folders and existing files are clear errors."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nsrsim.analyses.output import write
from nsrsim.analyses.pipeline import assemble, make_plan, outputs
from nsrsim.cli import main
from nsrsim.compare import participant_year
from nsrsim.report import build, sweep_table
from nsrsim.runner import run_batch

from .conftest import small
from .test_compare import small_scenario
from .test_dashboard import browser
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


KEY = re.compile(
    r'<li class="(sure|unsure)" data-scenario="([^"]*)" data-level="([^"]*)" '
    r'data-indicator="([^"]*)" data-year="(\d+)" data-mean="([^"]*)">(.*?)</li>'
)


@pytest.mark.slow
def test_report_of_a_comparison(compare_folder, tmp_path):
    out = tmp_path / "brief.html"
    assert main(["report", str(compare_folder), "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    brief, annex = page.split('<details id="annex">')
    for anchor in ("key", "evidence", "money"):  # the brief: messages, evidence, money
        assert f'<section id="{anchor}">' in brief
    for anchor in ("detail", "figures", "map", "what", "appendix"):  # folded away
        assert f'<section id="{anchor}">' in annex and f'id="{anchor}"' not in brief
    assert brief.index('id="key"') < brief.index('id="evidence"') < brief.index('id="money"')
    assert "git_commit" not in brief and "versions" not in brief
    assert_offline(page)
    figures = len(list((compare_folder / "figures").glob("*.png")))
    # the figures, the headline chart, the effect map, the NSR map
    assert len(images(page)) == figures + 3
    assert "Matchmaking across borders for three years." in brief  # the scenario in words
    assert "matchmaking" in page.split('id="money"')[1].split("</section>")[0]
    effects = pd.read_csv(compare_folder / "effects.csv").set_index(
        ["scenario", "level", "indicator", "year"]
    )
    messages = KEY.findall(brief)
    assert 3 <= len(messages) <= 5
    for css, scenario, level, indicator, year, mean, text in messages:
        expected = effects.loc[(scenario, level, indicator, int(year))]
        assert float(mean) == expected["mean_difference"]  # the number quoted is effects.csv's
        assert (css == "sure") == bool(expected["significant"])
        assert "Holm" not in text and "e-0" not in text
    assert messages[0][2] == "participants"  # the firms reached first
    resolved = json.loads((compare_folder / "manifest.json").read_text())["resolved"]
    summary_year = participant_year(resolved["small_policy"], 3)
    assert int(messages[0][4]) == summary_year  # the year 'nsrsim compare' reports
    rows = ROW.findall(annex)
    assert len(rows) >= 10
    levels = [level for _, level, *_ in rows]
    assert levels[0] == "participants" and levels[-1] == "corridor"  # participants first
    for scenario, level, indicator, year, mean, low, high, cells in rows:
        expected = effects.loc[(scenario, level, indicator, int(year))]
        for text, column in ((mean, "mean_difference"), (low, "ci_low"), (high, "ci_high")):
            assert float(text) == expected[column] or (
                np.isnan(float(text)) and np.isnan(expected[column])
            )
        assert ("no detectable effect" in cells) == (not expected["significant"])
    assert main(["report", str(compare_folder), "--out", str(out)]) == 2  # no overwrite
    assert main(["report", str(compare_folder), "--out", str(out), "--force"]) == 0


@pytest.mark.slow
def test_the_printed_brief_is_at_most_six_pages_before_the_annex(compare_folder, tmp_path):
    from playwright.sync_api import sync_playwright

    executable = browser()
    page_file = tmp_path / "brief.html"
    page_file.write_text(build(compare_folder), encoding="utf-8")
    pdf = tmp_path / "brief.pdf"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = chromium.new_page()
        page.goto(page_file.as_uri())
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4")
        annex_closed = page.evaluate("!document.getElementById('annex').open")
        chromium.close()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert annex_closed and 1 <= pages <= 6  # the annex prints as one folded line


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
