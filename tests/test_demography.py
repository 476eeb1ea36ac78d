"""The firm population against the data (issue 22): births and deaths by country, the size
structure over 30 years, no handful of agents deciding a region, a settled year 0, symmetric
link relations and yearly counts that do not depend on the time step."""

import numpy as np
import pandas as pd
import pytest

from nsrsim import NSRModel, accounts
from nsrsim.config import load_scenario
from nsrsim.simulate import simulate
from nsrsim.validate import (
    RunTables,
    country_rate_gap,
    size_structure_gap,
    top_three_share,
)
from nsrsim.world import facts

from .conftest import BASELINE, SMALL, experiment_script


def run_tables(years: int, seed: int = 1, **overrides) -> RunTables:
    result = simulate(load_scenario(BASELINE, {"run.years": years, "run.seed": seed, **overrides}))
    final = result.firms[result.firms["year"] == result.firms["year"].max()]
    return RunTables(result.indicators, result.regions, final, result.links, result.region_pairs)


@pytest.fixture(scope="module")
def thirty_years() -> RunTables:
    return run_tables(30)


@pytest.mark.slow
def test_birth_and_death_rates_by_country_are_the_cited_ones(thirty_years):
    assert country_rate_gap(thirty_years, "births", "birth_rate_pct") < 1.0
    assert country_rate_gap(thirty_years, "deaths", "death_rate_pct") < 1.0


@pytest.mark.slow
def test_employment_by_size_class_stays_within_three_points_over_30_years(thirty_years):
    assert size_structure_gap(thirty_years) < 3.0


@pytest.mark.slow
def test_no_handful_of_agents_decides_the_innovations(thirty_years):
    firms = thirty_years.firms
    share = firms["real_innovations_year"] / firms["real_innovations_year"].sum()
    assert share.max() < 0.01  # no agent makes 1 % of the corridor's innovations
    assert top_three_share(thirty_years) <= 0.10  # nor three agents 10 % of a region's


@pytest.mark.slow
def test_year_0_is_settled(thirty_years):
    first = thirty_years.indicators.iloc[0]
    for name in ("innovations", "births", "deaths", "links", "links_formed", "investment_eur"):
        assert first[name] > 0, name
    assert 0 < first["cross_border_share"] < 1 and first["linked_firm_share"] > 0


def test_the_burn_in_is_the_same_in_every_scenario():
    """Policies start at year 0, so a scenario and its base are identical at year 0 (exact
    pairs), while the programmes of today ran in the burn-in."""
    base = NSRModel(SMALL)
    policy = NSRModel(
        load_scenario(
            SMALL,
            {
                "framework.enabled": True,
                "framework.budget_eur_per_year": 1e6,
                "policies": [{"kind": "rd_subsidy", "budget_eur_per_year": 1e6}],
            },
        )
    )
    for name in base.firms.columns():
        np.testing.assert_array_equal(
            getattr(base.firms, name)[: base.firms.n], getattr(policy.firms, name)[: policy.firms.n]
        )
    np.testing.assert_array_equal(base.links.a, policy.links.a)
    assert len(base.links) > 0 and base.steps == 0 and base.year == 0


def test_a_links_real_relations_are_the_same_on_both_sides():
    model = NSRModel(SMALL)
    weight = model.firms.weight
    pairs = model.links.relations(weight, model.pair_firms)
    smaller = np.minimum(weight[model.links.a], weight[model.links.b])
    np.testing.assert_array_equal(pairs, np.minimum(smaller, model.pair_firms))
    assert accounts.partner_counts(model).all.sum() == pytest.approx(2 * pairs.sum())
    share_a, share_b = pairs / weight[model.links.a], pairs / weight[model.links.b]
    np.testing.assert_allclose(share_a * weight[model.links.a], share_b * weight[model.links.b])
    small = smaller <= model.pair_firms  # then the smaller side's firms are all in the link
    assert (np.maximum(share_a, share_b)[small] == 1).all()
    assert (np.maximum(share_a, share_b)[~small] < 1).all()


@pytest.mark.slow
def test_yearly_counts_do_not_depend_on_the_time_step():
    """Mean yearly counts over 10 years and three seeds (one seed's counts differ by about 2 %
    between any two time steps by chance alone), and a firm agent's own innovations since
    year 0 (a Poisson count a step, not one event at most)."""
    counts = {}
    for steps in (1, 4, 12):
        tables = [
            run_tables(10, seed, **{"run.steps_per_year": steps, "run.burn_in_years": 10})
            for seed in (1, 2, 3)
        ]
        counts[steps] = sum(
            pd.concat(
                [
                    run.indicators.loc[lambda t: t["year"] > 0]
                    .loc[:, ["innovations", "births", "deaths", "links_formed"]]
                    .mean(),
                    pd.Series({"own": run.firms.loc[run.firms["fine"], "innovations"].mean()}),
                ]
            )
            for run in tables
        )
    table = pd.DataFrame(counts)
    assert (table[1] / table[4] - 1).abs().max() < 0.03, table
    assert (table[12] / table[4] - 1).abs().max() < 0.03, table


def test_the_cited_rates_cover_every_country():
    countries = set(facts.regions()["country"])
    assert set(facts.business_demography().index) >= countries
    assert set(facts.tertiary().index) >= countries
    assert facts.business_demography()["death_source"].str.len().min() > 20


def test_an_effect_on_the_corridor_splits_into_parts_that_add_up(tmp_path):
    """experiments/attribute_effect.py: participants, their partners, other firm agents and
    cohorts add up to the corridor's paired difference; a policy's own participants are found.
    """
    module = experiment_script("attribute_effect.py")
    alternative = tmp_path / "coached.yaml"
    alternative.write_text(
        f"extends: {SMALL}\nname: coached\npolicies:\n"
        "  - {kind: innovation_management, budget_eur_per_year: 2000000}\n"
    )
    parts = module.split(str(SMALL), str(alternative), 5, 2)
    total = sum(parts[name] for name in module.PARTS)
    assert total == pytest.approx(parts["corridor"])
    assert parts["participants"] > 0  # coaching raises its participants' innovation rate
