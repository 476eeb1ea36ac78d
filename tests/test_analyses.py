"""The project idea's analyses: the linkage ranking on a hand-made world gives the known order,
the innovation gap's observed columns are the shipped data, a brokered partnership with no
money gives exactly zero effect end to end, and bad options are clear errors."""

import numpy as np
import pandas as pd
import pytest

from nsrsim.analyses import gap, linkages, partnerships
from nsrsim.analyses.pipeline import assemble, make_plan, outputs
from nsrsim.cli import main
from nsrsim.errors import NsrsimError
from nsrsim.runner import run_batch
from nsrsim.sectors import Sector
from nsrsim.world import facts

from .conftest import SMALL, small

W, M, C, ICT, F = Sector.WIND, Sector.MARITIME, Sector.CLEANTECH, Sector.ICT, Sector.FOOD


def three_regions(cooperation: dict[tuple[str, str], float]) -> pd.DataFrame:
    """A hand-made world: AA and BB (two countries) share two priorities and cooperate
    little; AA and CC share two but an INTERREG A programme links them; BB and CC share one
    and complement another (maritime-wind) with no tie; travel 2, 3 and 9 hours."""
    codes = ["AA", "BB", "CC"]
    table = linkages.pair_table(
        codes,
        {"AA": "X", "BB": "Y", "CC": "Z"},
        {"AA": [W, C, ICT], "BB": [W, C, F], "CC": [W, ICT, M]},
        np.array([[0, 2, 3], [2, 0, 9], [3, 9, 0]], float),
        np.array([[0, 0, 1], [0, 0, 0], [1, 0, 0]], bool),
        0.5,
    )
    table["links_per_1000_firms"] = [cooperation[(a, b)] for a, b in zip(
        table["region_a"], table["region_b"], strict=True)]  # fmt: skip
    return linkages.rank(table)


def test_linkage_ranking_on_a_hand_made_world_gives_the_known_order():
    ranked = three_regions({("AA", "BB"): 0.5, ("AA", "CC"): 0.0, ("BB", "CC"): 0.0})
    by_pair = ranked.set_index(["region_a", "region_b"])
    assert by_pair.loc[("AA", "BB"), "shared_priorities"] == "cleantech;wind"
    assert by_pair.loc[("BB", "CC"), "n_shared"] == 1
    assert by_pair.loc[("BB", "CC"), "complementary_priorities"] == "cleantech+maritime"
    assert by_pair.loc[("AA", "BB"), "potential_rank"] == 1  # overlap 2 beats 1.5
    assert by_pair.loc[("BB", "CC"), "potential_rank"] == 2
    assert np.isnan(by_pair.loc[("AA", "CC"), "potential_rank"])  # INTERREG A links them
    assert by_pair.loc[("AA", "CC"), "why_not"] == "INTERREG A programme already links them"


def test_cooperation_today_breaks_ties_in_overlap():
    """Equal overlap: the pair cooperating less today comes first, then the nearer one."""
    codes = ["AA", "BB", "CC"]
    table = linkages.pair_table(
        codes,
        {"AA": "X", "BB": "Y", "CC": "Z"},
        {"AA": [W], "BB": [W], "CC": [W]},
        np.array([[0, 2, 3], [2, 0, 9], [3, 9, 0]], float),
        np.zeros((3, 3), bool),
        0.5,
    )
    table["links_per_1000_firms"] = [1.0, 0.0, 0.0]  # AA-BB, AA-CC, BB-CC
    ranked = linkages.rank(table)
    assert list(zip(ranked["region_a"], ranked["region_b"], strict=True)) == [
        ("AA", "CC"), ("BB", "CC"), ("AA", "BB")
    ]  # fmt: skip


def test_innovation_gap_observed_columns_are_the_shipped_data(baseline_world):
    regions = baseline_world.regions
    hotspot = pd.Series(False, index=regions.index)
    observed = gap.observed_regions(regions, hotspot)
    ris = facts.ris_scores()
    shipped = ris["ris_2019_rii"].reindex(regions.index)
    pd.testing.assert_series_equal(observed["ris_2019_rii"], shipped, check_names=False)
    for column in ("rd_intensity_pct_gdp", "berd_pct_gdp", "ris_group"):
        pd.testing.assert_series_equal(observed[column], regions[column], check_names=False)
    assert observed["ris_2019_rii_source"].notna().sum() == shipped.notna().sum()


def test_cohort_effect_of_identical_runs_is_exactly_zero():
    panel = pd.DataFrame(
        {
            "year": [0, 0, 0, 2, 2],
            "firm": [1, 2, 3, 1, 3],
            "real_firms": [1.0, 2.0, 1.0, 1.0, 1.0],
            "cluster": [0, 1, -1, 0, -1],
            "partners": [0, 1, 0, 2, 1],
            "innovations": [0.0, 1.0, 0.0, 3.0, 0.0],
            "productivity_eur": [5e4, 6e4, 4e4, 5.5e4, 4e4],
        }
    )
    effect = partnerships.cohort_effect(panel, panel, (0, 1), 2)
    assert effect == {"cohort_real_firms": 3.0, "partners": 0.0, "innovations": 0.0,
                      "productivity_eur": 0.0}  # fmt: skip
    more = panel.assign(partners=panel["partners"] + (panel["firm"] == 1))
    assert partnerships.cohort_effect(panel, more, (0, 1), 2)["partners"] == 1.0


@pytest.mark.slow
def test_a_partnership_without_money_has_exactly_zero_effect(tmp_path):
    """End to end on the small world: budget 0 (no introduction bought) gives runs identical
    to the baseline, so every simulated effect is exactly 0 with a zero-width interval."""
    scenario = small(**{"run.years": 2})
    plan = make_plan(scenario, replicates=2, top=1, budget_eur=0.0)
    assert len(plan.chosen) >= 1
    run_batch(plan.runs, tmp_path, "t", plan.digest, {}, outputs(plan.years), backend="sequential",
              jobs=1, scheduler=None, progress=False, log=lambda _: None)  # fmt: skip
    tables = assemble(plan, tmp_path)
    for name in partnerships.EFFECT_OUTCOMES:
        assert (tables.partnerships[name] == 0.0).all()
        assert (tables.partnerships[f"{name}_ci_high"] == 0.0).all()
    assert tables.gap_regions["innovations_per_1000_jobs"].gt(0).any()
    assert tables.linkages["links_per_1000_firms"].notna().all()


@pytest.mark.parametrize(
    ("flags", "needle"),
    [(["--replicates", "1"], "--replicates"), (["--top", "0"], "--top"),
     (["--budget", "-5"], "--budget")],
)  # fmt: skip
def test_bad_analyse_options_are_clear_errors(flags, needle, capsys, tmp_path):
    code = main(["analyse", str(SMALL), *flags, "--out", str(tmp_path / "x")])
    assert code == 2
    assert needle in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_make_plan_rejects_one_replicate():
    with pytest.raises(NsrsimError, match="at least 2"):
        make_plan(small(), replicates=1, top=1, budget_eur=None)


def test_candidates_are_the_top_of_each_category_and_can_skip_interreg_pairs():
    table = pd.DataFrame(
        {
            "cluster_a": list("abcdef"),
            "cluster_b": list("uvwxyz"),
            "category": ["experienced"] * 3 + ["pioneering"] * 3,
            "score": [0.9, 0.5, 0.1, 0.4, 0.0, 0.3],
            "interreg_a_tie": [True, False, False, False, False, True],
        }
    )
    assert partnerships.candidates(table, 2)["cluster_a"].tolist() == ["a", "b", "d", "f"]
    beyond = partnerships.candidates(table, 2, beyond_interreg=True)
    assert beyond["cluster_a"].tolist() == ["b", "c", "d"]  # zero scores are never candidates


def test_a_one_country_scenario_is_a_clear_error():
    scenario = small(**{"world.regions": ["DK01", "DK02", "DK03", "DK04", "DK05"]})
    with pytest.raises(NsrsimError, match="two countries"):
        make_plan(scenario, replicates=2, top=1, budget_eur=None)
