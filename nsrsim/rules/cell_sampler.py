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

from collections.abc import Callable

import numpy as np

MAX_ROUNDS = 32  # proposals per candidate before giving up (acceptance is ~1/2: never in practice)
GUIDE_CELLS = 4  # cells per guide-table entry: ~4 probes per draw, table built in ~0.1 s


class CellSampler:
    """Static proposal distributions of one kernel: a cumulative distribution per source cell
    over cells weighted by ``capacity`` slots, and a guide table that finds a uniform's cell in
    a few probes (Chen & Asau 1974).
    """

    def __init__(self, kernel, capacity: np.ndarray) -> None:
        n = len(capacity)
        self.kernel = kernel
        self.capacity = np.asarray(capacity, np.int64)
        if (self.capacity < 1).any():
            raise ValueError("every cell needs at least one firm slot")
        weight = np.multiply(kernel[np.arange(n)], self.capacity, dtype=np.float64, order="C")
        cumulative = np.cumsum(weight, axis=1)
        self.total = cumulative[:, -1].copy()
        with np.errstate(invalid="ignore", divide="ignore"):
            cumulative /= self.total[:, None]
        self.cdf = cumulative  # C order: a row's cells are contiguous for the flat lookups
        self.grid = np.arange(max(1, n // GUIDE_CELLS)) / max(1, n // GUIDE_CELLS)
        self.guide = np.empty((n, len(self.grid)), np.int32)
        for source in range(n):  # once per kernel: the first cell whose cdf exceeds each grid point
            self.guide[source] = np.searchsorted(cumulative[source], self.grid, side="right")

    def __len__(self) -> int:
        return len(self.capacity)

    def draw(
        self,
        source: np.ndarray,
        counts: np.ndarray,
        uniforms: Callable[[int, np.ndarray], np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """(cell, slot) per entry of ``source`` (cells of the searchers); -1 where none.

        ``counts`` are live firms per cell; ``uniforms(round, pending)`` gives three uniforms
        per pending entry (indices into ``source``) for that round: mixture part, cell, slot.
        """
        cell = np.full(source.shape, -1, np.int64)
        slot = np.full(source.shape, -1, np.int64)
        filled = np.minimum(counts, self.capacity)
        excess = np.maximum(counts - self.capacity, 0)
        over = np.flatnonzero(excess)
        sources, source_of = np.unique(source, return_inverse=True)
        if over.size:
            excess_cdf = np.cumsum(
                np.multiply(self.kernel[sources][:, over], excess[over], dtype=np.float64), axis=1
            )
            excess_mass = excess_cdf[:, -1]
        else:
            excess_mass = np.zeros(len(sources))
        total = self.total[sources]
        mass = total + excess_mass
        pending = np.flatnonzero(mass[source_of] > 0)
        for round_ in range(MAX_ROUNDS):
            if pending.size == 0:
                break
            u = uniforms(round_, pending)
            row = source_of[pending]
            from_excess = (excess_mass[row] > 0) & (u[:, 0] * mass[row] >= total[row])
            chosen = np.full(pending.size, -1, np.int64)
            where = np.zeros(pending.size, np.int64)
            main = np.flatnonzero(~from_excess)
            if main.size:
                c = self.proposed_cell(source[pending[main]], u[main, 1])
                s = np.minimum(
                    (u[main, 2] * self.capacity[c]).astype(np.int64), self.capacity[c] - 1
                )
                hit = s < filled[c]
                chosen[main[hit]], where[main[hit]] = c[hit], s[hit]
            extra = np.flatnonzero(from_excess)
            if extra.size:
                target = u[extra, 1] * excess_mass[row[extra]]
                k = (excess_cdf[row[extra]] <= target[:, None]).sum(axis=1)
                c = over[np.minimum(k, over.size - 1)]
                s = self.capacity[c] + np.minimum(
                    (u[extra, 2] * excess[c]).astype(np.int64), excess[c] - 1
                )
                chosen[extra], where[extra] = c, s
            done = chosen >= 0
            cell[pending[done]], slot[pending[done]] = chosen[done], where[done]
            pending = pending[~done]
        return cell, slot

    def proposed_cell(self, source: np.ndarray, u: np.ndarray) -> np.ndarray:
        """First cell whose cumulative proposal weight from ``source`` exceeds ``u``: a binary
        search between the guide entries around ``u``.
        """
        n, n_grid = len(self.capacity), len(self.grid)
        bucket = np.minimum((u * n_grid).astype(np.int64), n_grid - 1)
        bucket -= self.grid[bucket] > u  # rounding of u * n_grid
        lo = self.guide[source, bucket].astype(np.int64)
        hi = np.where(
            bucket + 1 < n_grid, self.guide[source, np.minimum(bucket + 1, n_grid - 1)], n - 1
        ).astype(np.int64)
        flat = self.cdf.reshape(-1)
        base = source * n
        active = np.flatnonzero(lo < hi)
        while active.size:  # invariant: the answer is in [lo, hi]
            mid = (lo[active] + hi[active]) >> 1
            behind = flat[base[active] + mid] <= u[active]
            lo[active] = np.where(behind, mid + 1, lo[active])
            hi[active] = np.where(behind, hi[active], mid)
            active = active[lo[active] < hi[active]]
        return lo
