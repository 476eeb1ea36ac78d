"""The compiled cell sampler (rules/cell_sampler.py): kernel-proportional, keyed, stable draws."""

import numpy as np
import pytest
from scipy import stats

from nsrsim.random import KeyedRandom, pair_keys
from nsrsim.rules import partnering
from nsrsim.rules.cell_sampler import MAX_ROUNDS, CellSampler, proposed_cell


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


def test_cells_that_share_a_row_draw_as_if_each_had_its_own():
    """A kernel given per group of source cells (a broker's scope: per region) with each
    cell's row gives the draws of the full per-cell kernel, excess firms included."""
    rng = np.random.default_rng(12)
    n_cells, n_groups = 80, 6
    group = rng.integers(0, n_groups, n_cells)
    rows = (rng.random((n_groups, n_cells)) < 0.5).astype(np.float32)
    capacity = rng.integers(1, 6, n_cells)
    counts = capacity + rng.integers(-2, 3, n_cells)  # some cells short, some beyond
    counts = np.maximum(counts, 0)
    keyed = KeyedRandom(5)
    keys = pair_keys(np.arange(3000), np.full(3000, 1))
    source = rng.integers(0, n_cells, 3000)
    bases = np.array([keyed.stream_base(f"s.{r}", 3) for r in range(MAX_ROUNDS)], np.uint64)
    grouped = CellSampler(rows, capacity, group).draw(source, counts, keys, bases)
    full = CellSampler(rows[group], capacity).draw(source, counts, keys, bases)
    assert (counts > capacity).any() and (full[0] >= 0).sum() > 2000
    for a, b in zip(grouped, full, strict=True):
        np.testing.assert_array_equal(a, b)
