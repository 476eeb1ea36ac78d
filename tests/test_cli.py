"""The command line: world, config and the model description it prints."""

import json
import re

from nsrsim.cli import main

from .conftest import BASELINE


def test_world_prints_region_table(capsys):
    assert main(["world", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    for name in ("Nordjylland", "Hamburg", "Vestlandet", "Groningen", "Västsverige"):
        assert name in out
    assert "17 regions" in out


def test_map_writes_png_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "nsr.png"
    assert main(["map", str(BASELINE), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    before = out.stat().st_mtime_ns
    assert main(["map", str(BASELINE), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.stat().st_mtime_ns == before


def test_run_records_manifest(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(BASELINE), "--seed", "7", "--years", "3", "--out", str(out), "--quiet"]
    assert main(argv) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["scenario"]["run"]["years"] == 3
    assert manifest["scenario"]["world"]["regions"][0] == "NO09"
    assert {"nsrsim", "mesa", "numpy"} <= manifest["versions"].keys()
    assert manifest["git_commit"]
    assert manifest["wall_time_s"] > 0
    for name in (
        "indicators",
        "regions",
        "urban_classes",
        "firms",
        "links",
        "policies",
        "participants",
        "strata",
    ):
        assert (out / f"{name}.parquet").stat().st_size > 0
    for name in ("indicators", "network", "innovation_map"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert str(out) in printed
    assert "9,000 firm agents stand for" in printed and "cluster members" in printed


def test_run_never_overwrites_results(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "indicators.parquet").write_text("earlier results")
    assert main(["run", str(BASELINE), "--out", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "indicators.parquet").read_text() == "earlier results"
    assert sorted(p.name for p in out.iterdir()) == ["indicators.parquet"]


def test_a_too_small_sample_is_refused_before_anything_is_written(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", str(BASELINE), "--out", str(out), "--quiet"]
    from nsrsim.config import load_scenario

    assert load_scenario(BASELINE).population.n_firms == 9000
    small = tmp_path / "tiny.yaml"
    small.write_text(f"extends: {BASELINE}\nname: tiny\npopulation: {{n_firms: 100}}\n")
    argv[1] = str(small)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "population.n_firms = 100 is too small" in err and "at least" in err
    assert not out.exists()


def test_odd_sections_cited_in_the_code_exist():
    """Module docstrings and comments cite ODD sections ("ODD 7.3 "Partnering"", "ODD section
    3"): each cited number is a heading of docs/ODD.md, with the cited title if one is given."""
    root = BASELINE.parents[1]
    odd = (root / "docs" / "ODD.md").read_text(encoding="utf-8")
    headings = dict(re.findall(r"^#{2,3} ([0-9]+(?:\.[0-9]+)?)\.? ([^\n(`]+)", odd, re.M))
    cited = re.compile(r'ODD(?:\.md)?,? (?:section |§)?([0-9]+(?:\.[0-9]+)?)(?: "([^"]+)")?')
    checked = 0
    for path in sorted((root / "nsrsim").rglob("*.py")):
        for number, title in cited.findall(path.read_text(encoding="utf-8")):
            assert number in headings, f"{path.name} cites ODD {number}, which has no heading"
            if title:
                assert headings[number].strip().startswith(title), (path.name, number, title)
            checked += 1
    assert checked > 10


def test_odd_parameter_table_is_current(capsys):
    assert main(["config", "params"]) == 0
    table = capsys.readouterr().out
    odd = (BASELINE.parents[1] / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert table in odd, "regenerate section 8 of docs/ODD.md with 'nsrsim config params'"


def test_the_console_script_returns_mains_code_and_leaves_the_collector_frozen(tmp_path):
    """The installed ``nsrsim`` freezes what lives before exit (so exit skips the collector's
    passes); it must still exit with main's code, here 2 for a scenario that does not exist."""
    import subprocess
    import sys

    probe = (
        "import gc, sys; from nsrsim import cli; "
        "sys.argv = ['nsrsim', 'run', 'no-such.yaml']; code = cli.console(); "
        "print(code, gc.get_freeze_count() > 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert done.stdout.split() == ["2", "True"]
    assert "no-such.yaml" in done.stderr and "Traceback" not in done.stderr
