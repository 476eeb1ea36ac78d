"""Instruments one by one, as rules are tested: each is given a year's context
(``policy.PolicyYear``) and its own ledger, never the model, and reports what it changes
beyond firms, links and ledger in ``changes``; the model's own state is untouched."""

from dataclasses import replace

import numpy as np
import pytest

from nsrsim import NSRModel, policy
from nsrsim.config import PolicyInstrument
from nsrsim.sectors import SECTORS

from .conftest import small


@pytest.fixture(scope="module")
def model() -> NSRModel:
    model = NSRModel(small())
    model.step()
    return model


def given(model: NSRModel) -> policy.PolicyYear:
    """A fresh context of the model's current year with a one-instrument ledger."""
    return replace(
        model.policy_year(model.absorptive()),
        ledger=policy.Ledger(1),
        served={},
        changes=policy.Changes(),
    )


def spend(ctx: policy.PolicyYear, **instrument) -> float:
    """Run one instrument for a year in ``ctx``; what it carries into next year."""
    return policy.apply(ctx, 0, PolicyInstrument.model_validate(instrument), 0.0)


def test_talent_attraction_reports_its_recruits_and_leaves_the_regions_alone(model):
    skilled, recruited = model.skilled.copy(), model.recruited
    ctx = given(model)
    spend(ctx, kind="talent_attraction", budget_eur_per_year=5e5)
    (recruits,) = ctx.changes.recruits
    chosen = ctx.ledger.rows[0]
    assert recruits.sum() == pytest.approx(chosen["real_firms"].sum())
    assert recruits.sum() > 0
    assert ctx.ledger.spent_eur[0] <= 5e5
    np.testing.assert_array_equal(model.skilled, skilled)  # the model applies it, not the policy
    assert model.recruited == recruited


def test_cluster_management_shares_its_whole_budget_among_the_targeted_initiatives(model):
    funding = model.cluster_funding.copy()
    ctx = given(model)
    spend(ctx, kind="cluster_management", budget_eur_per_year=3e5, sectors=["wind"])
    (added,) = ctx.changes.funding
    wind = model.cluster_info.sector == SECTORS.index("wind")
    assert added.sum() == pytest.approx(3e5)
    assert (added[~wind] == 0).all() and (added[wind] > 0).all()
    np.testing.assert_array_equal(model.cluster_funding, funding)


def test_infrastructure_reports_the_project_it_opens(model):
    ctx = given(model)
    spend(ctx, kind="infrastructure", project="fehmarnbelt", budget_eur_per_year=1e8)
    assert ctx.changes.opened == ["fehmarnbelt"]
    assert "fehmarnbelt" not in model.opened_projects


def test_a_year_without_money_changes_nothing_and_carries_nothing(model):
    ctx = given(model)
    coached = model.firms.coached_year.copy()
    assert spend(ctx, kind="innovation_management", budget_eur_per_year=0.0) == 0.0
    assert ctx.changes == policy.Changes()
    assert ctx.ledger.spent_eur[0] == 0.0 and not ctx.ledger.rows
    np.testing.assert_array_equal(model.firms.coached_year, coached)


def test_unspent_money_is_carried_while_the_instrument_runs(model):
    ctx = given(model)
    carried = spend(ctx, kind="innovation_management", budget_eur_per_year=25_000.0)
    assert carried == pytest.approx(25_000.0 - ctx.ledger.spent_eur[0])
    assert model.year == 0  # its last year: what is left is unspent, not carried
    ending = {"kind": "innovation_management", "budget_eur_per_year": 25_000.0}
    assert spend(given(model), **ending, start_year=0, duration_years=1) == 0.0
