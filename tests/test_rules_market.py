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


def test_entrants_start_at_their_region_sectors_productivity():
    # two regions x three sectors (flat); region 1 has no firm in sector 0, no region in sector 2
    local = np.array([50.0, 80.0, 0.0, 0.0, 120.0, 0.0])
    sector = np.array([50.0, 100.0, 0.0])
    base = market.entrant_productivity(local, sector)
    np.testing.assert_array_equal(base, [50.0, 80.0, 75.0, 50.0, 120.0, 75.0])
