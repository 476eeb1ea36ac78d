"""Firms innovate and cooperate as the innovation survey finds them (issue 23): innovators rise
with size, most firms have no partner, membership stays at the data's level without a policy,
sectors and strategies come from data with a source for every row."""

import numpy as np
import pytest

from nsrsim import NSRModel, accounts
from nsrsim.config import load_scenario
from nsrsim.rules import innovation
from nsrsim.simulate import simulate
from nsrsim.validate import (
    RunTables,
    cooperation_shares,
    innovator_country_gap,
    innovator_shares,
    sector_structure_gap,
)
from nsrsim.world import facts

from .conftest import BASELINE, SMALL


@pytest.fixture(scope="module")
def thirty_years() -> RunTables:
    result = simulate(load_scenario(BASELINE, {"run.years": 30, "run.seed": 3}))
    final = result.firms[result.firms["year"] == result.firms["year"].max()]
    return RunTables(result.indicators, result.regions, final, result.links, result.region_pairs)


@pytest.mark.slow
def test_the_share_of_innovators_rises_with_size_in_every_country(thirty_years):
    shares = innovator_shares(thirty_years.firms)
    assert (shares["small"] < shares["medium"]).all() and (shares["medium"] < shares["large"]).all()
    assert innovator_country_gap(thirty_years) < 5.0  # the survey's level holds for 30 years


@pytest.mark.slow
def test_most_firms_have_no_partner(thirty_years):
    firms = thirty_years.firms
    fine = firms[firms["fine"]]
    linked = np.average(fine["partnered_3y"], weights=fine["real_firms"])
    assert 0.1 < linked < 0.75
    assert np.average(firms["partnered_3y"], weights=firms["real_firms"]) < 0.1


@pytest.mark.slow
def test_innovators_cooperate_in_the_survey_countries_order(thirty_years):
    """National cooperation cultures: the survey has Denmark's innovators cooperating most and
    Germany's least (57 and 21 %); the model keeps that order for 30 years."""
    shares = cooperation_shares(thirty_years.firms, "partnered_3y")["share"]
    assert shares["DK"] > shares["NO"] > shares["DE"] and shares["SE"] > shares["DE"]
    assert shares["DK"] - shares["DE"] > 20.0


def test_a_country_search_culture_scales_only_its_own_searches():
    """Halving Denmark's factor halves Danish firms' partner searches and leaves the rest."""
    model = NSRModel(SMALL, rng=2)
    culture = dict(model.config.partnering.search_culture)
    half = NSRModel(SMALL, rng=2, partnering__search_culture={**culture, "DK": culture["DK"] / 2})
    np.testing.assert_allclose(
        half.search_culture / model.search_culture,
        [0.5 if c == "DK" else 1.0 for c in model.countries],
    )


@pytest.mark.slow
def test_membership_stays_within_a_fifth_of_its_start_for_30_years(thirty_years):
    members = thirty_years.indicators["cluster_members"]
    assert (members / members.iloc[0] - 1).abs().max() < 0.2, members.round().tolist()


@pytest.mark.slow
def test_employment_by_sector_stays_the_regions(thirty_years):
    assert sector_structure_gap(thirty_years) < 5.0


def test_at_year_0_each_country_innovates_as_the_survey_finds():
    model = NSRModel(SMALL)  # after its burn-in
    firms = model.firms
    live = firms.live()
    rows = live[accounts.surveyed(firms.fine[live], firms.jobs[live], firms.size[live])]
    rate = innovation.innovation_rate(
        model.innovation_effort(rows), model.partner_values()[rows], model.config.innovation
    )
    chance = -np.expm1(-3.0 * rate)
    country = firms.country[rows]
    weight = firms.weight[rows]
    shares = np.bincount(country, weights=weight * chance) / np.bincount(country, weights=weight)
    survey = facts.innovation_survey()["innovators_pct"].reindex(model.countries).to_numpy()
    np.testing.assert_allclose(100.0 * shares, survey, rtol=1e-6)


def test_every_region_has_sourced_priorities_that_map_to_model_sectors():
    named = facts.s3_priorities()
    mapped = named[named["model_sector"] != "unmapped"]
    assert set(facts.regions().index) <= set(mapped["region"])
    assert named["source"].str.strip().str.len().gt(0).all()
    assert named.loc[named["model_sector"] == "unmapped", "mapping_note"].notna().all()


def test_sector_shares_are_sourced_and_leave_most_jobs_to_the_rest_of_the_economy():
    shares = facts.sector_employment()
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (shares["other"] > 0.65).all()
    table = facts.read_table("sector_employment.csv")
    assert table["source"].str.len().gt(0).all()
