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


def test_membership_changes_as_the_array_rule_says():
    """Choice (uniform among the region-sector's initiatives), joining at the initiative's
    rate, then leaving: the compiled pass gives what the array statements give."""
    from nsrsim.population import ClusterTable, initiative_choice

    rng = np.random.default_rng(17)
    n, n_init = 900, 12
    info = ClusterTable(
        name=[f"c{i}" for i in range(n_init)],
        region=rng.integers(0, 4, n_init),
        sector=rng.integers(0, 6, n_init),
        **{f: np.zeros(n_init) for f in ("experienced", "generic", "members")},
    )
    region, sector = rng.integers(0, 5, n), rng.integers(0, 6, n)
    cluster = np.where(rng.random(n) < 0.3, rng.integers(0, n_init, n), -1).astype(np.int32)
    rows = np.sort(rng.choice(n, 600, replace=False))
    draws = clusters.MembershipDraws(*rng.random((3, rows.size)))
    join_rate, params = rng.random(n_init) * 3, ClustersConfig(leave_rate=0.4)
    choice = initiative_choice(region[rows], sector[rows], info, draws.choice)
    can = (cluster[rows] < 0) & (choice >= 0)
    joins = can & (draws.join < -np.expm1(-join_rate[np.maximum(choice, 0)] * 0.5))
    joined = np.where(joins, choice, cluster[rows])
    leaves = (joined >= 0) & (draws.leave < -np.expm1(-params.leave_rate * 0.5))
    expected = cluster.copy()
    expected[rows] = np.where(leaves, -1, joined)
    clusters.change_membership(
        cluster, rows, region, sector, info.by_group, join_rate, draws, params, 0.5
    )
    np.testing.assert_array_equal(cluster, expected)
    assert joins.any() and leaves.any()
