"""Innovation (rules/innovation.py): size, reach and the countries' propensities."""

import numpy as np
import pytest

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
    innovated, radical = innovation.innovate(
        new_prod, new_k, np.arange(3), np.ones(3), draws, params, 0.25, reach, np.zeros(3, bool)
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
