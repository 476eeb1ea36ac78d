"""The yearly network facts against scipy's sparse-matrix definitions; per-region sums."""

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from nsrsim.indicators import network_facts


def scipy_facts(a, b, live, n_rows, weight):
    """Transitivity and giant share as sparse products and scipy's components."""
    ones = np.ones(len(a))
    adjacency = coo_matrix(
        (np.r_[ones, ones], (np.r_[a, b], np.r_[b, a])), shape=(n_rows, n_rows)
    ).tocsr()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    triples = float((degree * (degree - 1)).sum())
    closed = float((adjacency @ adjacency).multiply(adjacency).sum())
    _, label = connected_components(adjacency[live][:, live], directed=False)
    size = np.bincount(label, weights=weight[live])
    return closed / triples if triples > 0 else 0.0, float(size.max() / size.sum())


@pytest.mark.parametrize("seed", range(5))
def test_network_facts_equal_the_sparse_definition_exactly(seed):
    rng = np.random.default_rng(seed)
    n_rows = 300
    alive = rng.random(n_rows) < 0.8
    live = np.flatnonzero(alive)
    pairs = {tuple(sorted(p)) for p in rng.choice(live, (400, 2)) if p[0] != p[1]}
    a, b = (np.array(side, np.int64) for side in zip(*sorted(pairs), strict=True))
    weight = np.where(rng.random(n_rows) < 0.7, rng.integers(1, 50, n_rows), 0).astype(float)
    assert network_facts(a, b, live, n_rows, weight) == scipy_facts(a, b, live, n_rows, weight)


def test_a_triangle_and_an_isolated_firm():
    a, b = np.array([0, 1, 2]), np.array([1, 2, 0])
    clustering, giant = network_facts(a, b, np.arange(4), 4, np.ones(4))
    assert clustering == 1.0 and giant == 0.75


def test_regional_means_equal_bincounts_per_column():
    from nsrsim.population import regional_means

    rng = np.random.default_rng(8)
    region, weight, rd = rng.integers(0, 30, 5000), rng.random(5000), rng.random(5000)
    knowledge, rows = rng.random((5000, 8)), np.sort(rng.choice(5000, 4000, replace=False))
    mass = np.maximum(np.bincount(region[rows], weights=weight[rows], minlength=31), 1e-12)
    expected = np.stack(
        [np.bincount(region[rows], weights=(weight * knowledge[:, f])[rows], minlength=31)
         for f in range(8)],
        axis=1,
    ) / mass[:, None]  # fmt: skip
    mean_rd, local = regional_means(region, weight, rd, knowledge, rows, 31)
    np.testing.assert_array_equal(local, expected)
    rd_sum = np.bincount(region[rows], weights=(weight * rd)[rows], minlength=31)
    np.testing.assert_array_equal(mean_rd, rd_sum / mass)
    assert mean_rd[30] == 0.0  # a region without firms
