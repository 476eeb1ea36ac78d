"""Clusters (rules/clusters.py): recruitment, leaving and partnerships within the money."""

import numpy as np

from nsrsim.config import (
    ClustersConfig,
)
from nsrsim.rules import clusters


def test_recruitment_keeps_the_reported_members_at_todays_capacity():
    members, candidates = np.array([40.0, 0.0, 10.0]), np.array([160.0, 50.0, 0.0])
    capacity, outflow = np.array([0.5, 0.8, 0.9]), np.array([0.12, 0.12, 0.12])
    pull = clusters.recruitment_pull(members, candidates, capacity, outflow)
    # joins (pull x capacity x candidates) balance leaving and dying (outflow x members)
    np.testing.assert_allclose((pull * capacity * candidates)[0], (outflow * members)[0])
    assert pull[1] == 0.0 and pull[2] == 0.0  # no members to keep, or nobody to recruit


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
    left = clusters.leave(np.array([2, -1, 5]), np.array([0.0, 0.0, 1.0]), ClustersConfig(), 1.0)
    assert left.tolist() == [-1, -1, 5]
