"""Drawing a firm near a cell in proportion to a cell-to-cell kernel (ODD 7.3 "Partnering").

The target: from source cell ``s``, firm ``f`` with probability proportional to
``kernel[s, cell(f)]``, i.e. a cell in proportion to kernel weight times its live firms, then a
firm of that cell. Rebuilding that distribution every step costs a weight row and a cumulative
sum per source cell (millions of numbers at 2,700 cells), and any draw by inversion of a
cumulative sum shifts for every searcher when one firm enters or leaves a cell.

So the draw thins a static proposal instead. Every cell gets a fixed number of firm slots
(``capacity``, set once from the initial population); a cell is proposed in proportion to
kernel weight times slots (one cumulative distribution per source cell, built once), a slot of
it uniformly, and the proposal is accepted if a live firm sits in that slot (firms of a cell in
id order), else drawn again. Every firm slot is proposed with probability proportional to its
kernel weight, so accepted draws follow the target exactly; one firm more or less in a cell
changes only the draws that land on that cell. Firms beyond a cell's slots (a cell that grew
past its capacity) are proposed from a small second distribution over those excess firms, mixed
in by their kernel mass, which keeps the draw exact.
"""

import numpy as np
from numba import njit

from nsrsim.random import mix64, unit53

MAX_ROUNDS = 32  # proposals per candidate before giving up (n of a cell's n + 1 slots hold a
# firm at the start, so most proposals are accepted: never reached in practice)
GUIDE_CELLS = 4  # cells per guide-table entry: ~4 probes per draw, table built in ~0.1 s


class CellSampler:
    """Static proposal distributions of one kernel: a cumulative distribution per source cell
    over cells weighted by ``capacity`` slots, and a guide table that finds a uniform's cell in
    a few probes (Chen & Asau 1974).

    ``kernel`` has a row per source cell, or (with ``source_row``, the row of each source
    cell) a row per group of source cells whose weights are the same, as a broker's scope,
    which depends on the source's region only: one distribution per region instead of per
    cell (at the 10-km grid 17 rows, not 2,669: 0.5 MB instead of 92 MB), the same draws.
    """

    def __init__(
        self, kernel: np.ndarray, capacity: np.ndarray, source_row: np.ndarray | None = None
    ) -> None:
        n = len(capacity)
        self.kernel = kernel
        self.capacity = np.asarray(capacity, np.int64)
        if (self.capacity < 1).any():
            raise ValueError("every cell needs at least one firm slot")
        self.source_row = np.arange(n) if source_row is None else np.asarray(source_row, np.int64)
        # C order: a row's cells are contiguous for the flat lookups
        self.cdf, self.total = _cumulative_rows(self.kernel, self.capacity)
        self.grid = np.arange(max(1, n // GUIDE_CELLS)) / max(1, n // GUIDE_CELLS)
        self.guide = guide_table(self.cdf, self.grid)

    def __len__(self) -> int:
        return len(self.capacity)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Its static arrays, for compiled callers of :func:`excess_tables` and
        :func:`draw_entries` (which take source rows, ``source_row`` of the source cells):
        (kernel, total, capacity, cdf, guide, grid).
        """
        return (
            self.kernel,
            self.total,
            self.capacity,
            self.cdf,
            self.guide,
            self.grid,
        )

    def draw(
        self,
        source: np.ndarray,
        counts: np.ndarray,
        keys: np.ndarray,
        bases: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cell, slot) per entry of ``source`` (cells of the searchers); -1 where none; and
        the rounds each entry drew.

        ``counts`` are live firms per cell; round r of entry e uses the three keyed uniforms
        of (``bases[r]``, ``keys[e]``) — mixture part, cell, slot — exactly as
        :meth:`nsrsim.random.KeyedRandom.uniform` with three slots gives them, so an entry's
        proposals depend on nothing but its own key. The rounds run in one compiled loop.
        """
        return _draw_rounds(
            self.source_row[np.asarray(source, np.int64)],
            np.asarray(keys, np.uint64),
            np.asarray(bases, np.uint64),
            np.asarray(counts, np.int64),
            *self.arrays(),
        )


@njit(cache=True, error_model="numpy")
def _cumulative_rows(kernel, capacity):
    """Per source row, the cumulative distribution of kernel x slots over cells and its total:
    in one pass what ``np.cumsum(kernel * capacity, axis=1) / total`` gives (the same additions
    in the same order; a row without weight is NaN), without three arrays of all cell pairs.
    """
    n_rows, n_cells = kernel.shape
    cdf = np.empty((n_rows, n_cells))
    total = np.empty(n_rows)
    for source in range(n_rows):
        acc = 0.0
        for cell in range(n_cells):
            acc += np.float64(kernel[source, cell]) * np.float64(capacity[cell])
            cdf[source, cell] = acc
        total[source] = acc
        for cell in range(n_cells):
            cdf[source, cell] /= acc
    return cdf, total


@njit(cache=True)
def guide_table(cdf, grid):
    """Per source row, the first cell whose cdf exceeds each (ascending) grid point:
    ``np.searchsorted(cdf[source], grid, side="right")`` as one merge walk per row (a row of
    NaN, a source with no weight, gives 0 as searchsorted does).
    """
    n_rows, n_cells = cdf.shape
    guide = np.empty((n_rows, len(grid)), np.int32)
    for source in range(n_rows):
        cell = 0
        for g in range(len(grid)):
            while cell < n_cells and cdf[source, cell] <= grid[g]:
                cell += 1
            guide[source, g] = cell
    return guide


@njit(cache=True)
def proposed_cell(cdf, guide, grid, source, u, n):
    """First cell whose cumulative proposal weight from ``source`` exceeds ``u``: a binary
    search between the guide entries around ``u``.
    """
    n_grid = len(grid)
    bucket = min(int(u * n_grid), n_grid - 1)
    if grid[bucket] > u:  # rounding of u * n_grid
        bucket -= 1
    lo = np.int64(guide[source, bucket])
    hi = np.int64(guide[source, bucket + 1]) if bucket + 1 < n_grid else np.int64(n - 1)
    while lo < hi:
        mid = (lo + hi) >> 1
        if cdf[source, mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _draw_rounds(source, keys, bases, counts, kernel, total, capacity, cdf, guide, grid):
    tables = excess_tables(source, counts, kernel, capacity)
    cell = np.full(len(source), -1, np.int64)
    slot = np.full(len(source), -1, np.int64)
    rounds = np.zeros(len(source), np.int64)
    draw_entries(source, keys, bases, tables, total, capacity, cdf, guide, grid, cell, slot, rounds)
    return cell, slot, rounds


@njit(cache=True)
def excess_tables(sources, counts, kernel, capacity):
    """What the draws from ``sources`` (source rows) need beyond the static distribution: the
    filled slots and the firms beyond the slots per cell, the cells with such firms, and per
    distinct source row (``row_of``) the cumulative kernel weight over those firms and its
    total.
    """
    filled = np.minimum(counts, capacity)
    excess = np.maximum(counts - capacity, 0)
    over = np.flatnonzero(excess)
    row_of = np.full(kernel.shape[0], -1, np.int64)
    n_rows = 0
    for e in range(len(sources)):
        if row_of[sources[e]] < 0:
            row_of[sources[e]] = n_rows
            n_rows += 1
    excess_cdf = np.empty((n_rows, max(len(over), 1)))
    excess_mass = np.empty(n_rows)
    for c in range(kernel.shape[0]):
        row = row_of[c]
        if row >= 0:
            acc = 0.0
            for x in range(len(over)):
                acc += np.float64(kernel[c, over[x]]) * np.float64(excess[over[x]])
                excess_cdf[row, x] = acc
            excess_mass[row] = acc
    return filled, excess, over, row_of, excess_cdf, excess_mass


@njit(cache=True)
def draw_entries(
    source, keys, bases, tables, total, capacity, cdf, guide, grid, cell, slot, rounds
):
    """Each entry's cell and slot from its source row (``cell`` -1 where none, ``cell`` and
    ``slot`` filled in place) and the rounds it drew, round r from the three keyed uniforms of
    (``bases[r]``, its key); ``tables`` from :func:`excess_tables` over sources that include
    these. One loop, so that compiled callers pay one call for many entries.
    """
    filled, excess, over, row_of, excess_cdf, excess_mass = tables
    golden = np.uint64(0x9E3779B97F4A7C15)
    for e in range(len(source)):
        row = row_of[source[e]]
        mass = total[source[e]] + excess_mass[row]
        if not mass > 0:
            continue
        for r in range(len(bases)):
            z = mix64(bases[r] + keys[e] * golden)
            u0 = unit53(mix64(z + np.uint64(1) * golden))
            u1 = unit53(mix64(z + np.uint64(2) * golden))
            u2 = unit53(mix64(z + np.uint64(3) * golden))
            rounds[e] = r + 1
            if excess_mass[row] > 0 and u0 * mass >= total[source[e]]:
                target = u1 * excess_mass[row]
                k = 0
                for x in range(len(over)):
                    if excess_cdf[row, x] <= target:
                        k += 1
                c = over[min(k, len(over) - 1)]
                cell[e] = c
                slot[e] = capacity[c] + min(int(u2 * excess[c]), excess[c] - 1)
                break
            c = proposed_cell(cdf, guide, grid, source[e], u1, len(capacity))
            s = min(int(u2 * capacity[c]), capacity[c] - 1)
            if s < filled[c]:
                cell[e] = c
                slot[e] = s
                break
