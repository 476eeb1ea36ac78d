"""Each rule as a function of arrays, parameters and chosen draws."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from nsrsim import NSRModel
from nsrsim.config import (
    ClustersConfig,
    GovernmentsConfig,
    InnovationConfig,
    LearningConfig,
    MarketConfig,
    MobilityConfig,
)
from nsrsim.random import KeyedRandom, pair_keys
from nsrsim.rules import clusters, governance, innovation, learning, market, mobility, partnering
from nsrsim.rules.cell_sampler import MAX_ROUNDS, CellSampler, proposed_cell
from nsrsim.state import Links

from .conftest import SMALL


def test_partner_value_is_an_inverted_u_peaking_at_the_optimum():
    distance = np.linspace(0, 1, 101)
    value = partnering.partner_value(distance, 0.3)
    assert value[0] == 0 and value.argmax() == 30 and value.max() == pytest.approx(1.0)
    assert (np.diff(value[:31]) > 0).all() and (np.diff(value[31:]) < 0).all()


def test_cognitive_distance_is_numpys_to_the_bit():
    """The compiled distance adds in NumPy's order (einsum's dot products, norm's pairwise
    sums of squares), so the runs it feeds stay the same; zero vectors are at distance 1.
    """
    from nsrsim.state import N_FIELDS

    assert N_FIELDS == 8  # the compiled sums are written out for 8 terms
    rng = np.random.default_rng(3)
    k = rng.random((5000, 8)) ** 2
    k[:5] = 0.0
    a, b = rng.integers(0, 5000, 20000), rng.integers(0, 5000, 20000)
    norm = np.linalg.norm(k, axis=-1)
    np.testing.assert_array_equal(partnering.row_norms(k), norm)
    dot = np.einsum("...k,...k->...", k[a], k[b])
    pair_norm = norm[a] * norm[b]
    expected = 1.0 - np.divide(dot, pair_norm, out=np.zeros_like(dot), where=pair_norm > 0)
    np.testing.assert_array_equal(partnering.link_distance(k, a, b), expected)
    assert partnering.link_distance(k, np.array([0]), np.array([7]))[0] == 1.0


def test_relative_levels_are_the_array_formula():
    rng = np.random.default_rng(4)
    k = rng.random((3000, 8)) ** 3
    k[:4] = 0.0
    strongest = k.max(axis=1, keepdims=True)
    expected = np.divide(k, strongest, out=np.zeros_like(k), where=strongest > 0)
    np.testing.assert_array_equal(learning.relative_levels(k), expected)


def test_adjacency_lists_partners_in_id_order():
    """The compiled CSR equals a sort of all (firm, partner id) keys, on a random graph."""
    rng = np.random.default_rng(5)
    n = 400
    pairs = np.unique(np.sort(rng.integers(0, n, (1500, 2)), axis=1), axis=0)
    a, b = pairs[pairs[:, 0] != pairs[:, 1]].T
    firm_id = rng.permutation(10 * n)[:n]
    indptr, indices = partnering.adjacency(a, b, n, firm_id)
    source, target = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.lexsort((firm_id[target], source))
    np.testing.assert_array_equal(indices, target[order])
    np.testing.assert_array_equal(np.diff(indptr), np.bincount(source, minlength=n))


def test_cluster_pools_hold_members_of_linked_initiatives_in_id_order():
    rng = np.random.default_rng(6)
    n_rows, n = 500, 7
    cluster = rng.integers(-1, n, n_rows)
    firm_id = rng.permutation(5 * n_rows)[:n_rows]
    live = np.sort(rng.choice(n_rows, 400, replace=False))
    linked = rng.random((n, n)) < 0.3
    linked = linked | linked.T | np.eye(n, dtype=bool)
    offsets, rows = partnering.cluster_pools(live, cluster, firm_id, linked)
    for pool in range(n):
        members = [live[(cluster[live] == part)] for part in np.flatnonzero(linked[pool])]
        expected = np.concatenate([m[np.argsort(firm_id[m])] for m in members])
        np.testing.assert_array_equal(rows[offsets[pool] : offsets[pool + 1]], expected)


def test_mean_capability_is_numpys_mean():
    k = np.random.default_rng(9).random((3000, 8)) ** 2
    np.testing.assert_array_equal(innovation.mean_capability(k), k.mean(axis=1))


@pytest.mark.parametrize("ids_in_row_order", [True, False])
def test_cell_order_lists_each_cells_firms_in_id_order(ids_in_row_order):
    rng = np.random.default_rng(10)
    n_rows, n_cells = 600, 40
    firm_cell = rng.integers(0, n_cells, n_rows)
    firm_id = np.arange(n_rows) * 3 if ids_in_row_order else rng.permutation(3 * n_rows)[:n_rows]
    live = np.sort(rng.choice(n_rows, 450, replace=False))
    order, counts = partnering.cell_order(live, firm_cell, firm_id, n_cells)
    np.testing.assert_array_equal(order, live[np.lexsort((firm_id[live], firm_cell[live]))])
    np.testing.assert_array_equal(counts, np.bincount(firm_cell[live], minlength=n_cells))


def test_guide_table_is_searchsorted():
    from nsrsim.rules.cell_sampler import guide_table

    rng = np.random.default_rng(11)
    weight = rng.random((60, 200)) * (rng.random((60, 200)) < 0.3)
    weight[3] = 0.0  # a source with no weight: a row of NaN
    with np.errstate(invalid="ignore"):
        cdf = np.cumsum(weight, axis=1) / weight.sum(axis=1, keepdims=True)
    grid = np.arange(50) / 50
    expected = np.stack([np.searchsorted(row, grid, side="right") for row in cdf])
    np.testing.assert_array_equal(guide_table(cdf, grid), expected)


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


def test_a_link_that_dissolves_before_a_search_frees_a_place_for_it():
    """Firm 0 is full (one place) with firm 2; the link dissolves at 0.3 of the step: the
    search at 0.1 finds no room, the one at 0.6 links 0 to 1."""
    args = (np.array([[1]]), np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1)))
    existing = np.array([0 * 3 + 2])
    gone = partnering.Dissolutions(np.array([0]), np.array([2]), np.array([0.3]))
    for time, formed in ((0.1, 0), (0.6, 1)):
        a, _ = partnering.choose_partners(
            np.array([0]), *args, existing, np.array([1, 0, 1]), 3, 1, np.array([time]), gone
        )
        assert len(a) == formed
    times = partnering.dissolution_times(np.array([0.05, 0.2, 0.9]), 0.4, 1.0)
    np.testing.assert_allclose(times, [0.125, 0.5, np.inf])


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


def candidate_draws(n_search: int, m: int, seed: int, mix: float | None = None):
    rng = np.random.default_rng(seed)
    keyed = KeyedRandom(seed)
    bases = [keyed.stream_base(f"t.{r}", 0) for r in range(MAX_ROUNDS)]
    return partnering.CandidateDraws(
        mix=rng.random((n_search, m)) if mix is None else np.full((n_search, m), mix),
        cell=partnering.ProposalDraws(np.arange(n_search), np.array(bases, np.uint64)),
        firm=rng.random((n_search, m)),
        second=rng.random((n_search, m)),
        priority=rng.random(n_search),
    )


NO_POOLS = (np.zeros(1, int), np.empty(0, int))


def no_links(n: int):
    return partnering.adjacency(np.empty(0, int), np.empty(0, int), n, np.arange(n))


def test_candidates_follow_the_kernel():
    firm_cell = np.array([0, 0, 1, 2, 2, 2])
    live = np.arange(6)
    kernel = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)  # own cell only
    cand = partnering.sample_candidates(
        live,
        firm_cell,
        live,
        live,
        CellSampler(kernel, np.array([2, 1, 3])),
        np.full(6, -1),
        *NO_POOLS,
        no_links(6),
        0.0,
        0.5,
        candidate_draws(6, 50, 0),
    )
    for i in live:
        picked = cand[i][cand[i] >= 0]
        assert (firm_cell[picked] == firm_cell[i]).all() and (picked != i).all()
    assert (cand[2] == -1).all()  # alone in its cell: only itself was drawn


@pytest.mark.parametrize("slots", [5, 1])  # room in every cell; most firms beyond the slots
def test_the_cell_sampler_draws_each_firm_in_proportion_to_its_kernel_weight(slots):
    n_cells = 37
    rng = np.random.default_rng(5)
    firm_cell = rng.integers(0, n_cells, 400)
    kernel = rng.random((n_cells, n_cells)).astype(np.float32)
    counts = np.bincount(firm_cell, minlength=n_cells)
    sampler = CellSampler(kernel, np.full(n_cells, slots))
    keyed = KeyedRandom(1)
    source = np.full(40_000, 3)
    bases = np.array([keyed.stream_base(f"t.{r}", 0) for r in range(MAX_ROUNDS)], np.uint64)
    cell, slot, _ = sampler.draw(source, counts, np.arange(len(source)), bases)
    assert (cell >= 0).all() and (slot < counts[cell]).all()
    picked = np.bincount(cell, minlength=n_cells)
    expected = kernel[3] * counts / (kernel[3] * counts).sum() * len(source)
    keep = expected > 5
    assert (
        stats.chisquare(
            picked[keep], expected[keep] / expected[keep].sum() * picked[keep].sum()
        ).pvalue
        > 0.001
    )
    busiest = np.argmax(counts)  # within a cell, every firm equally likely
    within = np.bincount(slot[cell == busiest], minlength=counts[busiest])
    assert stats.chisquare(within).pvalue > 0.001


def test_the_guide_table_finds_the_same_cell_as_a_binary_search():
    rng = np.random.default_rng(8)
    kernel = (rng.random((300, 300)) ** 6).astype(np.float32)
    sampler = CellSampler(kernel, rng.integers(1, 9, 300))
    source = rng.integers(0, 300, 5000)
    u = np.r_[rng.random(4990), np.zeros(5), np.full(5, np.nextafter(1.0, 0.0))]
    expected = [
        np.searchsorted(sampler.cdf[s], x, side="right") for s, x in zip(source, u, strict=True)
    ]
    found = [
        proposed_cell(sampler.cdf, sampler.guide, sampler.grid, s, x, len(sampler))
        for s, x in zip(source, u, strict=True)
    ]
    assert found == expected


def test_one_firm_more_changes_few_other_draws():
    """Proposals are static: one entrant changes only the draws that land on its cell (a draw
    by inversion of a cumulative sum would move a sixth of them)."""
    rng = np.random.default_rng(2)
    n_cells, n = 500, 600
    firm_cell = rng.integers(0, n_cells, n)
    sampler = CellSampler(np.ones((n_cells, n_cells), np.float32), np.full(n_cells, 3))
    searchers = np.arange(200)
    draws = candidate_draws(200, 10, 3, mix=0.9)
    args = (np.full(n + 1, -1), *NO_POOLS, no_links(n + 1), 0.0, 0.0, draws)
    before = partnering.sample_candidates(
        searchers, np.r_[firm_cell, 0], np.arange(n + 1), np.arange(n), sampler, *args
    )
    after = partnering.sample_candidates(
        searchers, np.r_[firm_cell, 0], np.arange(n + 1), np.arange(n + 1), sampler, *args
    )
    assert 0 < (before != after).mean() < 0.02


def test_referrals_propose_partners_of_partners():
    a, b = np.array([0, 1]), np.array([1, 2])  # 0-1-2 chain
    neighbours = partnering.adjacency(a, b, 4, np.arange(4))
    assert neighbours[0].tolist() == [0, 1, 3, 4, 4]
    kernel = np.ones((4, 4), np.float32)
    cand = partnering.sample_candidates(
        np.array([0]),
        np.array([0, 1, 2, 3]),
        np.arange(4),
        np.arange(4),
        CellSampler(kernel, np.ones(4, int)),
        np.full(4, -1),
        *NO_POOLS,
        neighbours,
        0.0,
        1.0,
        candidate_draws(1, 20, 1, mix=0.0),
    )
    assert set(cand[0]) <= {2, -1} and 2 in set(cand[0])  # 0's only partner 1 refers 2 (or 0)


def test_learning_only_moves_toward_partners_ahead():
    knowledge = np.array([[0.2, 0.8], [0.6, 0.4]])
    related = learning.prior_knowledge(learning.relative_levels(knowledge), LearningConfig())
    args = (np.array([0]), np.array([1]))
    gain = learning.learn_from_links(
        knowledge, *args, (np.ones(1), np.ones(1)), np.ones(2), related, 0.3, LearningConfig(), 1.0
    )
    assert gain[0, 0] > 0 and gain[0, 1] == 0 and gain[1, 1] > 0 and gain[1, 0] == 0
    assert (knowledge + gain <= np.maximum(knowledge[0], knowledge[1]) + 1e-12).all()
    # a cohort of 100 firms linked to one firm learns for the one of its firms in the link
    shares = Links(*args, np.zeros(1)).shares(np.array([100.0, 1.0]), 10.0)
    assert [s.tolist() for s in shares] == [[0.01], [1.0]]
    cohort = learning.learn_from_links(
        knowledge, *args, shares, np.ones(2), related, 0.3, LearningConfig(), 1.0
    )
    np.testing.assert_allclose(cohort, gain * np.array([[0.01], [1.0]]))
    values = learning.partner_values(knowledge, *args, shares, 0.3)
    np.testing.assert_allclose(
        values, learning.partner_values(knowledge, *args, (np.ones(1), np.ones(1)), 0.3) * [0.01, 1]
    )


def test_innovation_with_chosen_draws():
    params = InnovationConfig()
    prod = np.array([100.0, 100.0, 100.0])
    knowledge = np.zeros((3, 8))
    draws = innovation.InnovationDraws(
        event=np.array([0.0, 0.0, 0.999]),
        radical=np.array([0.0, 0.99, 0.0]),
        field=np.array([0.5, 0.0, 0.0]),
    )
    reach = np.array([1.0, 0.5, 1.0])
    new_prod, new_k, innovated, radical = innovation.innovate(
        prod, knowledge, np.full(3, 1.0), draws, params, 0.25, reach
    )
    assert innovated.tolist() == [True, True, False] and radical.tolist() == [True, False, False]
    # an event carries the step's expected innovations: rate dt over its probability; each
    # innovation raises productivity by the gain times its reach
    gain = params.productivity_gain * 0.25 / -np.expm1(-0.25)
    assert new_prod == pytest.approx(
        [100 * (1 + gain * params.radical_multiplier), 100 * (1 + 0.5 * gain), 100]
    )
    assert new_k[0, 4] == InnovationConfig().radical_level and new_k[1:].sum() == 0


def test_larger_firms_innovate_more_often_but_grow_no_faster():
    params = InnovationConfig(size_elasticity=0.25)
    jobs = np.array([1.0, 10.0, 100.0, 1000.0])
    rate = innovation.innovation_effort(
        np.full(4, 0.02), np.full((4, 8), 0.5), jobs, np.full(4, 0.3), 0.02, params
    )
    assert (np.diff(rate) > 0).all() and rate[1] == pytest.approx(0.3 * (0.5 + 0.5))
    # the expected productivity growth (rate x gain x reach) of a cohort is the same at any size
    prod, _, _, _ = innovation.innovate(
        np.full(4, 100.0),
        np.zeros((4, 8)),
        rate,
        innovation.InnovationDraws(*np.ones((3, 4))),
        params,
        0.25,
        1.0 / innovation.size_term(jobs, params),
        np.ones(4, bool),
    )
    np.testing.assert_allclose(prod, prod[0], rtol=1e-12)
    # no size effect at elasticity 0
    flat = InnovationConfig(size_elasticity=0.0)
    np.testing.assert_array_equal(innovation.size_term(jobs, flat), 1.0)


def test_country_propensity_meets_the_surveys_share_of_innovators():
    rate = np.array([0.1, 0.2, 0.4, 0.1, 0.3])
    weight = np.array([5.0, 3.0, 1.0, 2.0, 2.0])
    country = np.array([0, 0, 0, 1, 1])
    target = np.array([0.45, 0.6])
    factor = innovation.country_propensity(rate, weight, country, target, 3.0)
    chance = -np.expm1(-3.0 * rate * factor[country])
    shares = np.bincount(country, weights=weight * chance) / np.bincount(country, weights=weight)
    np.testing.assert_allclose(shares, target, rtol=1e-9)


def test_recruitment_keeps_the_reported_members_at_todays_capacity():
    members, candidates = np.array([40.0, 0.0, 10.0]), np.array([160.0, 50.0, 0.0])
    capacity, outflow = np.array([0.5, 0.8, 0.9]), np.array([0.12, 0.12, 0.12])
    pull = clusters.recruitment_pull(members, candidates, capacity, outflow)
    # joins (pull x capacity x candidates) balance leaving and dying (outflow x members)
    np.testing.assert_allclose((pull * capacity * candidates)[0], (outflow * members)[0])
    assert pull[1] == 0.0 and pull[2] == 0.0  # no members to keep, or nobody to recruit


def test_the_labour_market_caps_demand_and_hires_back_released_workers():
    params = MarketConfig(labour_slack=0.05, hiring_rate=1.0)
    jobs, weight, region = np.array([10.0, 10.0]), np.array([2.0, 2.0]), np.array([0, 1])
    capacity = np.array([15.0, 26.25])  # both regions have 20 real jobs
    cleared = market.clear_labour(jobs, weight, region, capacity, params, 0.25)
    assert (cleared * weight)[0] == pytest.approx(15.0)  # shrinks to the capacity
    employed = 26.25 / 1.05  # what the capacity supports without its slack
    hired = 20.0 * (employed / 20.0) ** -np.expm1(-0.25)
    assert (cleared * weight)[1] == pytest.approx(hired) and 20.0 < hired < employed
    at_rest = market.clear_labour(jobs, weight, region, np.array([21.0, 21.0]), params, 0.25)
    np.testing.assert_array_equal(at_rest, jobs)  # employment at capacity without slack


def test_death_rates_average_to_the_countrys_and_fall_with_size():
    params = MarketConfig(large_death_ratio=0.3)
    micro, large = market.death_hazards(np.array([0.087, 0.054]), np.array([0.84, 0.95]), params)
    np.testing.assert_allclose(0.84 * micro[0] + 0.16 * large[0], 0.087)
    np.testing.assert_allclose(0.95 * micro[1] + 0.05 * large[1], 0.054)
    np.testing.assert_allclose(large, 0.3 * micro)
    assert market.death_hazard(np.array([3.0, 10.0]), micro[:1], large[:1]).tolist() == [
        micro[0],
        large[0],
    ]
    assert market.exits(
        np.array([0.1, 1.0, 1.0, 1.0]),
        np.array([5.0, 5.0, 0.4, 5.0]),
        np.array([False, False, False, True]),
        MarketConfig(),
    ).tolist() == [True, False, True, True]


def test_births_follow_innovation_within_a_country_and_keep_its_total():
    params = MarketConfig(entry_innovation_pull=0.5)
    firms = np.array([100.0, 300.0, 50.0])
    country = np.array([0, 0, 1])
    rate = market.birth_rates(
        np.array([0.08, 0.08, 0.1]),
        firms,
        country,
        np.array([200.0, 300.0, 25.0]),
        np.ones(3),
        params,
    )
    assert (firms * rate)[:2].sum() == pytest.approx(0.08 * 400) and rate[0] > rate[1]
    assert rate[2] == pytest.approx(0.1)  # alone in its country: its own rate


def test_a_nursery_cohort_takes_births_and_loses_growers_at_its_mean_size():
    params = MarketConfig(entrant_jobs=1.4)
    weight, jobs, productivity = np.array([1000.0]), np.array([3.0]), np.array([50_000.0])
    new_weight, new_jobs, new_productivity = market.join_cohort(
        weight, jobs, productivity, np.array([100.0]), np.array([20.0]), np.array([40_000.0]),
        params,
    )  # fmt: skip
    assert new_weight[0] == 1080.0
    assert new_weight[0] * new_jobs[0] == pytest.approx(980 * 3.0 + 100 * 1.4)
    expected = (980 * 3.0 * 50_000 + 100 * 1.4 * 40_000) / (980 * 3.0 + 100 * 1.4)
    assert new_productivity[0] == pytest.approx(expected)
    grown = market.grow_young(new_jobs, np.array([3.0]), params, 1.0)
    assert new_jobs[0] < grown[0] < 3.0


def test_migration_conserves_skilled_workers():
    skilled = np.array([100.0, 50.0, 10.0])
    distance = np.array([[0, 100, 400], [100, 0, 300], [400, 300, 0]], float)
    cross = np.array([[0, 0, 1], [0, 0, 1], [1, 1, 0]], bool)
    flows = mobility.migration_flows(
        skilled, np.array([0.0, 1.0, 2.0]), distance, cross, MobilityConfig(), 0.25
    )
    after = skilled + mobility.net_inflow(flows)
    assert after.sum() == pytest.approx(skilled.sum(), rel=1e-12)
    assert (flows >= 0).all() and np.diag(flows).sum() == 0
    assert after[2] > skilled[2]  # toward the most attractive region


def test_investment_allocation_conserves_money():
    out = mobility.allocate_investment(1e6, np.array([0.0, 10.0, 30.0]), MobilityConfig())
    assert out.sum() == pytest.approx(1e6) and out[0] == 0
    assert mobility.allocate_investment(1e6, np.zeros(3), MobilityConfig()).sum() == 0


def test_binding_members_cannot_leave():
    params = GovernmentsConfig()
    low = np.array([0.0, 0.9])
    eligible = np.array([True, True])
    assert governance.update_membership(eligible, low, eligible, True, params).all()
    assert governance.update_membership(eligible, low, eligible, False, params).tolist() == [
        False,
        True,
    ]


def test_regions_outside_the_framework_have_no_commitment_to_it():
    params = GovernmentsConfig()
    eligible = np.array([True, False])
    member, commitment = governance.framework_year(
        eligible, np.array([0.5, 0.0]), eligible, np.array([1.0, 5.0]), True, False, False, params
    )
    assert commitment[1] == 0.0 and commitment[0] > 0.5  # benefits raise members' only
    assert member.tolist() == [True, False]


def test_framework_partnerships_never_exceed_the_money():
    n = 6
    kind = np.zeros((n, n), np.int8)
    kind[0, 1] = kind[1, 0] = clusters.FRAMEWORK
    kind[2, 3] = kind[3, 2] = clusters.FRAMEWORK
    u = np.random.default_rng(0).random((n, n))
    grown = clusters.form_partnerships(kind, np.full((n, n), 100.0), u, clusters.FRAMEWORK, 1.0, 3)
    assert (grown == grown.T).all() and np.triu(grown == clusters.FRAMEWORK, 1).sum() == 3
    cut = clusters.form_partnerships(kind, np.zeros((n, n)), u, clusters.FRAMEWORK, 1.0, 1)
    assert (cut == cut.T).all() and np.triu(cut == clusters.FRAMEWORK, 1).sum() == 1
    left = clusters.leave(
        np.array([2, -1, 5]), np.array([True, True, False]), np.zeros(3), ClustersConfig(), 1.0
    )
    assert left.tolist() == [-1, -1, 5]


FIELDS = {
    "partnering__decay_km": st.floats(10, 2000),
    "partnering__max_partners": st.integers(1, 12),
    "partnering__candidates": st.integers(1, 30),
    "partnering__optimal_distance": st.floats(0.01, 1.0),
    "learning__link_rate": st.floats(0, 2),
    "innovation__size_elasticity": st.floats(0, 1),
    "partnering__searches_per_project": st.floats(0, 5),
    "market__birth_rate_scale": st.floats(0, 3),
    "market__death_rate_scale": st.floats(0, 3),
    "mobility__migration_rate": st.floats(0, 0.3),
    "framework__enabled": st.booleans(),
    "framework__binding": st.booleans(),
}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=FIELDS), st.integers(0, 2**32))
def test_any_valid_parameters_keep_the_invariants(params, seed):
    model = NSRModel(SMALL, run__years=2, run__steps_per_year=2, rng=seed, **params)
    while model.running:
        model.step()
    firms, links = model.firms, model.links
    assert (links.a < links.b).all() and firms.alive[links.a].all() and firms.alive[links.b].all()
    assert len(np.unique(links.keys(firms.n))) == len(links)
    assert links.degree(firms.n).max(initial=0) <= model.config.partnering.max_partners
    # skilled workers move without loss; graduates add to them
    added = model.skilled0.sum() + model.graduated.sum()
    assert model.skilled.sum() == pytest.approx(added, rel=1e-9)
    live = firms.live()
    assert (firms.knowledge[live] >= 0).all() and (firms.knowledge[live] <= 1).all()
    assert (firms.jobs[live] > 0).all() and (firms.weight[live] >= 0).all()
    row = model.indicator_rows[-1]
    assert 0 <= row["cross_border_share"] <= 1 and row["theil_gdp_per_head"] >= 0


def test_entrants_start_at_their_region_sectors_productivity():
    # two regions x three sectors (flat); region 1 has no firm in sector 0, no region in sector 2
    local = np.array([50.0, 80.0, 0.0, 0.0, 120.0, 0.0])
    sector = np.array([50.0, 100.0, 0.0])
    base = market.entrant_productivity(local, sector)
    np.testing.assert_array_equal(base, [50.0, 80.0, 75.0, 50.0, 120.0, 75.0])


def test_the_compiled_sampler_uses_the_keyed_uniforms():
    """With every slot filled the first proposal is accepted: its cell and slot must come from
    the three uniforms KeyedRandom gives round 0 of each key."""
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 6, 50)
    sampler = CellSampler(rng.random((50, 50)).astype(np.float32), counts)
    keyed = KeyedRandom(99)
    keys = pair_keys(np.arange(400), np.full(400, 2))
    source = rng.integers(0, 50, 400)
    bases = np.array([keyed.stream_base(f"t.{r}", 7) for r in range(MAX_ROUNDS)], np.uint64)
    cell, slot, rounds = sampler.draw(source, counts, keys, bases)
    u = keyed.uniform("t.0", 7, keys, 3)
    expected = [
        proposed_cell(sampler.cdf, sampler.guide, sampler.grid, s, x, 50)
        for s, x in zip(source, u[:, 1], strict=True)
    ]
    assert (rounds == 1).all() and cell.tolist() == expected
    assert (
        slot.tolist() == np.minimum((u[:, 2] * counts[cell]).astype(int), counts[cell] - 1).tolist()
    )
