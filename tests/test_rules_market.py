"""The market (rules/market.py): labour, deaths, births, nurseries and entrants."""

import numpy as np
import pytest

from nsrsim.config import (
    MarketConfig,
)
from nsrsim.rules import market


def test_the_labour_market_caps_demand_and_hires_back_released_workers():
    params = MarketConfig(labour_slack=0.05, hiring_rate=1.0)
    jobs, weight, region = np.array([10.0, 10.0]), np.array([2.0, 2.0]), np.array([0, 1])
    capacity = np.array([15.0, 26.25])  # both regions have 20 real jobs
    cleared, rows = jobs.copy(), np.arange(2)
    market.clear_labour(cleared, weight, region, rows, capacity, params, 0.25)
    assert (cleared * weight)[0] == pytest.approx(15.0)  # shrinks to the capacity
    employed = 26.25 / 1.05  # what the capacity supports without its slack
    hired = 20.0 * (employed / 20.0) ** -np.expm1(-0.25)
    assert (cleared * weight)[1] == pytest.approx(hired) and 20.0 < hired < employed
    at_rest = jobs.copy()
    market.clear_labour(at_rest, weight, region, rows, np.array([21.0, 21.0]), params, 0.25)
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


def test_fine_agents_die_whole_cohorts_lose_a_share_and_births_go_to_the_smallest_cohort():
    # rows: an unviable fine firm, a fine firm whose draw kills it, a fine firm below MIN_JOBS,
    # a surviving fine firm; then in the same region-sector two cohorts (micro, small) and an
    # unviable cohort (medium)
    jobs = np.array([5.0, 5.0, 0.4, 5.0, 3.0, 20.0, 60.0])
    productivity = np.array([10.0, 100.0, 100.0, 100.0, 100.0, 100.0, 10.0])
    fine = np.array([True, True, True, True, False, False, False])
    weight = np.array([1.0, 1.0, 1.0, 1.0, 1000.0, 200.0, 50.0])
    size = np.array([0, 0, 0, 0, 0, 1, 2])
    u = np.array([0.9, 0.001, 0.9, 0.9, 0.001, 0.001, 0.9])
    zeros = np.zeros(7, np.int64)
    fate = market.fates(
        jobs, productivity, np.array([100.0]), zeros, fine, weight, zeros, zeros, size,
        (np.array([0.08]), np.array([0.04])), u, MarketConfig(exit_threshold=0.3), 0.25, (1, 1),
    )  # fmt: skip
    assert fate.out.tolist() == [True, True, True, False, False, False, True]
    np.testing.assert_array_equal(fate.dying, [0.02, 0.02, 0.02, 0.02, 0.02, 0.01, 0.01])
    assert fate.nursery.tolist() == [False] * 4 + [True, False, False]  # the micro cohort
    np.testing.assert_array_equal(fate.weight, [1.0, 1.0, 1.0, 1.0, 1000.0 * 0.98, 200.0, 50.0])
    assert fate.replaced.tolist() == [200.0 * 0.01]  # the small cohort's deaths
    assert fate.deaths.tolist() == [3.0 + 1000.0 * 0.02 + 200.0 * 0.01 + 50.0]


def test_means_by_region_sector_sector_and_peers_are_jobs_weighted():
    real_jobs = np.array([10.0, 30.0, 20.0])
    productivity = np.array([1.0, 3.0, 5.0])
    group, sector, peers = np.array([0, 0, 1]), np.array([0, 0, 0]), np.array([0, 1, 2])
    local, sector_mean, relative = market.productivity_means(
        real_jobs, productivity, group, sector, peers, 2, 1, 3
    )
    np.testing.assert_allclose(local, [2.5, 5.0])
    np.testing.assert_allclose(sector_mean, [(10 + 90 + 100) / 60])
    np.testing.assert_array_equal(relative, [1.0, 1.0, 1.0])  # alone among its peers


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
    new_weight, new_jobs, new_productivity = market.join_cohort(
        1000.0, 3.0, 50_000.0, 100.0, 20.0, 40_000.0, params.entrant_jobs
    )
    assert new_weight == 1080.0
    assert new_weight * new_jobs == pytest.approx(980 * 3.0 + 100 * 1.4)
    expected = (980 * 3.0 * 50_000 + 100 * 1.4 * 40_000) / (980 * 3.0 + 100 * 1.4)
    assert new_productivity == pytest.approx(expected)
    grown = market.grow_young(new_jobs, 3.0, -np.expm1(-params.young_growth * 1.0))
    assert new_jobs < grown < 3.0


def test_entrants_start_at_their_region_sectors_productivity():
    # two regions x three sectors (flat); region 1 has no firm in sector 0, no region in sector 2
    local = np.array([50.0, 80.0, 0.0, 0.0, 120.0, 0.0])
    sector = np.array([50.0, 100.0, 0.0])
    base = market.entrant_productivity(local, sector)
    np.testing.assert_array_equal(base, [50.0, 80.0, 75.0, 50.0, 120.0, 75.0])


def test_the_labour_market_clears_given_rows_as_the_array_statement_does():
    """Cleared in place over some rows: the gathered arrays' bincount, factors and product,
    to the bit; the other rows untouched."""
    params = MarketConfig(labour_slack=0.05, hiring_rate=1.0)
    rng = np.random.default_rng(4)
    jobs, weight, region = rng.random(500) * 40, rng.random(500) * 9, rng.integers(0, 6, 500)
    rows = np.sort(rng.choice(500, 300, replace=False))
    capacity = rng.random(6) * 8000
    demand = np.bincount(region[rows], weights=jobs[rows] * weight[rows], minlength=6)
    short = np.divide(capacity / 1.05, demand, out=np.ones(6), where=demand > 0)
    factor = np.where(
        short > 1.0,
        np.power(np.maximum(short, 1.0), -np.expm1(-0.25)),
        np.minimum(1.0, np.divide(capacity, demand, out=np.ones(6), where=demand > 0)),
    )
    expected = jobs.copy()
    expected[rows] = jobs[rows] * factor[region[rows]]
    market.clear_labour(jobs, weight, region, rows, capacity, params, 0.25)
    np.testing.assert_array_equal(jobs, expected)


def test_the_markets_view_of_the_live_firms_is_the_gathered_arrays():
    """One compiled pass gives the gathered columns, groups, peers, real jobs and the real
    firms per group that the array statements give."""
    from nsrsim.state import FirmArrays

    rng = np.random.default_rng(11)
    n = 800
    firms = FirmArrays.empty(n)
    firms.append(
        id=np.arange(n),
        weight=rng.random(n) * 30,
        region=rng.integers(0, 5, n),
        sector=rng.integers(0, 6, n),
        size=rng.integers(0, 4, n),
        productivity=rng.random(n) * 1e5,
        jobs=rng.random(n) * 50,
        fine=rng.random(n) < 0.3,
    )
    live = np.sort(rng.choice(n, 600, replace=False))
    view = market.live_view(firms, live, 6, 4, 30)
    group = firms.region[live].astype(np.int64) * 6 + firms.sector[live]
    for name in ("weight", "region", "sector", "size", "productivity", "jobs", "fine"):
        np.testing.assert_array_equal(getattr(view, name), getattr(firms, name)[live])
    np.testing.assert_array_equal(view.group, group)
    np.testing.assert_array_equal(view.peers, group * 4 + firms.size[live])
    np.testing.assert_array_equal(view.real_jobs, firms.weight[live] * firms.jobs[live])
    np.testing.assert_array_equal(
        view.firms_by_group, np.bincount(group, weights=firms.weight[live], minlength=30)
    )
