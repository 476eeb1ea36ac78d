"""Scenario comparison: paired statistics on data with known answers, Holm's correction, the
power calculation, and the CLI end to end (levels, participants, doses, self-comparison)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from nsrsim.cli import main
from nsrsim.compare import Arm, Comparison, aggregate_effects, scaled
from nsrsim.stats import holm, mean_ci, paired_stats, replicates_needed

from .conftest import ROOT, SMALL


def synthetic(differences: np.ndarray) -> tuple[Comparison, pd.DataFrame]:
    """A base and an alternative whose paired differences are known."""
    n = len(differences)
    base = np.linspace(10.0, 20.0, n)
    cells = pd.DataFrame(
        {
            "label": ["base"] * n + ["alt"] * n,
            "dose": 1.0,
            "replicate": list(range(n)) * 2,
            "run_id": [f"b{i}" for i in range(n)] + [f"a{i}" for i in range(n)],
        }
    )
    runs = pd.DataFrame(
        {
            "run_id": cells["run_id"],
            "output_eur@1": np.r_[base, base + differences],
            "output_eur@1@DK01": np.r_[base, base],
        }
    )
    arms = [Arm("base", Path("b"), 1.0, {}), Arm("alt", Path("a"), 1.0, {})]
    return Comparison(arms, [], cells, "x"), runs


def test_effects_are_paired_t_intervals():
    diff = np.array([1.0, 2.0, 0.5, 1.5, 1.0])
    table = aggregate_effects(*synthetic(diff))
    row = table[table["level"] == "corridor"].iloc[0]
    half = stats.t.ppf(0.975, 4) * diff.std(ddof=1) / np.sqrt(5)
    assert row["mean_difference"] == pytest.approx(diff.mean())
    assert row["ci_low"] == pytest.approx(diff.mean() - half)
    assert row["ci_high"] == pytest.approx(diff.mean() + half)
    assert row["relative_effect"] == pytest.approx(diff.mean() / 15.0)
    assert row["p_value"] == pytest.approx(stats.ttest_1samp(diff, 0).pvalue)
    region = table[table["level"] == "region:DK01"].iloc[0]
    assert region["mean_difference"] == 0 and region["p_value"] == 1.0


def test_mde_and_power_are_consistent():
    rng = np.random.default_rng(4)
    diff = rng.normal(0.5, 1.0, 20)
    result = paired_stats(diff, np.ones(20))
    t = stats.t.ppf(0.975, 19) + stats.t.ppf(0.8, 19)
    assert result["mde"] == pytest.approx(t * diff.std(ddof=1) / np.sqrt(20))
    needed = replicates_needed(1.0, 0.5)
    assert 30 <= needed <= 40  # the textbook answer for d = 0.5 is about 34
    assert replicates_needed(1.0, 0.25) > needed
    assert np.isnan(replicates_needed(1.0, 0.0))


def test_holm_on_known_values():
    adjusted = holm(np.array([0.01, 0.04, 0.03, np.nan, 0.005]))
    np.testing.assert_allclose(adjusted[[4, 0, 2, 1]], [0.02, 0.03, 0.06, 0.06])
    assert np.isnan(adjusted[3])


def test_intervals_shrink_as_replicates_grow():
    rng = np.random.default_rng(4)
    widths = []
    for n in (5, 20, 80):
        row = aggregate_effects(*synthetic(1.0 + rng.normal(0, 1, n))).iloc[0]
        widths.append(row["ci_high"] - row["ci_low"])
    assert widths[0] > widths[1] > widths[2]


def test_dose_scales_only_the_scenarios_own_instruments():
    scenario = {
        "programmes": [{"budget_eur_per_year": 10.0}],
        "policies": [{"budget_eur_per_year": 4.0}],
        "framework": {"budget_eur_per_year": 3.0},
    }
    twice = scaled(scenario, 2.0)
    assert twice["policies"][0]["budget_eur_per_year"] == 8.0
    assert twice["programmes"][0]["budget_eur_per_year"] == 10.0
    assert twice["framework"]["budget_eur_per_year"] == 3.0
    assert scenario["policies"][0]["budget_eur_per_year"] == 4.0


def small_scenario(tmp_path, name: str, extends: Path = SMALL, **changes) -> str:
    data = {"extends": str(extends), "name": name, **changes}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


@pytest.mark.slow
def test_compare_end_to_end(tmp_path, capsys):
    base = small_scenario(tmp_path, "small_base")
    policy = small_scenario(
        tmp_path,
        "small_policy",
        policies=[
            {"kind": "matchmaking", "budget_eur_per_year": 2e6, "scope": "cross_border"},
            {"kind": "innovation_management", "budget_eur_per_year": 1e6, "duration_years": 2},
        ],
    )
    out = tmp_path / "cmp"
    argv = [
        "compare", base, policy, base, "--replicates", "3", "--years", "3",
        "--backend", "sequential", "--out", str(out), "--quiet", "--dose", "0,1", "--power", "0.01",
    ]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "Participants (" in printed and "Corridor, year 3" in printed
    assert "Replicates needed" in printed
    table = pd.read_csv(out / "effects.csv")
    assert {"participants", "corridor", "urban", "rural", "region:DK03"} <= set(table["level"])
    for column in ("dose", "mde", "p_holm", "significant", "replicates_needed", "sd_difference"):
        assert column in table.columns
    self_rows = table[table["scenario"].str.startswith("small_base")]
    assert len(self_rows) > 0
    assert (self_rows["mean_difference"].fillna(0) == 0).all()
    zero = table[(table["scenario"] == "small_policy x0") & (table["level"] != "participants")]
    assert (zero["mean_difference"].fillna(0) == 0).all()  # dose 0: exactly the base
    assert "participants" not in set(table[table["scenario"] == "small_policy x0"]["level"])
    part = table[(table["scenario"] == "small_policy x1") & (table["level"] == "participants")]
    final = part[part["year"] == 3].set_index("indicator")
    assert final.loc["cross_border_partners", "mean_difference"] > 0
    assert (out / "persistence.csv").exists()
    for name in ("trajectories", "effects", "trade_off", "participants", "dose_response"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 9  # base, policy x0, policy x1 (the repeated base shares its runs)
    assert len(list((out / "panel").glob("*.parquet"))) == 9
    assert main(argv) == 0  # resumes: nothing to run again
    assert "9 already done" in capsys.readouterr().out


def test_bad_input_gives_exit_2_and_writes_nothing(tmp_path, capsys):
    base = str(ROOT / "configs" / "baseline.yaml")
    out = tmp_path / "o"
    assert main(["compare", base, str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    bad = small_scenario(tmp_path, "bad", policies=[{"kind": "matchmaking", "regions": ["ZZ99"]}])
    assert main(["compare", base, bad, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "ZZ99" in err and "policies[0].regions" in err
    for flags, needle in (
        (["--dose", "1,-2"], "--dose"),
        (["--dose", "a,b"], "--dose"),
        (["--replicates", "1"], "--replicates"),
        (["--power", "0"], "--power"),
    ):
        assert main(["compare", base, base, "--out", str(out), *flags]) == 2
        assert needle in capsys.readouterr().err
    assert not out.exists()


def test_one_interval_formula_for_tables_and_figures():
    """A mean's interval and a paired effect's are the same t interval at any replicate count
    (figures used 1.96 before: too narrow at few replicates)."""
    values = np.array([1.0, 2.0, 4.0])
    mean, low, high = mean_ci(values)
    paired = paired_stats(values, np.ones(3))
    assert (low, high) == pytest.approx((paired["ci_low"], paired["ci_high"]))
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    assert high - mean == pytest.approx(half) and half > 1.96 * values.std(ddof=1) / np.sqrt(3)


@pytest.mark.parametrize("records", [0, 1, 60, 4000])
def test_the_first_year_a_firm_was_reached_is_what_a_groupby_gives(records):
    """Participants' first year reached and the real firms of their first record, as pandas'
    ``groupby(firm).year.min()`` and ``real_firms.first()`` (ids ascending)."""
    from nsrsim.effects import first_reached

    rng = np.random.default_rng(records)
    who = pd.DataFrame(
        {
            "firm": rng.integers(0, 300, records).astype(np.int64),
            "year": rng.integers(0, 10, records),
            "real_firms": rng.random(records),
        }
    )
    ids, since, weight = first_reached(
        who["firm"].to_numpy(), who["year"].to_numpy(), who["real_firms"].to_numpy()
    )
    first = who.groupby("firm")["year"].min()
    np.testing.assert_array_equal(ids, first.index.to_numpy())
    np.testing.assert_array_equal(since, first.to_numpy())
    np.testing.assert_array_equal(weight, who.groupby("firm")["real_firms"].first().to_numpy())
