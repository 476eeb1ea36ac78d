"""Learning (rules/learning.py): levels, capability, learning along links."""

import numpy as np

from nsrsim.config import (
    LearningConfig,
)
from nsrsim.rules import innovation, learning
from nsrsim.state import N_FIELDS, Links


def dense(gains: learning.LinkGains) -> np.ndarray:
    """The gains along links as a row per firm row (zeros where a row has no link)."""
    out = np.zeros((len(gains.slot), gains.table.shape[1]))
    linked = gains.slot >= 0
    out[linked] = gains.table[gains.slot[linked]]
    return out


def test_relative_levels_are_the_array_formula():
    rng = np.random.default_rng(4)
    k = rng.random((3000, 8)) ** 3
    k[:4] = 0.0
    strongest = k.max(axis=1, keepdims=True)
    expected = np.divide(k, strongest, out=np.zeros_like(k), where=strongest > 0)
    np.testing.assert_array_equal(learning.relative_levels(k, np.arange(3000)), expected)
    rows = np.flatnonzero(np.arange(3000) % 3)
    np.testing.assert_array_equal(learning.relative_levels(k, rows), expected[rows])


def test_mean_capability_is_numpys_mean():
    rng = np.random.default_rng(9)
    k = rng.random((3000, 8)) ** 2
    rows = rng.permutation(3000)[:2000]
    ones, country = np.ones(3000), np.zeros(3000, np.int64)  # effort = 1 x (0 + capability)
    capability = innovation.effort_rows(ones, ones, k, np.ones(1), country, rows, 0.0)
    np.testing.assert_array_equal(capability, k[rows].mean(axis=1))


def test_learning_only_moves_toward_partners_ahead():
    knowledge = np.zeros((2, N_FIELDS))  # two fields known, the others not at all
    knowledge[:, :2] = [[0.2, 0.8], [0.6, 0.4]]
    live = np.arange(len(knowledge))
    related = learning.prior_knowledge(learning.relative_levels(knowledge, live), LearningConfig())
    args = (np.array([0]), np.array([1]))
    gain = dense(
        learning.learn_from_links(
            knowledge, *args, np.ones(2), 10.0, np.ones(2), related, live, 0.3,
            LearningConfig(), 1.0,
        )
    )  # fmt: skip
    assert gain[0, 0] > 0 and gain[0, 1] == 0 and gain[1, 1] > 0 and gain[1, 0] == 0
    assert (gain[:, 2:] == 0).all()
    assert (knowledge + gain <= np.maximum(knowledge[0], knowledge[1]) + 1e-12).all()
    # a cohort of 100 firms linked to one firm learns for the one of its firms in the link
    relations = Links(*args, np.zeros(1)).relations(np.array([100.0, 1.0]), 10.0)
    assert (relations / np.array([100.0, 1.0])).tolist() == [0.01, 1.0]  # each side's share
    cohort = dense(
        learning.learn_from_links(
            knowledge, *args, np.array([100.0, 1.0]), 10.0, np.ones(2), related, live, 0.3,
            LearningConfig(), 1.0,
        )
    )  # fmt: skip
    np.testing.assert_allclose(cohort, gain * np.array([[0.01], [1.0]]))
    values = learning.partner_values(knowledge, *args, np.array([100.0, 1.0]), 10.0, 0.3)
    np.testing.assert_allclose(
        values, learning.partner_values(knowledge, *args, np.ones(2), 10.0, 0.3) * [0.01, 1]
    )


def test_local_spillovers_are_the_double_precision_formula_to_single_precision():
    """The kernel and the cell sums are single precision (a memory-bound product a step):
    the local means agree with the formula in double precision to ~1e-6 of a knowledge level
    (a gain, rate x lead, to that much of its rate: the lead is a difference)."""
    rng = np.random.default_rng(3)
    n_cells, n = 60, 400
    km = (rng.random((n_cells, n_cells)) * 300).astype(np.float32)
    km = np.minimum(km, km.T)
    np.fill_diagonal(km, 0)
    params = LearningConfig()
    kernel = learning.SpilloverKernel(km, params)
    knowledge, cell = rng.random((n, N_FIELDS)), rng.integers(0, n_cells, n)
    mass, absorptive = rng.random(n) * 5000, rng.random(n)
    live = np.flatnonzero(rng.random(n) < 0.9)
    related = learning.prior_knowledge(learning.relative_levels(knowledge, live), params)
    gain = learning.local_spillovers(
        knowledge, live, cell, mass, kernel, absorptive, related, params, 0.25
    )
    weights = np.exp2(-km.astype(np.float64) / params.spillover_half_km)[cell[live]][:, cell[live]]
    nearby = weights @ mass[live]
    mean = weights @ (mass[live, None] * knowledge[live]) / nearby[:, None]
    lead = np.maximum(mean - knowledge[live], 0.0) * related
    scale = params.spillover_rate * 0.25 * nearby / (nearby + params.spillover_mass)
    expected = np.zeros_like(knowledge)
    expected[live] = (scale * absorptive[live])[:, None] * lead
    np.testing.assert_allclose(gain, expected[live], rtol=1e-5, atol=1e-6 * scale.max())
    assert not np.array_equal(gain, expected[live])  # single precision: not to the last bit


def test_the_spillover_block_follows_the_occupied_cells():
    """Cells that gain or lose their last firm are swapped in or out of the block: every step
    the block holds exactly the occupied cells, with each pair's weight."""
    rng = np.random.default_rng(6)
    n = 50
    km = (rng.random((n, n)) * 200).astype(np.float32)
    km = np.minimum(km, km.T)
    params = LearningConfig()
    kernel = learning.SpilloverKernel(km, params)
    exact = np.exp2(-km.astype(np.float64) / params.spillover_half_km).astype(np.float32)
    occupied = np.flatnonzero(rng.random(n) < 0.6)
    for _ in range(30):
        cells, block = kernel.weights_among(occupied)
        assert sorted(cells.tolist()) == occupied.tolist()
        np.testing.assert_array_equal(block, exact[np.ix_(cells, cells)])
        flip = rng.integers(0, n, 4)  # a few cells gain or lose their last firm
        mask = np.zeros(n, bool)
        mask[occupied] = True
        mask[flip] = ~mask[flip]
        occupied = np.flatnonzero(mask)
    assert kernel.weight(3, 7) == exact[3, 7]


def test_absorptive_capacity_is_the_array_formula_to_the_bit():
    """The compiled exponent and NumPy's expm1 give the rule's array statement exactly."""
    rng = np.random.default_rng(5)
    rd, boost = rng.random(3000) * 0.05, rng.random(3000) * 0.01
    skilled, region = rng.random(12), rng.integers(0, 12, 3000)
    expected = -np.expm1(-((rd + boost) / 0.02) * (0.3 + skilled[region]))
    got = learning.absorptive_capacity(rd, boost, skilled, region, 0.02, 0.3)
    np.testing.assert_array_equal(got, expected)
    assert ((got > 0) & (got < 1)).all()


def test_partner_values_are_the_bincounts_of_the_shares_to_the_bit():
    """The compiled sums equal the two bincounts over the links' shares they replace."""
    from nsrsim.rules.partnering import link_distance, partner_value

    rng = np.random.default_rng(7)
    n = 600
    knowledge, weight = rng.random((n, 8)), np.where(rng.random(n) < 0.3, rng.random(n) * 400, 1.0)
    links = Links(rng.integers(0, n, 900), rng.integers(0, n, 900), np.zeros(900))
    relations = links.relations(weight, 10.0)
    share_a, share_b = relations / weight[links.a], relations / weight[links.b]
    value = partner_value(link_distance(knowledge, links.a, links.b), 0.3)
    expected = np.bincount(links.a, value * share_a, n) + np.bincount(links.b, value * share_b, n)
    got = learning.partner_values(knowledge, links.a, links.b, weight, 10.0, 0.3)
    np.testing.assert_array_equal(got, expected)


def test_link_gains_are_the_two_bincounts_to_the_bit():
    """The gains along links, kept for the linked rows only, equal the sums toward the links'
    a ends plus those toward their b ends (two bincounts), zeros elsewhere."""
    from nsrsim.rules.partnering import link_distance, partner_value

    rng = np.random.default_rng(21)
    n, params = 700, LearningConfig()
    knowledge, weight = rng.random((n, N_FIELDS)), np.where(rng.random(n) < 0.3, 50.0, 1.0)
    live = np.flatnonzero(rng.random(n) < 0.9)
    a, b = rng.choice(live, 300), rng.choice(live, 300)
    keep = a != b
    a, b = a[keep], b[keep]
    absorptive = rng.random(n)
    related = learning.prior_knowledge(learning.relative_levels(knowledge, live), params)
    gains = learning.learn_from_links(
        knowledge, a, b, weight, 10.0, absorptive, related, live, 0.3, params, 0.5
    )
    rate = params.link_rate * 0.5 * partner_value(link_distance(knowledge, a, b), 0.3)
    relations = Links(a, b, np.zeros(len(a))).relations(weight, 10.0)
    at = np.full(n, -1)
    at[live] = np.arange(live.size)
    lead = knowledge[b] - knowledge[a]
    to_a = (rate * (relations / weight[a]) * absorptive[a])[:, None] * related[at[a]]
    to_b = (rate * (relations / weight[b]) * absorptive[b])[:, None] * related[at[b]]
    expected = np.stack(
        [
            np.bincount(a, to_a[:, f] * np.maximum(lead[:, f], 0.0), n)
            + np.bincount(b, to_b[:, f] * np.maximum(-lead[:, f], 0.0), n)
            for f in range(N_FIELDS)
        ],
        axis=1,
    )
    np.testing.assert_array_equal(dense(gains), expected)
    assert (gains.slot >= 0).sum() == len(np.union1d(a, b))
