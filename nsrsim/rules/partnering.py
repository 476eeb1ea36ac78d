"""Partner search and link formation (ODD 7.3 "Partnering").

Candidates are proposed from the static proximities — travel-time decay, institutional
proximity, shared or partnered clusters — and from partners' partners (referrals, which close
triangles as real innovation networks do), and then judged by the dynamic ones: a partner's
value is an inverted U of cognitive distance, weighed against the cost of the link. Proposing
from a cell-level kernel and accepting per candidate is exact and costs O(firms), where
all-pairs probabilities would cost O(firms²).
"""

from dataclasses import dataclass

import numpy as np

from nsrsim.config import PartneringConfig


@dataclass(frozen=True)
class CandidateDraws:
    """Uniform draws for one step's searches, keyed by the searching firm's id."""

    mix: np.ndarray  # (searchers, candidates): pool, referral or spatial candidate
    levels: np.ndarray  # (searchers, candidates, depth): one per level of the cell tree
    firm: np.ndarray  # (searchers, candidates): which firm within the cell or pool
    second: np.ndarray  # (searchers, candidates): which partner of a partner (referrals)
    priority: np.ndarray  # (searchers,): order in which proposals claim partner capacity


def tree_depth(n_cells: int) -> int:
    """Levels of a binary tree over ``n_cells`` cell positions."""
    return max(1, int(np.ceil(np.log2(max(n_cells, 2)))))


def institutional_weight(
    country: np.ndarray, programmes: np.ndarray, params: PartneringConfig
) -> np.ndarray:
    """Pairwise proximity of institutions: same country > shared INTERREG A programme > other.

    ``programmes`` is a bit mask of INTERREG A programme memberships per place.
    """
    same_country = country[:, None] == country[None, :]
    shared = (programmes[:, None] & programmes[None, :]) != 0
    return np.where(
        same_country,
        params.same_country_weight,
        np.where(shared, params.interreg_weight, params.other_country_weight),
    )


def proposal_kernel(
    travel_km: np.ndarray, institutional: np.ndarray, params: PartneringConfig
) -> np.ndarray:
    """Cell-to-cell proposal weight: halves every ``decay_km`` and scales with institutions."""
    return (np.exp2(-travel_km / params.decay_km) * institutional).astype(np.float32)


def sample_candidates(
    searchers: np.ndarray,
    firm_cell: np.ndarray,
    firm_id: np.ndarray,
    live: np.ndarray,
    kernel: np.ndarray,
    pool_of: np.ndarray,
    pool_offsets: np.ndarray,
    pool_members: np.ndarray,
    neighbours: tuple[np.ndarray, np.ndarray],
    cluster_share: float,
    referral_share: float,
    draws: CandidateDraws,
) -> np.ndarray:
    """Candidate firm rows for each searcher (searchers x candidates); -1 where none.

    A candidate comes, by the mixing draw, from the searcher's cluster pool (own cluster plus
    partner clusters, CSR arrays ``pool_offsets``/``pool_members`` indexed by
    ``pool_of[searcher]``) with probability ``cluster_share``; from a partner's partner
    (referral, CSR adjacency ``neighbours`` = (indptr, indices)) with probability
    ``referral_share``; otherwise from the spatial kernel: a cell is drawn in proportion to
    kernel weight times its number of live firms, then a firm within it (firms of a cell in id
    order).

    The cell is drawn by descending a binary tree over the fixed positions of all cells, with
    a fresh uniform at every level. Sampling from one cumulative sum over the occupied cells
    would give the same distribution, but one firm entering or leaving a cell would then move
    every later cell's interval and change the draws of a sixth of all searchers; in the tree,
    it changes only the splits on its own path.
    """
    n_search, n_cand = draws.firm.shape
    if n_search == 0 or live.size == 0:
        return np.full((n_search, n_cand), -1, np.int64)
    n_cells = len(kernel)
    order = live[np.lexsort((firm_id[live], firm_cell[live]))]
    sorted_cells = firm_cell[order]
    starts = np.flatnonzero(np.r_[True, sorted_cells[1:] != sorted_cells[:-1]])
    occupied = sorted_cells[starts]
    counts = np.diff(np.r_[starts, len(order)])
    sources, source_of = np.unique(firm_cell[searchers], return_inverse=True)
    if 3 * len(occupied) > n_cells:
        # most cells are occupied: whole kernel rows (a fast row gather) with zero-count cells
        # left in, which never win a draw; otherwise gather only the occupied columns
        starts_all = np.zeros(n_cells, np.int64)
        counts_all = np.zeros(n_cells, np.int64)
        starts_all[occupied], counts_all[occupied] = starts, counts
        starts, counts, occupied = starts_all, counts_all, np.arange(n_cells)
        weight = np.multiply(kernel[sources], counts.astype(np.float64), dtype=np.float64)
    else:
        weight = np.multiply(
            np.take(kernel[sources], occupied, axis=1), counts.astype(np.float64), dtype=np.float64
        )
    # prefix[r, i]: weight of row r's first i occupied cells; rank[x]: occupied cells below x
    n_columns = weight.shape[1] + 1
    prefix = np.zeros((len(sources), n_columns))
    np.cumsum(weight, axis=1, out=prefix[:, 1:])
    flat = prefix.ravel()
    rank = np.searchsorted(occupied, np.arange(n_cells + 1))
    row = np.broadcast_to((source_of * n_columns)[:, None], (n_search, n_cand))

    def below(position: np.ndarray) -> np.ndarray:
        return flat[row + rank[position]]

    lo = np.zeros((n_search, n_cand), np.int64)
    hi = np.full((n_search, n_cand), n_cells, np.int64)
    w_lo, w_hi = below(lo), below(hi)
    total = w_hi - w_lo
    for level in range(draws.levels.shape[2]):
        mid = (lo + hi) // 2
        w_mid = below(mid)
        left = draws.levels[:, :, level] * (w_hi - w_lo) < (w_mid - w_lo)
        lo, w_lo = np.where(left, lo, mid), np.where(left, w_lo, w_mid)
        hi, w_hi = np.where(left, mid, hi), np.where(left, w_mid, w_hi)
    pick = np.minimum(rank[lo], len(occupied) - 1)
    candidates = order[np.minimum(starts[pick] + _index(draws.firm, counts[pick]), len(order) - 1)]
    candidates = np.where((total > 0) & (counts[pick] > 0), candidates, -1)

    pool = pool_of[searchers][:, None]
    size = np.where(pool >= 0, pool_offsets[pool + 1] - pool_offsets[pool], 0)
    in_pool = (draws.mix < cluster_share) & (size > 0)
    if in_pool.any():
        slot = pool_offsets[np.maximum(pool, 0)] + _index(draws.firm, size)
        candidates = np.where(in_pool, pool_members[np.where(in_pool, slot, 0)], candidates)

    indptr, indices = neighbours
    degree = np.diff(indptr)
    own = np.broadcast_to(searchers[:, None], draws.firm.shape)
    referral = (
        (draws.mix >= cluster_share)
        & (draws.mix < cluster_share + referral_share)
        & (degree[own] > 0)
    )
    if referral.any():
        first = indices[np.where(referral, indptr[own] + _index(draws.firm, degree[own]), 0)]
        second = indices[np.where(referral, indptr[first] + _index(draws.second, degree[first]), 0)]
        candidates = np.where(referral, second, candidates)
    return np.where(candidates == own, -1, candidates)


def _index(u: np.ndarray, size: np.ndarray) -> np.ndarray:
    """floor(u x size) kept inside [0, size - 1] (0 where size is 0)."""
    return np.minimum((u * size).astype(np.int64), np.maximum(size - 1, 0))


def adjacency(
    a: np.ndarray, b: np.ndarray, n_rows: int, firm_id: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency (indptr, indices) of undirected links, each firm's partners in id order
    (so a referral depends on who the partners are, not on when the links formed).
    """
    source = np.concatenate([a, b])
    target = np.concatenate([b, a])
    order = np.lexsort((firm_id[target], source))
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(np.bincount(source, minlength=n_rows), out=indptr[1:])
    return indptr, target[order]


def cognitive_distance(k_i: np.ndarray, k_j: np.ndarray) -> np.ndarray:
    """1 - cosine similarity of knowledge vectors (rows), in [0, 1] for non-negative vectors."""
    dot = np.einsum("...k,...k->...", k_i, k_j)
    norm = np.linalg.norm(k_i, axis=-1) * np.linalg.norm(k_j, axis=-1)
    return 1.0 - np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)


def partner_value(distance: np.ndarray, optimal: float) -> np.ndarray:
    """Inverted U of cognitive distance, 1 at ``optimal``: x·e^(1-x) with x = distance/optimal.

    Too similar: nothing to learn; too far: nothing that can be absorbed (Nooteboom 2000).
    """
    x = distance / optimal
    return x * np.exp(1.0 - x)


def link_cost(
    travel_h: np.ndarray,
    cross_border: np.ndarray,
    discount: np.ndarray,
    fixed_cut: np.ndarray,
    params: PartneringConfig,
) -> np.ndarray:
    """Cost of a link: a fixed part (cut by innovation management) plus travel and border
    parts (cut by matchmaking and the framework).
    """
    variable = params.travel_cost_per_h * travel_h + params.border_cost * cross_border
    return params.link_cost * (1.0 - fixed_cut) + variable * (1.0 - discount)


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
    priority: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """New links: each searcher proposes its best mutually profitable new partner.

    Both sides must gain more than the cost (mutual consent); candidates already linked to the
    searcher are skipped. Proposals claim the target's free capacity in ``priority`` order; a
    pair proposed from both sides forms once.
    """
    own = np.broadcast_to(searchers[:, None], candidates.shape)
    pair = np.minimum(own, candidates) * n_rows + np.maximum(own, candidates)
    valid = (
        (candidates >= 0)
        & (gain_i - cost > 0)
        & (gain_j - cost > 0)
        & ~is_member(pair, existing_keys)
    )
    net = np.where(valid, gain_i - cost, -np.inf)
    best = np.argmax(net, axis=1)
    has = np.isfinite(net[np.arange(len(searchers)), best])
    i = searchers[has]
    j = candidates[has, best[has]]
    rank = priority[has]
    key = pair[has, best[has]]
    order = np.argsort(rank, kind="stable")
    i, j, key = i[order], j[order], key[order]
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    i, j = i[first], j[first]
    # free capacity of each target after its own proposal (if any) takes one slot
    proposing = np.zeros(n_rows, np.int64)
    np.add.at(proposing, i, 1)
    free = max_partners - degree - proposing
    order_j = np.argsort(j, kind="stable")
    j_sorted = j[order_j]
    group_start = np.searchsorted(j_sorted, j_sorted, side="left")
    rank_in_target = np.empty(len(j), np.int64)
    rank_in_target[order_j] = np.arange(len(j)) - group_start
    accept = (rank_in_target < free[j]) & (degree[i] < max_partners)
    return i[accept], j[accept]


def is_member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each value is in ``sorted_keys`` (ascending), by binary search."""
    if len(sorted_keys) == 0:
        return np.zeros(values.shape, bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), len(sorted_keys) - 1)
    return sorted_keys[at] == values


def dissolve(u: np.ndarray, rate: float, dt: float) -> np.ndarray:
    """Mask of links that survive a step with yearly hazard ``rate``."""
    return u >= -np.expm1(-rate * dt)
