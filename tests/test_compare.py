"""Scenario comparison: paired effects with CIs, self-comparison, the CLI end to end."""

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from nsrsim.cli import main
from nsrsim.compare import Comparison, effects

from .conftest import BASELINE


def synthetic(differences: np.ndarray) -> tuple[Comparison, pd.DataFrame]:
    """A base and an alternative whose paired differences are known."""
    n = len(differences)
    base = np.linspace(10.0, 20.0, n)
    cells = pd.DataFrame(
        {
            "label": ["base"] * n + ["alt"] * n,
            "replicate": list(range(n)) * 2,
            "run_id": [f"b{i}" for i in range(n)] + [f"a{i}" for i in range(n)],
        }
    )
    runs = pd.DataFrame(
        {"run_id": cells["run_id"], "output_eur@1": np.r_[base, base + differences]}
    )
    return Comparison(["base", "alt"], [], cells, "x"), runs


def test_effects_are_paired_t_intervals():
    diff = np.array([1.0, 2.0, 0.5, 1.5, 1.0])
    row = effects(*synthetic(diff)).iloc[0]
    half = stats.t.ppf(0.975, 4) * diff.std(ddof=1) / np.sqrt(5)
    assert row["mean_difference"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(diff.mean() - half)
    assert row["ci_high"] == pytest.approx(diff.mean() + half)
    assert row["relative_effect"] == pytest.approx(diff.mean() / 15.0)


def test_intervals_shrink_as_replicates_grow():
    rng = np.random.default_rng(4)
    widths = []
    for n in (5, 20, 80):
        row = effects(*synthetic(1.0 + rng.normal(0, 1, n))).iloc[0]
        widths.append(row["ci_high"] - row["ci_low"])
    assert widths[0] > widths[1] > widths[2]


def small_scenario(tmp_path, name: str, **changes) -> str:
    data = {"extends": str(BASELINE), "name": name, "population": {"n_firms": 150}, **changes}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.slow
def test_compare_end_to_end_and_self_comparison_is_zero(tmp_path, capsys):
    base = small_scenario(tmp_path, "small")
    framework = small_scenario(tmp_path, "small_fw", framework={"enabled": True})
    out = tmp_path / "cmp"
    argv = [
        "compare",
        base,
        framework,
        base,
        "--replicates",
        "3",
        "--years",
        "3",
        "--backend",
        "sequential",
        "--out",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "small_fw" in printed and "Transnational links" in printed
    table = pd.read_csv(out / "effects.csv")
    self_rows = table[table["scenario"] == "small#3"]
    assert len(self_rows) > 0
    assert (self_rows["mean_difference"] == 0).all()
    assert (self_rows["ci_low"] == 0).all() and (self_rows["ci_high"] == 0).all()
    assert {
        "scenario",
        "indicator",
        "year",
        "mean_difference",
        "ci_low",
        "ci_high",
        "relative_effect",
    } <= set(table.columns)
    assert set(table["year"]) == {0, 1, 2, 3}
    for name in ("trajectories", "effects", "trade_off"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 6  # the repeated base shares its runs
    assert main(argv) == 0  # resumes: nothing to run again
    assert "6 already done" in capsys.readouterr().out


def test_bad_scenario_references_give_the_config_error(tmp_path, capsys):
    assert (
        main(
            ["compare", str(BASELINE), str(tmp_path / "missing.yaml"), "--out", str(tmp_path / "o")]
        )
        == 2
    )
    assert "missing.yaml" in capsys.readouterr().err
    bad = small_scenario(tmp_path, "bad", policies=[{"kind": "matchmaking", "regions": ["ZZ99"]}])
    assert main(["compare", str(BASELINE), bad, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "ZZ99" in err and "policies[0].regions" in err
    assert not (tmp_path / "o").exists()
