"""Each rule as a function of arrays, parameters and chosen draws."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsrsim import NSRModel
from nsrsim.config import (
    GovernmentsConfig,
    InnovationConfig,
    LearningConfig,
    MarketConfig,
    MobilityConfig,
)
from nsrsim.rules import governance, innovation, learning, market, mobility, partnering


def test_partner_value_is_an_inverted_u_peaking_at_the_optimum():
    distance = np.linspace(0, 1, 101)
    value = partnering.partner_value(distance, 0.3)
    assert value[0] == 0 and value.argmax() == 30 and value.max() == pytest.approx(1.0)
    assert (np.diff(value[:31]) > 0).all() and (np.diff(value[31:]) < 0).all()


def test_choose_partners_respects_capacity_and_existing_links():
    searchers = np.array([0, 1, 2, 3])
    candidates = np.array([[4, 5], [4, 5], [4, 5], [0, 5]])
    gain = np.array([[1.0, 0.5], [1.0, 0.5], [1.0, 0.5], [1.0, 0.5]])
    cost = np.full((4, 2), 0.1)
    degree = np.array([0, 0, 0, 0, 1, 0])
    existing = np.array([0 * 6 + 4])  # 0-4 already linked
    a, b = partnering.choose_partners(
        searchers,
        candidates,
        gain,
        gain,
        cost,
        existing,
        degree,
        6,
        2,
        np.array([0.1, 0.2, 0.3, 0.4]),
    )
    pairs = {tuple(sorted(p)) for p in zip(a, b, strict=True)}
    assert (0, 4) not in pairs  # already linked
    assert (1, 4) in pairs  # first by priority to claim firm 4's last free slot
    assert (2, 4) not in pairs  # firm 4 is then full (degree 1 + 1 = max 2)
    assert (0, 3) in pairs  # 3 proposes to 0: a new pair
    new_degree = degree + np.bincount(a, minlength=6) + np.bincount(b, minlength=6)
    assert new_degree.max() <= 2


def test_unprofitable_partners_are_refused():
    a, _ = partnering.choose_partners(
        np.array([0]),
        np.array([[1]]),
        np.array([[0.2]]),
        np.array([[0.05]]),
        np.array([[0.1]]),
        np.empty(0, int),
        np.zeros(2, int),
        2,
        5,
        np.array([0.5]),
    )
    assert len(a) == 0  # firm 1 would lose: no consent


def test_candidates_follow_the_kernel():
    firm_cell = np.array([0, 0, 1, 2, 2, 2])
    live = np.arange(6)
    kernel = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)  # own cell only
    rng = np.random.default_rng(0)
    draws = partnering.CandidateDraws(
        rng.random((6, 50)), rng.random((6, 50)), rng.random((6, 50)), rng.random(6)
    )
    cand = partnering.sample_candidates(
        live,
        firm_cell,
        live,
        kernel,
        np.full(6, -1),
        np.zeros(1, int),
        np.empty(0, int),
        partnering.adjacency(np.empty(0, int), np.empty(0, int), 6),
        0.0,
        0.5,
        draws,
    )
    for i in live:
        picked = cand[i][cand[i] >= 0]
        assert (firm_cell[picked] == firm_cell[i]).all() and (picked != i).all()
    assert (cand[2] == -1).all()  # alone in its cell: only itself was drawn


def test_referrals_propose_partners_of_partners():
    a, b = np.array([0, 1]), np.array([1, 2])  # 0-1-2 chain
    neighbours = partnering.adjacency(a, b, 4)
    assert neighbours[0].tolist() == [0, 1, 3, 4, 4]
    rng = np.random.default_rng(1)
    draws = partnering.CandidateDraws(
        np.zeros((1, 20)), rng.random((1, 20)), rng.random((1, 20)), np.zeros(1)
    )
    kernel = np.ones((4, 4), np.float32)
    cand = partnering.sample_candidates(
        np.array([0]),
        np.array([0, 1, 2, 3]),
        np.arange(4),
        kernel,
        np.full(4, -1),
        np.zeros(1, int),
        np.empty(0, int),
        neighbours,
        0.0,
        1.0,
        draws,
    )
    assert set(cand[0]) <= {2, -1} and 2 in set(cand[0])  # 0's only partner 1 refers 2 (or 0)


def test_learning_only_moves_toward_partners_ahead():
    knowledge = np.array([[0.2, 0.8], [0.6, 0.4]])
    gain = learning.learn_from_links(
        knowledge, np.array([0]), np.array([1]), np.array([1.0, 1.0]), 0.3, LearningConfig(), 1.0
    )
    assert gain[0, 0] > 0 and gain[0, 1] == 0 and gain[1, 1] > 0 and gain[1, 0] == 0
    assert (knowledge + gain <= np.maximum(knowledge[0], knowledge[1]) + 1e-12).all()


def test_innovation_with_chosen_draws():
    params = InnovationConfig()
    prod = np.array([100.0, 100.0, 100.0])
    knowledge = np.zeros((3, 8))
    draws = innovation.InnovationDraws(
        event=np.array([0.0, 0.0, 0.999]),
        radical=np.array([0.0, 0.99, 0.0]),
        field=np.array([0.5, 0.0, 0.0]),
    )
    new_prod, new_k, innovated, radical = innovation.innovate(
        prod, knowledge, np.full(3, 1.0), draws, params, 0.25
    )
    assert innovated.tolist() == [True, True, False] and radical.tolist() == [True, False, False]
    gain = params.productivity_gain
    assert new_prod == pytest.approx(
        [100 * (1 + gain * params.radical_multiplier), 100 * (1 + gain), 100]
    )
    assert new_k[0, 4] == innovation.RADICAL_LEVEL and new_k[1:].sum() == 0


def test_market_reallocation_conserves_jobs_within_groups():
    jobs = np.array([10.0, 30.0, 5.0])
    released = np.array([8.0, 2.0])
    after = market.reallocate(jobs, np.array([1.0, 1.0, 1.0]), np.array([0, 0, 1]), released)
    assert after.sum() == pytest.approx(jobs.sum() + released.sum())
    assert after[:2] == pytest.approx([12.0, 36.0])
    capped = market.cap_to_labour(
        np.array([10.0, 10.0]), np.array([0, 0]), np.array([2.0]), np.array([30.0])
    )
    assert (capped * 2).sum() == pytest.approx(30.0)
    assert market.exits(
        np.array([0.1, 1.0]), np.array([5.0, 5.0]), np.array([0.9, 0.9]), MarketConfig(), 0.25
    ).tolist() == [True, False]


def test_migration_conserves_skilled_workers():
    skilled = np.array([100.0, 50.0, 10.0])
    distance = np.array([[0, 100, 400], [100, 0, 300], [400, 300, 0]], float)
    cross = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]], bool)
    flows = mobility.migration_flows(
        skilled, np.array([0.0, 1.0, 2.0]), distance, cross, MobilityConfig(), 0.25
    )
    after = mobility.apply_flows(skilled, flows)
    assert after.sum() == pytest.approx(skilled.sum(), rel=1e-12)
    assert (flows >= 0).all() and np.diag(flows).sum() == 0
    assert after[2] > skilled[2]  # toward the most attractive region


def test_investment_allocation_conserves_money():
    out = mobility.allocate_investment(1e6, np.array([0.0, 10.0, 30.0]), MobilityConfig())
    assert out.sum() == pytest.approx(1e6) and out[0] == 0
    assert mobility.allocate_investment(1e6, np.zeros(3), MobilityConfig()).sum() == 0


def test_subsidy_spends_at_most_the_budget():
    budget = np.array([1e6, 5e5])
    boost, spent = governance.rd_subsidy(
        budget,
        np.array([0, 0, 1]),
        np.array([True, False, False]),
        np.array([10.0, 10.0]),
        np.array([1e6, 1e6, 1e6]),
        GovernmentsConfig(),
    )
    assert spent.tolist() == [1e6, 0.0]  # region 1 has no targeted firm: nothing spent
    assert boost[0] == pytest.approx(1e5 / 1e6) and boost[1:].sum() == 0


def test_binding_members_cannot_leave():
    params = GovernmentsConfig()
    low = np.array([0.0, 0.9])
    eligible = np.array([True, True])
    assert governance.update_membership(eligible, low, eligible, True, params).all()
    assert governance.update_membership(eligible, low, eligible, False, params).tolist() == [
        False,
        True,
    ]


FIELDS = {
    "partnering__decay_km": st.floats(10, 2000),
    "partnering__max_partners": st.integers(1, 12),
    "partnering__candidates": st.integers(1, 30),
    "partnering__optimal_distance": st.floats(0.01, 1.0),
    "learning__link_rate": st.floats(0, 2),
    "innovation__base_rate": st.floats(0, 5),
    "market__entry_rate": st.floats(0, 1),
    "market__exit_hazard": st.floats(0, 1),
    "mobility__migration_rate": st.floats(0, 0.3),
    "framework__enabled": st.booleans(),
    "framework__binding": st.booleans(),
}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=FIELDS), st.integers(0, 2**32))
def test_any_valid_parameters_keep_the_invariants(params, seed):
    model = NSRModel(
        population__n_firms=80, run__years=2, run__steps_per_year=2, rng=seed, **params
    )
    while model.running:
        model.step()
    firms, links = model.firms, model.links
    assert (links.a < links.b).all() and firms.alive[links.a].all() and firms.alive[links.b].all()
    assert len(np.unique(links.keys(firms.n))) == len(links)
    assert links.degree(firms.n).max(initial=0) <= model.config.partnering.max_partners
    assert model.skilled.sum() == pytest.approx(model.skilled0.sum(), rel=1e-9)
    live = firms.live()
    assert (firms.knowledge[live] >= 0).all() and (firms.knowledge[live] <= 1).all()
    assert (firms.jobs[live] > 0).all()
    row = model.indicator_rows[-1]
    assert 0 <= row["cross_border_share"] <= 1 and row["theil_gdp_per_head"] >= 0
