"""Partner search and choice (rules/partnering.py): value, candidates, consent, capacity."""

import numpy as np
import pytest

from nsrsim.random import KeyedRandom
from nsrsim.rules import partnering
from nsrsim.rules.cell_sampler import MAX_ROUNDS, CellSampler


def test_partner_value_is_an_inverted_u_peaking_at_the_optimum():
    distance = np.linspace(0, 1, 101)
    value = partnering.partner_value(distance, 0.3)
    assert value[0] == 0 and value.argmax() == 30 and value.max() == pytest.approx(1.0)
    assert (np.diff(value[:31]) > 0).all() and (np.diff(value[31:]) < 0).all()


def test_the_proposal_kernel_is_decay_times_institutional_proximity():
    """Same country 1, a shared INTERREG A programme ``interreg_weight``, else
    ``other_country_weight``, times the travel decay: the array formula to the bit, over
    blocks of rows (130 places: three blocks)."""
    from nsrsim.config import PartneringConfig

    rng = np.random.default_rng(8)
    n = 130
    km = (rng.random((n, n)) * 400).astype(np.float32)
    country, programmes = rng.integers(0, 3, n), rng.integers(0, 4, n)
    params = PartneringConfig()
    same = country[:, None] == country[None, :]
    shared = (programmes[:, None] & programmes[None, :]) != 0
    weight = np.where(
        same, 1.0, np.where(shared, params.interreg_weight, params.other_country_weight)
    )
    expected = (np.exp2(-km / params.decay_km) * weight).astype(np.float32)
    kernel = partnering.proposal_kernel(km, country, programmes, params)
    assert kernel.dtype == np.float32 and (~same & shared).any() and (~same & ~shared).any()
    np.testing.assert_array_equal(kernel, expected)


def test_cognitive_distance_is_numpys_to_the_bit():
    """The compiled distance adds in NumPy's order (einsum's dot products, norm's pairwise
    sums of squares), so the runs it feeds stay the same; zero vectors are at distance 1.
    """
    from nsrsim.state import N_FIELDS

    assert N_FIELDS == 8  # the compiled sums are written out for 8 terms
    rng = np.random.default_rng(3)
    k = rng.random((5000, 8)) ** 2
    k[:5] = 0.0
    a, b = rng.integers(0, 5000, 20000), rng.integers(0, 5000, 20000)
    norm = np.linalg.norm(k, axis=-1)
    np.testing.assert_array_equal([partnering.row_norm(k, r) for r in range(len(k))], norm)
    dot = np.einsum("...k,...k->...", k[a], k[b])
    pair_norm = norm[a] * norm[b]
    expected = 1.0 - np.divide(dot, pair_norm, out=np.zeros_like(dot), where=pair_norm > 0)
    np.testing.assert_array_equal(partnering.link_distance(k, a, b), expected)
    assert partnering.link_distance(k, np.array([0]), np.array([7]))[0] == 1.0


def test_adjacency_lists_partners_in_id_order():
    """The compiled CSR equals a sort of all (firm, partner id) keys, on a random graph."""
    rng = np.random.default_rng(5)
    n = 400
    pairs = np.unique(np.sort(rng.integers(0, n, (1500, 2)), axis=1), axis=0)
    a, b = pairs[pairs[:, 0] != pairs[:, 1]].T
    firm_id = rng.permutation(10 * n)[:n]
    indptr, indices = partnering.adjacency(a, b, n, firm_id)
    source, target = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.lexsort((firm_id[target], source))
    np.testing.assert_array_equal(indices, target[order])
    np.testing.assert_array_equal(np.diff(indptr), np.bincount(source, minlength=n))


def test_cluster_pools_hold_members_of_linked_initiatives_in_id_order():
    rng = np.random.default_rng(6)
    n_rows, n = 500, 7
    cluster = rng.integers(-1, n, n_rows)
    firm_id = rng.permutation(5 * n_rows)[:n_rows]
    live = np.sort(rng.choice(n_rows, 400, replace=False))
    linked = rng.random((n, n)) < 0.3
    linked = linked | linked.T | np.eye(n, dtype=bool)
    offsets, rows = partnering.cluster_pools(live, cluster, firm_id, linked)
    for pool in range(n):
        members = [live[(cluster[live] == part)] for part in np.flatnonzero(linked[pool])]
        expected = np.concatenate([m[np.argsort(firm_id[m])] for m in members])
        np.testing.assert_array_equal(rows[offsets[pool] : offsets[pool + 1]], expected)


def test_choose_partners_respects_capacity_and_existing_links():
    searchers = np.array([0, 1, 2, 3])
    candidates = np.array([[4, 5], [4, 5], [4, 5], [0, 5]])
    gain = np.array([[1.0, 0.5], [1.0, 0.5], [1.0, 0.5], [1.0, 0.5]])
    cost = np.full((4, 2), 0.1)
    degree = np.array([0, 0, 0, 0, 1, 0])
    existing = np.array([0 * 6 + 4])  # 0-4 already linked
    a, b = partnering.choose_partners(
        searchers,
        candidates,
        gain,
        gain,
        cost,
        existing,
        degree,
        6,
        2,
        np.array([0.1, 0.2, 0.3, 0.4]),
    )
    pairs = {tuple(sorted(p)) for p in zip(a, b, strict=True)}
    assert (0, 4) not in pairs  # already linked
    assert (1, 4) in pairs  # first by priority to claim firm 4's last free slot
    assert (2, 4) not in pairs  # firm 4 is then full (degree 1 + 1 = max 2)
    assert (0, 3) in pairs  # 3 proposes to 0: a new pair
    new_degree = degree + np.bincount(a, minlength=6) + np.bincount(b, minlength=6)
    assert new_degree.max() <= 2


def link_terms(rng: np.random.Generator, n: int, n_cells: int, firm_cell: np.ndarray) -> tuple:
    """A random world's terms of a link's economics (``NSRModel.link_terms``'s order)."""
    travel_h = (rng.random((n_cells, n_cells)) * 4).astype(np.float32)
    return (
        rng.random((n, 8)),  # knowledge
        0.3,  # optimal distance
        rng.random(n) * 2,  # absorptive capacity
        rng.integers(0, 3, n),  # country
        firm_cell,
        travel_h,
        0.5,  # rural access cut
        (rng.random(n) < 0.2).astype(float),  # rural support
        0.3,  # coaching's cut
        (rng.random(n) < 0.2).astype(float),  # coached
        rng.integers(-1, 3, n),  # cluster
        rng.random((3, 3)) < 0.5,  # framework partnerships
        0.3,  # the framework's cut
        0.5,  # the broker's cut
        0.2,  # link cost
        0.05,  # travel cost per hour
        0.1,  # border cost
    )


def one_choice_then_pay(rows, candidates, terms, existing, degree, n, spend, money):
    """What a broker's pass must give: one :func:`choose_partners` over the whole list
    (fittest first), then each match paid in list order while the money lasts.
    """
    gains = partnering.pair_economics(
        np.repeat(rows, candidates.shape[1]), candidates.ravel(), terms
    )
    a, b = partnering.choose_partners(
        rows, candidates, *(g.reshape(candidates.shape) for g in gains), existing, degree, n, 3,
        np.arange(rows.size, dtype=float),
    )  # fmt: skip
    spend_of = dict(zip(rows.tolist(), spend.tolist(), strict=True))
    paid = []
    for own in a:
        if spend_of[own] <= money:
            paid.append(True)
            money -= spend_of[own]
        else:
            paid.append(False)
    return a[paid], b[paid]


@pytest.mark.parametrize("money", [3.5, 7.2, 100.0])
def test_a_brokers_pass_pays_the_links_of_one_choice_over_its_whole_list(money):
    """The pass stops where no firm still listed can be paid; its links are those of choosing
    over the whole list at once and paying in its order (an unpaid match forms no link, and
    a pair two listed firms would both form forms once)."""
    rng = np.random.default_rng(3)
    n, listed, k = 60, 40, 6
    rows = rng.permutation(n)[:listed]
    candidates = rng.integers(-1, n, (listed, k))
    candidates[1, 0], candidates[0, 0] = rows[0], rows[1]  # 0 and 1 propose to each other
    terms = link_terms(rng, n, 5, rng.integers(0, 5, n))
    existing = np.sort(rng.choice(n * n, 20, replace=False))
    degree = rng.integers(0, 3, n)
    spend = rng.choice([0.5, 1.0, 2.0], listed)
    a, b, rounds = partnering.introduce(
        rows, rows + 1000, candidates, np.empty(0, np.int64), partnering.NO_SCOPE, terms, existing,
        degree.copy(), 3, n, spend, money,
    )  # fmt: skip
    want_a, want_b = one_choice_then_pay(rows, candidates, terms, existing, degree, n, spend, money)
    assert len(want_a) >= 3
    np.testing.assert_array_equal(a, want_a)
    np.testing.assert_array_equal(b, want_b)
    assert not rounds.any()  # every candidate given: nothing drawn


def test_a_brokers_candidates_drawn_on_demand_are_those_of_sample_candidates():
    """A broker's candidates drawn as the pass reaches a firm (``ON_DEMAND``) are the scope
    sampler's keyed draws for (firm id, slot), as :func:`sample_candidates` gives them all at
    once, so the pass forms the links of sampling first and choosing over the whole list."""
    rng = np.random.default_rng(5)
    n, n_cells, listed, k = 300, 30, 50, 8
    firm_cell = rng.integers(0, n_cells, n)
    live = np.sort(rng.choice(n, 260, replace=False))
    firm_id = np.arange(n) * 3 + 7
    sampler = CellSampler(
        (rng.random((4, n_cells)) < 0.5).astype(np.float32),  # a scope: a row per region
        np.maximum(np.bincount(firm_cell[live[:200]], minlength=n_cells), 1),  # some overfull
        rng.integers(0, 4, n_cells),
    )
    rows = rng.permutation(live)[:listed]
    keyed = KeyedRandom(4)
    bases = keyed.round_bases("broker", 2, MAX_ROUNDS)
    by_cell = partnering.cell_order(live, firm_cell, firm_id, n_cells)
    given = partnering.sample_candidates(
        rows, firm_cell, firm_id, live, sampler, np.full(n, -1), *NO_POOLS, no_links(n),
        0.0, 0.0,
        partnering.CandidateDraws(
            mix=np.ones((listed, k)),
            cell=partnering.ProposalDraws(firm_id[rows], bases),
            firm=np.zeros((listed, k)),
            second=np.zeros((listed, k)),
            priority=np.arange(listed, dtype=float),
        ),
        by_cell,
    )  # fmt: skip
    terms = link_terms(rng, n, n_cells, firm_cell)
    existing, degree = np.empty(0, np.int64), np.zeros(n, np.int64)
    spend = np.ones(listed)
    a, b, rounds = partnering.introduce(
        rows, firm_id[rows], np.full((listed, k), partnering.ON_DEMAND),
        sampler.source_row[firm_cell[rows]],
        (*sampler.arrays(), bases, by_cell[1], by_cell[0]),
        terms, existing, degree.copy(), 3, n, spend, 1e9,
    )  # fmt: skip
    want_a, want_b = one_choice_then_pay(rows, given, terms, existing, degree, n, spend, 1e9)
    assert len(want_a) > 20 and (given >= 0).mean() > 0.8
    np.testing.assert_array_equal(a, want_a)
    np.testing.assert_array_equal(b, want_b)
    assert (rounds >= 1).all()  # every firm reached, each slot drew


def test_a_link_that_dissolves_before_a_search_frees_a_place_for_it():
    """Firm 0 is full (one place) with firm 2; the link dissolves at 0.3 of the step: the
    search at 0.1 finds no room, the one at 0.6 links 0 to 1."""
    args = (np.array([[1]]), np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1)))
    existing = np.array([0 * 3 + 2])
    gone = partnering.Dissolutions(np.array([0]), np.array([2]), np.array([0.3]))
    for time, formed in ((0.1, 0), (0.6, 1)):
        a, _ = partnering.choose_partners(
            np.array([0]), *args, existing, np.array([1, 0, 1]), 3, 1, np.array([time]), gone
        )
        assert len(a) == formed
    pairs = np.array([0, 1, 2]), np.array([1, 2, 0])
    times, _, _ = partnering.free_to_search(
        *pairs, np.array([0.05, 0.2, 0.9]), 0.4, np.arange(3), 3, 2
    )
    np.testing.assert_allclose(times, [0.125, 0.5, np.inf])


def test_unprofitable_partners_are_refused():
    a, _ = partnering.choose_partners(
        np.array([0]),
        np.array([[1]]),
        np.array([[0.2]]),
        np.array([[0.05]]),
        np.array([[0.1]]),
        np.empty(0, int),
        np.zeros(2, int),
        2,
        5,
        np.array([0.5]),
    )
    assert len(a) == 0  # firm 1 would lose: no consent


def candidate_draws(n_search: int, m: int, seed: int, mix: float | None = None):
    rng = np.random.default_rng(seed)
    keyed = KeyedRandom(seed)
    bases = [keyed.stream_base(f"t.{r}", 0) for r in range(MAX_ROUNDS)]
    return partnering.CandidateDraws(
        mix=rng.random((n_search, m)) if mix is None else np.full((n_search, m), mix),
        cell=partnering.ProposalDraws(np.arange(n_search), np.array(bases, np.uint64)),
        firm=rng.random((n_search, m)),
        second=rng.random((n_search, m)),
        priority=rng.random(n_search),
    )


NO_POOLS = (np.zeros(1, int), np.empty(0, int))


def no_links(n: int):
    return partnering.adjacency(np.empty(0, int), np.empty(0, int), n, np.arange(n))


def test_candidates_follow_the_kernel():
    firm_cell = np.array([0, 0, 1, 2, 2, 2])
    live = np.arange(6)
    kernel = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32)  # own cell only
    cand = partnering.sample_candidates(
        live,
        firm_cell,
        live,
        live,
        CellSampler(kernel, np.array([2, 1, 3])),
        np.full(6, -1),
        *NO_POOLS,
        no_links(6),
        0.0,
        0.5,
        candidate_draws(6, 50, 0),
    )
    for i in live:
        picked = cand[i][cand[i] >= 0]
        assert (firm_cell[picked] == firm_cell[i]).all() and (picked != i).all()
    assert (cand[2] == -1).all()  # alone in its cell: only itself was drawn


def test_one_firm_more_changes_few_other_draws():
    """Proposals are static: one entrant changes only the draws that land on its cell (a draw
    by inversion of a cumulative sum would move a sixth of them)."""
    rng = np.random.default_rng(2)
    n_cells, n = 500, 600
    firm_cell = rng.integers(0, n_cells, n)
    sampler = CellSampler(np.ones((n_cells, n_cells), np.float32), np.full(n_cells, 3))
    searchers = np.arange(200)
    draws = candidate_draws(200, 10, 3, mix=0.9)
    args = (np.full(n + 1, -1), *NO_POOLS, no_links(n + 1), 0.0, 0.0, draws)
    before = partnering.sample_candidates(
        searchers, np.r_[firm_cell, 0], np.arange(n + 1), np.arange(n), sampler, *args
    )
    after = partnering.sample_candidates(
        searchers, np.r_[firm_cell, 0], np.arange(n + 1), np.arange(n + 1), sampler, *args
    )
    assert 0 < (before != after).mean() < 0.02


def test_referrals_propose_partners_of_partners():
    a, b = np.array([0, 1]), np.array([1, 2])  # 0-1-2 chain
    neighbours = partnering.adjacency(a, b, 4, np.arange(4))
    assert neighbours[0].tolist() == [0, 1, 3, 4, 4]
    kernel = np.ones((4, 4), np.float32)
    cand = partnering.sample_candidates(
        np.array([0]),
        np.array([0, 1, 2, 3]),
        np.arange(4),
        np.arange(4),
        CellSampler(kernel, np.ones(4, int)),
        np.full(4, -1),
        *NO_POOLS,
        neighbours,
        0.0,
        1.0,
        candidate_draws(1, 20, 1, mix=0.0),
    )
    assert set(cand[0]) <= {2, -1} and 2 in set(cand[0])  # 0's only partner 1 refers 2 (or 0)


def test_id_ranks_are_the_rows_when_ids_increase_and_the_sort_otherwise():
    rng = np.random.default_rng(5)
    increasing = np.cumsum(rng.integers(1, 9, 50))
    np.testing.assert_array_equal(partnering.id_ranks(increasing, 50), np.arange(50))
    shuffled = rng.permutation(increasing)
    rank = np.empty(50, np.int64)
    rank[np.argsort(shuffled)] = np.arange(50)
    np.testing.assert_array_equal(partnering.id_ranks(shuffled, 50), rank)


def test_the_partner_search_prologue_is_the_array_statements_to_the_bit():
    """Link keys, dissolutions and who may search, search rates and search keys: the
    compiled passes equal the array statements they replace."""
    from nsrsim.config import InnovationConfig
    from nsrsim.random import pair_keys
    from nsrsim.rules import innovation

    rng = np.random.default_rng(12)
    n = 900
    firm_id = np.sort(rng.choice(10**6, n, replace=False)).astype(np.int64)
    a, b = rng.integers(0, n, 400), rng.integers(0, n, 400)
    id_a, id_b = firm_id[a], firm_id[b]
    np.testing.assert_array_equal(
        partnering.link_keys(firm_id, a, b),
        pair_keys(np.minimum(id_a, id_b), np.maximum(id_a, id_b)),
    )
    u, live = rng.random(400), np.sort(rng.choice(n, 700, replace=False))
    ends, degree, free = partnering.free_to_search(a, b, u, 0.3, live, n, 3)
    np.testing.assert_array_equal(ends, np.where(u < 0.3, u / 0.3, np.inf))
    gone = np.isfinite(ends)
    full = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    freed = np.bincount(a[gone], minlength=n) + np.bincount(b[gone], minlength=n)
    np.testing.assert_array_equal(degree, full)
    np.testing.assert_array_equal(free, live[full[live] - freed[live] < 3])
    params = InnovationConfig()
    country, culture = rng.integers(0, 5, n), rng.random(5) + 0.5
    until, knowledge = rng.integers(-2, 3, n).astype(np.int32), rng.random((n, 8))
    rd_term, size_term, propensity = rng.random(n), rng.random(n) * 3, rng.random(5)
    effort = innovation.effort_rows(
        rd_term, size_term, knowledge, propensity, country, free, params.knowledge_floor
    )
    boost = 0.4 * (until[free] > 0).astype(float)
    expected = 2.5 * culture[country[free]] * effort * (1.0 + boost)
    rates = partnering.search_rates(
        free, 2.5, culture, country, until, 0, 0.4, rd_term, size_term, knowledge, propensity,
        params.knowledge_floor,
    )  # fmt: skip
    np.testing.assert_array_equal(rates, expected)
    count = rng.integers(0, 4, free.size)
    searchers, keys = partnering.search_keys(free, count, firm_id)
    nth = np.arange(searchers.size) - np.repeat(np.cumsum(count) - count, count)
    np.testing.assert_array_equal(searchers, np.repeat(free, count))
    expected_ids = np.where(
        nth == 0, firm_id[searchers], pair_keys(firm_id[searchers], nth).view(np.int64)
    )
    np.testing.assert_array_equal(keys.view(np.int64), expected_ids)
