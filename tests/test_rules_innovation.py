"""Innovation (rules/innovation.py): size, reach and the countries' propensities."""

import numpy as np
import pytest
from scipy import stats

from nsrsim.config import (
    InnovationConfig,
)
from nsrsim.rules import innovation


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
    new_prod, new_k = prod.copy(), knowledge.copy()  # updated in place
    events, radical = innovation.innovate(
        new_prod, new_k, np.arange(3), np.ones(3), draws, params, 0.25, reach, np.zeros(3, bool)
    )
    assert events.tolist() == [1.0, 1.0, 0.0] and radical.tolist() == [True, False, False]
    # an event carries the step's expected innovations: rate dt over its probability; each
    # innovation raises productivity by the gain times its reach
    gain = params.productivity_gain * 0.25 / -np.expm1(-0.25)
    assert new_prod == pytest.approx(
        [100 * (1 + gain * params.radical_multiplier), 100 * (1 + 0.5 * gain), 100]
    )
    assert new_k[0, 4] == InnovationConfig().radical_level and new_k[1:].sum() == 0


@pytest.mark.parametrize("mean", [0.05, 0.6, 3.0])
def test_a_firm_agents_innovations_in_a_step_are_poisson(mean):
    """A step's count is 0 where the event draw misses, else at least 1; over the draws it is
    Poisson at rate x dt: its mean and share of zeros, so yearly counts do not depend on the
    time step.
    """
    u = (np.arange(200_000) + 0.5) / 200_000  # the event draw, evenly over [0, 1)
    n = u.size
    events, _ = innovation.innovate(
        np.ones(n),
        np.zeros((n, 8)),
        np.arange(n),
        np.full(n, mean * 4),
        innovation.InnovationDraws(u, np.ones(n), np.zeros(n)),
        InnovationConfig(),
        0.25,
        np.ones(n),
        np.zeros(n, bool),
    )
    chance = -np.expm1(-mean)
    assert ((events >= 1) == (u < chance)).all() and (events == np.round(events)).all()
    assert events.mean() == pytest.approx(mean, rel=1e-3)
    counts = np.bincount(events.astype(int)) / n
    expected = [stats.poisson.pmf(k, mean) for k in range(len(counts))]
    np.testing.assert_allclose(counts, expected, atol=2e-5)


def test_larger_firms_innovate_more_often_but_grow_no_faster():
    params = InnovationConfig(size_elasticity=0.25)
    jobs = np.array([1.0, 10.0, 100.0, 1000.0])
    rate = innovation.innovation_effort(
        np.full(4, 0.02), np.full(4, 0.5), jobs, np.full(4, 0.3), 0.02, params
    )
    assert (np.diff(rate) > 0).all() and rate[1] == pytest.approx(0.3 * (0.5 + 0.5))
    # the expected productivity growth (rate x gain x reach) of a cohort is the same at any size
    prod = np.full(4, 100.0)
    innovation.innovate(
        prod,
        np.zeros((4, 8)),
        np.arange(4),
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


def test_country_propensity_stops_halving_where_eighty_halvings_end_to_the_bit():
    rng = np.random.default_rng(5)
    n = 400
    rate, weight = rng.uniform(0.01, 2.0, n), rng.uniform(1.0, 50.0, n)
    country, target = rng.integers(0, 6, n), rng.uniform(0.05, 0.9, 6)
    firms = np.bincount(country, weights=weight, minlength=6)
    low, high = np.full(6, -20.0), np.full(6, 20.0)
    for _ in range(80):  # the bisection without its stop
        middle = 0.5 * (low + high)
        chance = -np.expm1(-3.0 * rate * np.exp(middle[country]))
        above = np.bincount(country, weights=weight * chance, minlength=6) / firms > target
        high, low = np.where(above, middle, high), np.where(above, low, middle)
    expected = np.exp(0.5 * (low + high))
    got = innovation.country_propensity(rate, weight, country, target, 3.0)
    np.testing.assert_array_equal(got, expected)


def test_effort_terms_are_the_rules_powers_to_the_bit():
    """A step's R&D and size terms (one compiled pass for the bases, NumPy's powers) equal
    rd_term and size_term of the summed R&D and the jobs, zeros and tiny firms included."""
    rng = np.random.default_rng(8)
    rd, boost, jobs = rng.random(4001) * 0.05, rng.random(4001) * 0.01, rng.random(4001) * 300
    rd[:5], boost[:5], jobs[5:9] = 0.0, 0.0, 1e-12
    params = InnovationConfig(size_elasticity=0.3)
    rd_part, size_part = innovation.effort_terms(rd, boost, jobs, 0.02, params)
    np.testing.assert_array_equal(rd_part, innovation.rd_term(rd + boost, 0.02, params))
    np.testing.assert_array_equal(size_part, innovation.size_term(jobs, params))


def test_a_steps_innovations_are_booked_as_the_array_statements_book_them():
    """One compiled pass books per-firm and real innovations as the fancy-index additions
    and bincounts it replaces, to the bit."""
    from nsrsim.state import FirmArrays

    rng = np.random.default_rng(9)
    n, n_regions = 3000, 7
    firms = FirmArrays.empty(n)
    firms.append(
        id=np.arange(n),
        weight=rng.random(n) * 50,
        region=rng.integers(0, n_regions, n),
        urban=rng.integers(0, 3, n),
        innovations=rng.random(n),
        year_innovations=rng.random(n),
        recent_innovations=rng.random((n, 3)),
    )
    live = np.sort(rng.choice(n, 2000, replace=False))
    cohort = rng.random(live.size) < 0.7
    events, rate = rng.poisson(0.3, live.size).astype(float), rng.random(live.size)
    expected = {
        name: getattr(firms, name)[:n].copy()
        for name in ("innovations", "recent_innovations", "year_innovations")
    }
    per_firm = np.where(cohort, rate * 0.25, events)
    expected["innovations"][live] += per_firm
    expected["recent_innovations"][live, 0] += per_firm
    real = firms.weight[live] * rate * 0.25
    expected["year_innovations"][live] += real
    by_region, by_class = innovation.count_innovations(
        firms, live, cohort, events, rate, 0.25, n_regions
    )
    for name, values in expected.items():
        np.testing.assert_array_equal(getattr(firms, name)[:n], values)
    np.testing.assert_array_equal(by_region, np.bincount(firms.region[live], real, n_regions))
    np.testing.assert_array_equal(by_class, np.bincount(firms.urban[live], real, 3))


def test_step_rates_are_the_array_statement_to_the_bit():
    """(1 + coaching effect x coaching) x innovation_rate(effort, partner value) per row."""
    rng = np.random.default_rng(10)
    n, params = 2000, InnovationConfig(partner_effect=0.7)
    rows = np.sort(rng.choice(n, 1500, replace=False))
    value, coached = rng.random(n) * 2, rng.random(n) * (rng.random(n) < 0.2)
    rd_term, size_term, knowledge = rng.random(n), rng.random(n) * 4, rng.random((n, 8))
    propensity, country = rng.random(5), rng.integers(0, 5, n)
    effort = innovation.effort_rows(
        rd_term, size_term, knowledge, propensity, country, rows, params.knowledge_floor
    )
    expected = (1.0 + 0.3 * coached[rows]) * innovation.innovation_rate(effort, value[rows], params)
    got = innovation.step_rates(
        rows, value, coached, 0.3, params.partner_effect, rd_term, size_term, knowledge,
        propensity, country, params.knowledge_floor,
    )  # fmt: skip
    np.testing.assert_array_equal(got, expected)
