"""Partner search and link formation (ODD 7.3 "Partnering").

Candidates are proposed from the static proximities — travel-time decay and institutional
proximity (drawn by ``cell_sampler``), shared or partnered clusters — and from partners'
partners (referrals, which close triangles as real innovation networks do), and then judged
by the dynamic ones: a partner's value is an inverted U of cognitive distance, weighed against
the cost of the link. Proposing from a cell-level kernel and accepting per candidate is exact
and costs O(firms), where all-pairs probabilities would cost O(firms²).
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from nsrsim.config import PartneringConfig
from nsrsim.random import pair_key
from nsrsim.rules.cell_sampler import CellSampler, draw_entries, excess_tables
from nsrsim.rules.innovation import row_effort
from nsrsim.state import N_FIELDS


@dataclass(frozen=True)
class ProposalDraws:
    """Keyed uniforms of the spatial proposals: round r of a searcher's candidate slot uses the
    three uniforms of (``bases[r]``, pair key of the searcher's id and the slot), which the
    cell sampler computes in its compiled loop; ``replay`` (set when a run logs its draws)
    takes the same draws through :class:`~nsrsim.random.KeyedRandom` for the log.
    """

    ids: np.ndarray  # firm id per searcher
    bases: np.ndarray  # uint64 per round: the stream base of ``<stream>.<round>`` this step
    replay: Callable[[np.ndarray, np.ndarray, np.ndarray], None] | None = None


@dataclass(frozen=True)
class CandidateDraws:
    """Uniform draws for one step's searches, keyed by the searching firm's id."""

    mix: np.ndarray  # (searchers, candidates): pool, referral or spatial candidate
    cell: ProposalDraws  # spatial proposals, per (searcher, candidate slot) and round
    firm: np.ndarray  # (searchers, candidates): which firm within the pool or of a partner
    second: np.ndarray  # (searchers, candidates): which partner of a partner (referrals)
    priority: np.ndarray  # (searchers,): order in which proposals claim partner capacity


def proposal_kernel(
    travel_km: np.ndarray, country: np.ndarray, programmes: np.ndarray, params: PartneringConfig
) -> np.ndarray:
    """Cell-to-cell proposal weight: halves every ``decay_km`` and scales with the proximity of
    institutions relative to the same country (1): ``interreg_weight`` for places that share an
    INTERREG A programme (``programmes``: a bit mask of memberships per place), else
    ``other_country_weight``. Only ratios matter (the kernel is normalised per draw), so the
    same country is the unit rather than a third weight.
    """
    country, programmes = np.asarray(country, np.int64), np.asarray(programmes, np.int64)
    interreg, other = float(params.interreg_weight), float(params.other_country_weight)
    return by_row_blocks(
        lambda rows: _times_institutions(
            np.exp2(-travel_km[rows] / params.decay_km),
            country[rows],
            programmes[rows],
            country,
            programmes,
            interreg,
            other,
        ),
        travel_km.shape,
        np.float32,
    )


@njit(cache=True)
def _times_institutions(decay, row_country, row_programmes, country, programmes, interreg, other):
    """A block of rows' decay times the institutional weight of each place pair, rounded to
    single precision as NumPy rounds the double product (no place-pair matrix of weights).
    """
    out = np.empty(decay.shape, np.float32)
    for i in range(decay.shape[0]):
        for j in range(decay.shape[1]):
            if row_country[i] == country[j]:
                weight = 1.0
            elif row_programmes[i] & programmes[j]:
                weight = interreg
            else:
                weight = other
            out[i, j] = np.float32(np.float64(decay[i, j]) * weight)
    return out


def by_row_blocks(
    compute: Callable[[slice], np.ndarray], shape: tuple[int, ...], dtype: type, rows: int = 64
) -> np.ndarray:
    """An elementwise cell-to-cell matrix computed a block of rows at a time (``compute(rows)``)
    into one array of ``dtype``: the same numbers as computing it whole, without whole-matrix
    temporaries (at 2,700 cells each is 57 MB, and touching fresh ones cost a run ~0.3 s).
    """
    out = np.empty(shape, dtype)
    for start in range(0, shape[0], rows):
        block = slice(start, start + rows)
        out[block] = compute(block)
    return out


def sample_candidates(
    searchers: np.ndarray,
    firm_cell: np.ndarray,
    firm_id: np.ndarray,
    live: np.ndarray,
    sampler: CellSampler,
    pool_of: np.ndarray,
    pool_offsets: np.ndarray,
    pool_members: np.ndarray,
    neighbours: tuple[np.ndarray, np.ndarray],
    cluster_share: float,
    referral_share: float,
    draws: CandidateDraws,
    by_cell: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Candidate firm rows for each searcher (searchers x candidates); -1 where none.

    A candidate comes, by the mixing draw, from the searcher's cluster pool (own cluster plus
    partner clusters, CSR arrays ``pool_offsets``/``pool_members`` indexed by
    ``pool_of[searcher]``) with probability ``cluster_share``; from a partner's partner
    (referral, CSR adjacency ``neighbours`` = (indptr, indices)) with probability
    ``referral_share``; otherwise from the spatial kernel of ``sampler``: a firm with
    probability proportional to the kernel weight from the searcher's cell to its cell.
    ``by_cell`` is :func:`cell_order` of ``live``, where the caller has it.
    """
    n_search, n_cand = draws.firm.shape
    if n_search == 0 or live.size == 0:
        return np.full((n_search, n_cand), -1, np.int64)
    indptr, indices = neighbours
    candidates, searcher, slot, keys = _pool_and_referral(
        searchers,
        draws.cell.ids,
        pool_of,
        pool_offsets,
        pool_members,
        indptr,
        indices,
        draws.mix,
        draws.firm,
        draws.second,
        cluster_share,
        referral_share,
    )
    if by_cell is None:
        by_cell = cell_order(live, firm_cell, firm_id, len(sampler))
    order, counts = by_cell
    cell, within, rounds = sampler.draw(
        firm_cell[searchers[searcher]], counts, keys, draws.cell.bases
    )
    if draws.cell.replay is not None:
        draws.cell.replay(rounds, searcher, slot)
    return _place_spatial(candidates, searchers, searcher, slot, cell, within, order, counts)


@njit(cache=True)
def cell_order(live, firm_cell, firm_id, n_cells):
    """Live rows by cell, each cell's firms in id order, and the live firms per cell: a
    counting sort by cell over the rows in id order (rows are: entrants' ids exceed all earlier
    ones; should they not be, a stable sort by id comes first).
    """
    rows = by_id(live, firm_id)
    counts = np.zeros(n_cells, np.int64)
    for row in rows:
        counts[firm_cell[row]] += 1
    fill = np.cumsum(counts) - counts
    order = np.empty(len(rows), np.int64)
    for row in rows:
        order[fill[firm_cell[row]]] = row
        fill[firm_cell[row]] += 1
    return order, counts


@njit(cache=True)
def _pool_and_referral(
    searchers, ids, pool_of, pool_offsets, pool_members, indptr, indices, mix, firm, second,
    cluster_share, referral_share,
):  # fmt: skip
    """Candidates from the cluster pools and from partners' partners (-1 elsewhere), and the
    (searcher, slot) entries left to the spatial proposal, in row-major order, with their
    draw keys (``nsrsim.random.pair_keys`` of the searcher's id and the slot).
    """
    n_search, n_cand = mix.shape
    candidates = np.full((n_search, n_cand), -1, np.int64)
    spatial = np.zeros((n_search, n_cand), np.bool_)
    referral_top = cluster_share + referral_share
    for s in range(n_search):
        own = searchers[s]
        pool = pool_of[own]
        size = pool_offsets[pool + 1] - pool_offsets[pool] if pool >= 0 else 0
        degree = indptr[own + 1] - indptr[own]
        for c in range(n_cand):
            if mix[s, c] < cluster_share and size > 0:
                at = pool_offsets[max(pool, 0)] + min(int(firm[s, c] * size), max(size - 1, 0))
                candidates[s, c] = pool_members[at]
            elif mix[s, c] >= cluster_share and mix[s, c] < referral_top and degree > 0:
                first = indices[indptr[own] + min(int(firm[s, c] * degree), degree - 1)]
                second_degree = indptr[first + 1] - indptr[first]
                pick = min(int(second[s, c] * second_degree), max(second_degree - 1, 0))
                candidates[s, c] = indices[indptr[first] + pick]
            else:
                spatial[s, c] = True
    n_spatial = spatial.sum()
    searcher = np.empty(n_spatial, np.int64)
    slot = np.empty(n_spatial, np.int64)
    keys = np.empty(n_spatial, np.uint64)
    e = 0
    for s in range(n_search):
        for c in range(n_cand):
            if spatial[s, c]:
                searcher[e], slot[e] = s, c
                keys[e] = pair_key(np.uint64(ids[s]), np.uint64(c))
                e += 1
    return candidates, searcher, slot, keys


@njit(cache=True)
def _place_spatial(candidates, searchers, searcher, slot, cell, within, order, counts):
    """Put the spatial proposals (cell, rank within the cell's live firms in id order) in
    their slots and drop candidates that are the searcher itself.
    """
    starts = np.cumsum(counts) - counts
    for e in range(len(searcher)):
        if cell[e] >= 0:
            candidates[searcher[e], slot[e]] = order[starts[cell[e]] + within[e]]
    for s in range(candidates.shape[0]):
        for c in range(candidates.shape[1]):
            if candidates[s, c] == searchers[s]:
                candidates[s, c] = -1
    return candidates


@njit(cache=True)
def cluster_pools(live, cluster, firm_id, linked):
    """CSR pools per initiative (offsets, firm rows): its members, then its partner
    initiatives' members (``linked``: partnered or the same, initiatives in index order), each
    initiative's members in id order. One compiled pass: the pools change every step.
    """
    n = linked.shape[0]
    members = by_id(live[cluster[live] >= 0], firm_id)
    starts = np.zeros(n + 1, np.int64)
    for row in members:
        starts[cluster[row] + 1] += 1
    for c in range(n):
        starts[c + 1] += starts[c]
    by_cluster = np.empty(len(members), np.int64)
    fill = starts[:-1].copy()
    for row in members:  # a stable counting sort keeps id order within an initiative
        by_cluster[fill[cluster[row]]] = row
        fill[cluster[row]] += 1
    offsets = np.zeros(n + 1, np.int64)
    for pool in range(n):
        offsets[pool + 1] = offsets[pool]
        for part in range(n):
            if linked[pool, part]:
                offsets[pool + 1] += starts[part + 1] - starts[part]
    rows = np.empty(offsets[n], np.int64)
    k = 0
    for pool in range(n):
        for part in range(n):
            if linked[pool, part]:
                for m in range(starts[part], starts[part + 1]):
                    rows[k] = by_cluster[m]
                    k += 1
    return offsets, rows


def adjacency(
    a: np.ndarray, b: np.ndarray, n_rows: int, firm_id: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency (indptr, indices) of undirected links, each firm's partners in id order
    (so a referral depends on who the partners are, not on when the links formed).
    """
    return _adjacency(np.asarray(a, np.int64), np.asarray(b, np.int64), id_ranks(firm_id, n_rows))


@njit(cache=True)
def id_ranks(firm_id, n_rows):
    """Each row's rank by firm id, a small sort key (ids are unique): the row itself while
    rows are in id order (:func:`by_id`).
    """
    rank = np.empty(n_rows, np.int64)
    rank[by_id(np.arange(n_rows), firm_id)] = np.arange(n_rows)
    return rank


@njit(cache=True)
def by_id(rows, firm_id):
    """``rows`` in firm-id order: ``rows`` themselves, as rows are in id order (entrants' ids
    exceed all earlier ones); sorted (stably) only if they are not.
    """
    for k in range(1, len(rows)):
        if firm_id[rows[k]] < firm_id[rows[k - 1]]:
            return rows[np.argsort(firm_id[rows], kind="mergesort")]
    return rows


@njit(cache=True)
def _adjacency(a, b, id_rank):
    """Counting sort by firm row, then each row's few partners by id rank (an insertion sort:
    a firm has at most ``max_partners``); the pairs are unique, so any sort gives this order.
    """
    n_rows = len(id_rank)
    indptr = np.zeros(n_rows + 1, np.int64)
    for e in range(len(a)):
        indptr[a[e] + 1] += 1
        indptr[b[e] + 1] += 1
    for r in range(n_rows):
        indptr[r + 1] += indptr[r]
    fill = indptr[:-1].copy()
    indices = np.empty(2 * len(a), np.int64)
    for e in range(len(a)):
        indices[fill[a[e]]] = b[e]
        fill[a[e]] += 1
        indices[fill[b[e]]] = a[e]
        fill[b[e]] += 1
    for r in range(n_rows):
        for k in range(indptr[r] + 1, indptr[r + 1]):
            partner = indices[k]
            m = k
            while m > indptr[r] and id_rank[indices[m - 1]] > id_rank[partner]:
                indices[m] = indices[m - 1]
                m -= 1
            indices[m] = partner
    return indptr, indices


def link_distance(knowledge: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cognitive distance of the row pairs (a, b) of ``knowledge``: 1 - cosine similarity of
    their knowledge vectors, in [0, 1] for non-negative vectors.

    Compiled, with every sum in the order NumPy adds it (``einsum("...k,...k->...")`` for the
    dot products, ``np.linalg.norm(axis=-1)`` for the norms), so the distances are NumPy's to
    the bit; the norms of the pairs' rows only (a step's few thousand links touch a fraction
    of the rows).
    """
    if knowledge.shape[1] != N_FIELDS:  # the compiled sums are written out for 8 fields
        raise ValueError(f"knowledge has {knowledge.shape[1]} fields, not {N_FIELDS}")
    a, b = np.asarray(a), np.asarray(b)
    return _link_distance(knowledge, a.ravel(), b.ravel()).reshape(a.shape)


@njit(cache=True)
def row_norm(knowledge, r):
    """``np.linalg.norm(knowledge[r])`` to the bit for 8 fields: ``add.reduce`` sums 8
    squares pairwise, ((0+1)+(2+3))+((4+5)+(6+7)).
    """
    k = knowledge[r]
    pair01, pair23 = k[0] * k[0] + k[1] * k[1], k[2] * k[2] + k[3] * k[3]
    pair45, pair67 = k[4] * k[4] + k[5] * k[5], k[6] * k[6] + k[7] * k[7]
    return np.sqrt((pair01 + pair23) + (pair45 + pair67))


@njit(cache=True)
def _link_distance(knowledge, a, b):
    """1 - cosine similarity per pair; the dot product in ``einsum``'s order for 8 terms (two
    lanes, each adding its products from the last to the first, then lane 0 + lane 1).
    """
    out = np.empty(len(a))
    for e in range(len(a)):
        x, y = knowledge[a[e]], knowledge[b[e]]
        even = x[0] * y[0] + (x[2] * y[2] + (x[4] * y[4] + (x[6] * y[6] + 0.0)))
        odd = x[1] * y[1] + (x[3] * y[3] + (x[5] * y[5] + (x[7] * y[7] + 0.0)))
        norm = row_norm(knowledge, a[e]) * row_norm(knowledge, b[e])
        out[e] = 1.0 - ((even + odd) / norm if norm > 0 else 0.0)
    return out


def partner_value(distance: np.ndarray, optimal: float) -> np.ndarray:
    """Inverted U of cognitive distance, 1 at ``optimal``: x·e^(1-x) with x = distance/optimal.

    Too similar: nothing to learn; too far: nothing that can be absorbed (Nooteboom 2000).
    """
    x = distance / optimal
    return x * np.exp(1.0 - x)


@dataclass(frozen=True)
class Dissolutions:
    """The links that dissolve this step: their firm rows and times within the step [0, 1)."""

    a: np.ndarray
    b: np.ndarray
    time: np.ndarray


NO_DISSOLUTIONS = Dissolutions(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))


def choose_partners(
    searchers: np.ndarray,
    candidates: np.ndarray,
    gain_i: np.ndarray,
    gain_j: np.ndarray,
    cost: np.ndarray,
    existing_keys: np.ndarray,
    degree: np.ndarray,
    n_rows: int,
    max_partners: int,
    search_time: np.ndarray,
    dissolutions: Dissolutions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """New links: each search links the searcher to its best mutually profitable new partner
    that has free capacity at the search's time.

    Searches and dissolutions (none if not given) happen in time order within the step
    (``search_time`` and the dissolutions' times, fractions of the step): a dissolution frees a
    place on both sides for the later searches. Both sides must gain more than the cost
    (mutual consent); candidates linked to the searcher at the step's start are skipped (a
    pair that dissolves does not form again in the same step). Each search takes its best
    candidate with room, else the next best (the first of equals); a firm that searches more
    than once in a step (``searchers`` repeats it) links while it has free capacity; a pair
    forms once.
    """
    if dissolutions is None:
        gone = NO_DISSOLUTIONS
    else:
        order = np.argsort(dissolutions.time, kind="mergesort")
        gone = Dissolutions(
            dissolutions.a[order].astype(np.int64),
            dissolutions.b[order].astype(np.int64),
            dissolutions.time[order].astype(np.float64),
        )
    return _choose(
        np.asarray(searchers, np.int64),
        candidates,
        gain_i,
        gain_j,
        cost if np.shape(cost) == candidates.shape else np.broadcast_to(cost, candidates.shape),
        existing_keys,
        degree.astype(np.int64),
        n_rows,
        max_partners,
        np.asarray(search_time, np.float64),
        gone.a,
        gone.b,
        gone.time,
    )


@njit(cache=True)
def _choose(
    searchers, candidates, gain_i, gain_j, cost, existing_keys, used, n_rows, max_partners,
    search_time, gone_a, gone_b, gone_time,
):  # fmt: skip
    """:func:`choose_partners` in one compiled pass: searches in stable time order, each after
    the dissolutions before it, taking its best valid candidate with free capacity (``used``
    is updated in place).
    """
    n_search, n_cand = candidates.shape
    formed = set()
    formed.add(np.int64(-1))  # typed for numba
    out_a = np.empty(n_search, np.int64)
    out_b = np.empty(n_search, np.int64)
    count = 0
    net = np.empty(n_cand)
    d = 0
    for s in np.argsort(search_time, kind="mergesort"):
        while d < len(gone_time) and gone_time[d] < search_time[s]:
            used[gone_a[d]] -= 1
            used[gone_b[d]] -= 1
            d += 1
        own = searchers[s]
        if used[own] >= max_partners:
            continue
        j = take_best(
            own, candidates[s], gain_i[s], gain_j[s], cost[s], existing_keys, used, formed,
            n_rows, max_partners, net,
        )  # fmt: skip
        if j >= 0:
            out_a[count], out_b[count] = own, j
            count += 1
    return out_a[:count], out_b[:count]


@njit(cache=True)
def take_best(
    own, candidates, gain_i, gain_j, cost, existing_keys, used, formed, n_rows, max_partners, net
):  # fmt: skip
    """One search: the best candidate (the first of equals) that both sides gain from more
    than the cost, has free capacity, is not a partner at the step's start (``existing_keys``,
    sorted pair keys) and not formed earlier in the step (``formed``); its link is taken
    (``used``, ``formed`` updated). The partner's row, or -1.
    """
    n_keys = len(existing_keys)
    for c in range(len(candidates)):
        j = candidates[c]
        mine = gain_i[c] - cost[c]
        net[c] = mine if j >= 0 and mine > 0 and gain_j[c] - cost[c] > 0 else -np.inf
    while True:  # the best untried candidate: the highest net gain, the first of equals
        c = -1
        for x in range(len(net)):
            if net[x] > 0 and (c < 0 or net[x] > net[c]):
                c = x
        if c < 0:
            return -1
        net[c] = -np.inf  # tried (a selection, not a sort: most searches take the first)
        j = candidates[c]
        key = min(own, j) * n_rows + max(own, j)
        if used[j] >= max_partners or key in formed:
            continue
        if (
            n_keys > 0
            and existing_keys[min(np.searchsorted(existing_keys, key), n_keys - 1)] == key
        ):
            continue  # partners at the step's start
        formed.add(key)
        used[own] += 1
        used[j] += 1
        return j


@njit(cache=True)
def link_keys(firm_id, a, b):
    """Each link's order-free key: :func:`~nsrsim.random.pair_key` of its firms' smaller and
    larger id (what ``pair_keys(np.minimum(id_a, id_b), np.maximum(id_a, id_b))`` gives).
    """
    out = np.empty(len(a), np.uint64)
    for e in range(len(a)):
        i, j = firm_id[a[e]], firm_id[b[e]]
        out[e] = pair_key(np.uint64(min(i, j)), np.uint64(max(i, j)))
    return out


@njit(cache=True)
def free_to_search(a, b, u, p, live, n_rows, max_partners):
    """The step's dissolutions and who may search: each link's time of dissolving within the
    step, every row's links now, and the live rows with fewer than ``max_partners`` links once
    the step's dissolutions are counted. One pass over the links and one over the live rows.

    A link dissolves in a step with probability ``p`` = min(rate x dt, 1), so it lasts 1 /
    rate years on average (dt over the probability, geometric in steps) and the yearly numbers
    of links formed and dissolved do not depend on the time step; the time is its uniform
    ``u`` over that probability, uniform within the step (inf: it does not dissolve).
    """
    ends = np.empty(len(a))
    degree = np.zeros(n_rows, np.int64)
    kept = np.zeros(n_rows, np.int64)
    scale = max(p, 1e-300)
    for e in range(len(a)):
        ends[e] = u[e] / scale if u[e] < p else np.inf
        degree[a[e]] += 1
        degree[b[e]] += 1
        if not np.isfinite(ends[e]):
            kept[a[e]] += 1
            kept[b[e]] += 1
    free = np.empty(len(live), np.int64)
    m = 0
    for r in live:
        if kept[r] < max_partners:
            free[m] = r
            m += 1
    return ends, degree, free[:m]


@njit(cache=True)
def search_rates(
    rows, scale, culture, country, rural_until, year, rural_boost, rd_term, size_term,
    knowledge, propensity, knowledge_floor,
):  # fmt: skip
    """Searches a year of firm ``rows``: ``scale`` (searches per project) x the country's
    search culture x the firm's own innovation effort (:func:`~nsrsim.rules.innovation.
    effort_rows`) x (1 + ``rural_boost`` where its rural support runs in ``year``), in
    NumPy's order of operations.
    """
    out = np.empty(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        effort = row_effort(r, rd_term, size_term, knowledge, propensity, country, knowledge_floor)
        boost = rural_boost * (1.0 if rural_until[r] > year else 0.0)
        out[i] = scale * culture[country[r]] * effort * (1.0 + boost)
    return out


@njit(cache=True)
def search_keys(rows, count, firm_id):
    """One entry per search: the searching row, and its key (a firm's first search its id,
    its n-th after that ``pair_key(id, n)``, as uint64).
    """
    searchers = np.empty(count.sum(), np.int64)
    keys = np.empty(len(searchers), np.uint64)
    e = 0
    for i in range(len(rows)):
        for nth in range(count[i]):
            searchers[e] = rows[i]
            own = np.uint64(firm_id[rows[i]])
            keys[e] = own if nth == 0 else pair_key(own, np.uint64(nth))
            e += 1
    return searchers, keys


@njit(cache=True)
def pair_economics(i, j, terms):
    """Each side's gain and the link's cost for firm-row pairs (``i``, ``j``; flat, ``j`` -1
    for none) under ``terms`` (:func:`economics_into`).
    """
    n = len(i)
    gain_i, gain_j, cost = np.empty(n), np.empty(n), np.empty(n)
    economics_into(i, j, terms, gain_i, gain_j, cost)
    return gain_i, gain_j, cost


@njit(cache=True)
def economics_into(i, j, terms, gain_i, gain_j, cost):
    """:func:`pair_economics` into given arrays: :func:`link_distance`, :func:`partner_value`
    and the cost of a link (a fixed part cut by innovation management, plus travel and border
    parts cut by matchmaking and the framework) in one loop, in NumPy's order of operations.
    ``terms`` (``NSRModel.link_terms``): knowledge, optimal distance, absorptive capacity,
    country, cell, travel hours, rural access cut, rural support, coaching's cut, coached,
    cluster, framework partnerships, the framework's cut, the broker's cut, link cost, travel
    cost per hour, border cost. They are unpacked once here: a compiled call per pair that
    passes them costs four times the arithmetic.
    """
    knowledge, optimal, absorptive, country, cell, travel_h = terms[:6]
    access_cut, rural, fixed_cut_share, coached, cluster = terms[6:11]
    framework_partner, framework_cut, broker_cut, link_cost, travel_cost_per_h = terms[11:16]
    border_cost = terms[16]
    last, norm_a = -1, 0.0
    for e in range(len(i)):
        a, b = i[e], max(j[e], 0)
        dot = 0.0
        for k in range(knowledge.shape[1]):
            dot += knowledge[a, k] * knowledge[b, k]
        if a != last:  # a searcher's candidates share its norm
            last, norm_a = a, row_norm(knowledge, a)
        norm = norm_a * row_norm(knowledge, b)  # of the rows it needs only
        x = (1.0 - (dot / norm if norm > 0 else 0.0)) / optimal
        value = x * np.exp(1.0 - x)
        cross = country[a] != country[b]
        access = 1.0 - access_cut * max(rural[a], rural[b])
        fixed_cut = fixed_cut_share * max(coached[a], coached[b])
        ca, cb = cluster[a], cluster[b]
        partnered = ca >= 0 and cb >= 0 and framework_partner[max(ca, 0), max(cb, 0)]
        share = framework_cut if partnered and cross else 0.0
        discount = 1.0 - (1.0 - share) * (1.0 - broker_cut)
        variable = travel_cost_per_h * (travel_h[cell[a], cell[b]] * access) + border_cost * cross
        cost[e] = link_cost * (1.0 - fixed_cut) + variable * (1.0 - discount)
        gain_i[e], gain_j[e] = absorptive[a] * value, absorptive[b] * value


ON_DEMAND = -2  # a broker's candidate drawn from its scope when the pass reaches it
NO_SCOPE = (  # what a broker whose candidates are all given draws from: nothing
    np.zeros((0, 0), np.float32),
    np.zeros(0),
    np.zeros(0, np.int64),
    np.zeros((0, 0)),
    np.zeros((0, 0), np.int32),
    np.zeros(0),
    np.zeros(0, np.uint64),
    np.zeros(0, np.int64),
    np.zeros(0, np.int64),
)


@njit(cache=True)
def introduce(
    rows, ids, candidates, sources, scope, terms, existing_keys, used, max_partners, n_rows,
    spend, money,
):  # fmt: skip
    """A broker's pass over its list ``rows`` (fittest first): each firm with free capacity is
    introduced to its best candidate (:func:`take_best`; ``candidates`` per row, ``ON_DEMAND``
    where the candidate is drawn from the broker's ``scope`` when the pass reaches the row)
    and the match is paid (``spend`` per row) if it fits in what is left of ``money``. The
    pass stops where no firm still listed could be paid: later matches form no link.

    ``scope`` is the scope sampler's ``CellSampler.arrays``, the stream's round bases, the live
    firms per cell and the live rows by cell (:func:`cell_order`); ``sources`` each listed
    firm's source row in it (empty where nothing is drawn): candidate slot c of the firm with
    id i draws as :func:`sample_candidates` does (key ``pair_keys(i, c)``). Returns the paid
    pairs (rows) and the proposal rounds each (row, slot) drew (for a draw log).
    """
    kernel, total, capacity, cdf, guide, grid, bases, counts, order = scope
    n_list, k = candidates.shape
    tables = excess_tables(sources, counts, kernel, capacity)
    starts = np.cumsum(counts) - counts
    cheapest_after = np.empty(n_list)
    cheapest = np.inf
    for s in range(n_list - 1, -1, -1):
        cheapest = min(cheapest, spend[s])
        cheapest_after[s] = cheapest
    formed = set()
    formed.add(np.int64(-1))  # typed for numba
    rounds = np.zeros((n_list, k), np.int64)
    paid_a = np.empty(n_list, np.int64)
    paid_b = np.empty(n_list, np.int64)
    count = 0
    left = money
    mine, theirs = np.empty(k, np.int64), np.empty(k, np.int64)
    on_demand, keys = np.empty(k, np.int64), np.empty(k, np.uint64)
    cell, slot, drew = np.empty(k, np.int64), np.empty(k, np.int64), np.empty(k, np.int64)
    gain_i, gain_j, cost, net = np.empty(k), np.empty(k), np.empty(k), np.empty(k)
    for s in range(n_list):
        if not cheapest_after[s] <= left:
            break
        own = rows[s]
        if used[own] >= max_partners:
            continue
        drawn = 0
        for c in range(k):
            theirs[c] = candidates[s, c]
            if theirs[c] == ON_DEMAND:
                on_demand[drawn] = c
                keys[drawn] = pair_key(np.uint64(ids[s]), np.uint64(c))
                drawn += 1
        if drawn:
            mine[:drawn] = sources[s]
            cell[:drawn], slot[:drawn], drew[:drawn] = -1, -1, 0
            draw_entries(
                mine[:drawn], keys[:drawn], bases, tables, total, capacity, cdf, guide, grid,
                cell[:drawn], slot[:drawn], drew[:drawn],
            )  # fmt: skip
            for e in range(drawn):
                at = cell[e]
                theirs[on_demand[e]] = order[starts[at] + slot[e]] if at >= 0 else -1
                rounds[s, on_demand[e]] = drew[e]
        for c in range(k):
            if theirs[c] == own:
                theirs[c] = -1
        mine[:] = own
        economics_into(mine, theirs, terms, gain_i, gain_j, cost)
        j = take_best(
            own, theirs, gain_i, gain_j, cost, existing_keys, used, formed, n_rows, max_partners,
            net,
        )  # fmt: skip
        if j >= 0 and spend[s] <= left:
            paid_a[count], paid_b[count] = own, j
            count += 1
            left -= spend[s]
    return paid_a[:count], paid_b[:count], rounds
