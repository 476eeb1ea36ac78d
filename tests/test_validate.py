"""Validation patterns: each measurement recovers a known answer on synthetic data; the report
and the command; calibration helpers."""

import numpy as np
import pandas as pd
import pytest
import yaml

from nsrsim.calibrate import band_distance, distances, posterior
from nsrsim.cli import main
from nsrsim.config import Range
from nsrsim.validate import (
    PATTERNS,
    RunTables,
    abroad_gap,
    cooperation_country_gap,
    country_rate_gap,
    gravity,
    innovator_shares,
    pareto_tail,
    report,
    sector_structure_gap,
    size_class_shares,
    top_three_share,
    trend_per_decade,
)
from nsrsim.world import facts

from .conftest import SMALL


def test_gravity_recovers_a_known_elasticity_and_border_effect():
    rng = np.random.default_rng(3)
    n = 25
    mass = rng.uniform(100, 5000, n)
    xy = rng.uniform(0, 800, (n, 2))
    country = rng.integers(0, 4, n)
    rows = []
    for a in range(n):
        for b in range(n):
            if a == b:
                continue
            distance = float(np.hypot(*(xy[a] - xy[b]))) + 20.0
            cross = country[a] != country[b]
            mean = 0.02 * mass[a] * mass[b] * distance**-0.8 / (3.0 if cross else 1.0)
            rows.append((rng.poisson(mean), mass[a], mass[b], distance, cross))
    pairs = pd.DataFrame(rows, columns=["links", "mass_a", "mass_b", "distance_km", "cross_border"])
    elasticity, border = gravity(pairs)
    assert elasticity == pytest.approx(-0.8, abs=0.05)
    assert border == pytest.approx(3.0, rel=0.1)


def test_pareto_tail_recovers_a_known_exponent():
    rng = np.random.default_rng(5)
    sizes = 250.0 * (1.0 - rng.random(50_000)) ** (-1.0 / 1.1)
    assert pareto_tail(sizes, np.ones_like(sizes), 250.0) == pytest.approx(1.1, rel=0.03)
    weights = rng.integers(1, 5, sizes.size).astype(float)  # weights count firms, not agents
    repeated = np.repeat(sizes, weights.astype(int))
    assert pareto_tail(sizes, weights, 250.0) == pytest.approx(
        pareto_tail(repeated, np.ones_like(repeated), 250.0)
    )


def test_trend_and_report():
    assert trend_per_decade(pd.Series(0.05 + 0.001 * np.arange(21))) == pytest.approx(0.01)
    per_run = pd.DataFrame({p.name: [p.low, p.high] for p in PATTERNS})  # both ends in band
    table = report(per_run)
    assert table["in_band"].all() and table["group_passes"].all()
    per_run.loc[:, "theil_trend"] = 1.0
    table = report(per_run).set_index("pattern")
    assert not table.loc["theil_level", "group_passes"]  # a group passes together


def test_band_distance_and_posterior():
    assert band_distance(0.5, 0.0, 1.0) == 0.0
    assert band_distance(3.0, 0.0, 1.0) == pytest.approx(2.0)
    assert band_distance(np.nan, 0.0, 1.0) == np.inf
    assert Range(min=1, max=100, scale="log").value(0.5) == pytest.approx(10.0)
    runs = pd.DataFrame({"point": [0, 0, 1, 1], "pattern:cross_border_share": [0.1, 0.1, 0.5, 0.7]})
    table = distances(runs, ["cross_border_share"])
    assert table.loc[0, "distance"] == 0 and table.loc[1, "distance"] > 2
    sets = pd.DataFrame({"x": [1.0, 2.0]})
    assert posterior(sets, table, 0.5).index.tolist() == [0]
    runs["pattern:border_effect"] = [9.0, 9.0, 5.0, 5.0]  # set 0: 1.33 band widths out
    both = distances(runs, ["cross_border_share", "border_effect"])
    assert both.loc[0, "distance"] == pytest.approx(4 / 3)
    light = distances(runs, ["cross_border_share", "border_effect"], {"border_effect": 0.5})
    assert light.loc[0, "distance"] == pytest.approx(2 / 3)
    assert light.loc[1, "distance"] == both.loc[1, "distance"]


@pytest.mark.slow
def test_demography_measures_recover_known_rates():
    """Firms of DE and NL regions born and dying at known rates: the gap to the cited rates
    is the chosen offset."""
    rates = facts.business_demography()
    rows = []
    for year in range(3):
        for region, country, offset in (("DE60", "DE", 0.5), ("NL11", "NL", -0.25)):
            births = 1000 * (rates.loc[country, "birth_rate_pct"] + offset) / 100
            rows.append({"year": year, "region": region, "firms": 1000.0, "births": births})
    regions = pd.DataFrame(rows).assign(deaths=0.0)
    run = RunTables(pd.DataFrame(), regions, pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    assert country_rate_gap(run, "births", "birth_rate_pct") == pytest.approx(0.5)


def test_size_shares_count_agents_by_size_and_cohorts_by_class():
    firms = pd.DataFrame(
        {
            "region": ["DE60"] * 4,
            "fine": [True, True, False, False],
            "jobs": [12.0, 300.0, 20.0, 2.0],  # the cohort of 20 persons stays "micro"
            "size_class": ["micro", "large", "micro", "medium"],
            "real_firms": [1.0, 1.0, 10.0, 50.0],
        }
    )
    shares = size_class_shares(firms).loc["DE"]
    total = 12 + 300 + 200 + 100
    expected = [200 / total, 12 / total, 100 / total, 300 / total]
    np.testing.assert_allclose(shares.to_numpy(), 100 * np.array(expected))


def survey_firms() -> pd.DataFrame:
    """Danish firms of 10+ persons: two small firm agents (one innovated), a medium cohort
    whose firms expect 0.5 innovations in the window, a micro firm the survey does not count;
    and one German small firm agent that innovated."""
    return pd.DataFrame(
        {
            "region": ["DK01", "DK01", "DK01", "DK01", "DE60"],
            "fine": [True, True, False, True, True],
            "jobs": [12.0, 30.0, 80.0, 3.0, 20.0],
            "size_class": ["small", "small", "medium", "micro", "small"],
            "real_firms": [2.0, 2.0, 4.0, 9.0, 1.0],
            "innovator_3y": [1.0, 0.0, -np.expm1(-0.5), 1.0, 1.0],
            "partnered_3y": [1.0, 0.0, 0.25, 1.0, 0.0],
            "abroad_3y": [0.0, 0.0, 0.25, 1.0, 0.0],
        }
    )


def test_innovator_shares_count_as_the_survey_does():
    shares = innovator_shares(survey_firms())
    assert shares.loc["DK", "small"] == pytest.approx(50.0)  # one of two equal agents
    assert shares.loc["DK", "medium"] == pytest.approx(100 * -np.expm1(-0.5))
    chance = -np.expm1(-0.5)
    assert shares.loc["DK", "total"] == pytest.approx(100 * (2 + 4 * chance) / 8)
    assert shares.loc["DE", "small"] == 100.0 and np.isnan(shares.loc["DE", "medium"])


def test_cooperation_gaps_count_firm_agents_by_country():
    run = RunTables(pd.DataFrame(), pd.DataFrame(), survey_firms(), pd.DataFrame(), pd.DataFrame())
    survey = facts.innovation_survey()
    # DK: the innovating small agent (2 firms) has a partner, the cohort does not count;
    # DE: one innovating firm without a partner. Any partner: per country
    dk = cooperation_country_gap(run, "DK")
    assert dk == pytest.approx(100.0 - survey.loc["DK", "cooperating_pct"])
    assert cooperation_country_gap(run, "DE") == -survey.loc["DE", "cooperating_pct"]
    assert np.isnan(cooperation_country_gap(run, "SE"))  # no Swedish firms in this run
    # abroad: the corridor's gap, countries weighted by their innovators
    abroad = np.average(
        [0.0 - survey.loc["DK", "abroad_pct"], 0.0 - survey.loc["DE", "abroad_pct"]],
        weights=[2.0, 1.0],
    )
    assert abroad_gap(run) == pytest.approx(abroad)


def test_sector_structure_gap_is_the_largest_over_regions_and_sectors():
    data = facts.sector_employment().loc["DE60"]
    firms = pd.DataFrame(
        {
            "region": "DE60",
            "sector": data.index,
            "real_firms": 1.0,
            "jobs": 1000 * data.to_numpy(),
        }
    )
    firms.loc[firms["sector"] == "other", "jobs"] += 10.0  # 10 jobs more of about 1,010
    run = RunTables(pd.DataFrame(), pd.DataFrame(), firms, pd.DataFrame(), pd.DataFrame())
    other = data["other"]
    assert sector_structure_gap(run) == pytest.approx(
        100 * ((1000 * other + 10) / 1010 - other), rel=1e-6
    )


def test_top_three_share_is_the_largest_over_regions():
    firms = pd.DataFrame(
        {
            "region": ["A"] * 5 + ["B"] * 4,
            "real_innovations_year": [1, 1, 1, 1, 6, 1, 1, 1, 1],
        }
    )
    run = RunTables(pd.DataFrame(), pd.DataFrame(), firms, pd.DataFrame(), pd.DataFrame())
    assert top_three_share(run) == pytest.approx(max(8 / 10, 3 / 4))


def test_validate_command_end_to_end(tmp_path, capsys):
    out = tmp_path / "val"
    argv = [
        "validate", str(SMALL), "--replicates", "2", "--years", "4",
        "--backend", "sequential", "--out", str(out), "--quiet",
    ]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "patterns pass" in printed
    table = pd.read_csv(out / "validation.csv")
    assert list(table["pattern"]) == [p.name for p in PATTERNS]
    assert {"target_low", "target_high", "source", "mean", "ci_low", "ci_high"} <= set(table)
    for name in ("gravity", "firm_sizes", "innovation_ranks", "theil"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["validate", str(SMALL), "--replicates", "1", "--out", str(tmp_path / "x")]) == 2
    assert "--replicates" in capsys.readouterr().err


@pytest.mark.slow
def test_calibrate_command_end_to_end(tmp_path, capsys):
    spec = tmp_path / "cal.yaml"
    spec.write_text(
        f"name: tiny_cal\nbase: {SMALL}\nsamples: 4\nrounds: 2\nyears: 3\naccept: 0.5\n"
        "point: best\n"
        "parameters:\n  partnering.decay_km: {min: 50, max: 500, scale: log}\n"
        "  mobility.stay_premium: {min: 0.0, max: 5.0}\n"
        "execution: {backend: sequential}\n"
    )
    out = tmp_path / "cal"
    assert main(["calibrate", str(spec), "--out", str(out), "--quiet"]) == 0
    sets = pd.read_csv(out / "sets.csv")
    accepted = pd.read_csv(out / "accepted.csv")
    assert len(sets) == 8 and sets["set"].is_unique and len(accepted) == 2
    first, second = sets[sets["round"] == 0], sets[sets["round"] == 1]
    best = first.nsmallest(2, "distance")
    for name in ("partnering.decay_km", "mobility.stay_premium"):  # round 2 samples the box
        width = best[name].max() - best[name].min()
        assert second[name].between(best[name].min() - width, best[name].max() + width).all()
    assert set(accepted["set"]) <= set(second.nsmallest(2, "distance")["set"])
    calibrated = (out / "calibrated.yaml").read_text()
    assert "extends:" in calibrated and "decay_km" in calibrated
    assert (out / "figures" / "posterior.png").read_bytes()[:4] == b"\x89PNG"
    assert "Posterior medians" in capsys.readouterr().out
    best = yaml.safe_load(calibrated)["partnering"]["decay_km"]
    assert best == pytest.approx(accepted["partnering.decay_km"].iloc[0])  # point: best


def test_calibration_file_errors_name_the_field(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        f"name: bad\nbase: {SMALL}\nparameters:\n  partnering.decay_km: {{min: 500, max: 50}}\n"
    )
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "min (500.0) must be below max (50.0)" in err
    spec.write_text(
        f"name: bad\nbase: {SMALL}\npatterns: [nonsense]\n"
        "parameters:\n  partnering.decay_km: {min: 50, max: 500}\n"
    )
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "nonsense" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
