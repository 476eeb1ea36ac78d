"""Learning (rules/learning.py): levels, capability, learning along links."""

import numpy as np

from nsrsim.config import (
    LearningConfig,
)
from nsrsim.rules import innovation, learning
from nsrsim.state import N_FIELDS, Links


def test_relative_levels_are_the_array_formula():
    rng = np.random.default_rng(4)
    k = rng.random((3000, 8)) ** 3
    k[:4] = 0.0
    strongest = k.max(axis=1, keepdims=True)
    expected = np.divide(k, strongest, out=np.zeros_like(k), where=strongest > 0)
    np.testing.assert_array_equal(learning.relative_levels(k), expected)


def test_mean_capability_is_numpys_mean():
    k = np.random.default_rng(9).random((3000, 8)) ** 2
    np.testing.assert_array_equal(innovation.mean_capability(k), k.mean(axis=1))


def test_learning_only_moves_toward_partners_ahead():
    knowledge = np.zeros((2, N_FIELDS))  # two fields known, the others not at all
    knowledge[:, :2] = [[0.2, 0.8], [0.6, 0.4]]
    related = learning.prior_knowledge(learning.relative_levels(knowledge), LearningConfig())
    args = (np.array([0]), np.array([1]))
    gain = learning.learn_from_links(
        knowledge, *args, (np.ones(1), np.ones(1)), np.ones(2), related, 0.3, LearningConfig(), 1.0
    )
    assert gain[0, 0] > 0 and gain[0, 1] == 0 and gain[1, 1] > 0 and gain[1, 0] == 0
    assert (gain[:, 2:] == 0).all()
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
