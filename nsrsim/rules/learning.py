"""Knowledge: created by research, flowing along partner links and spilling over locally
(ODD 7.4 "Learning").

A firm's own research raises its strongest capabilities toward the frontier (knowledge
creation, as the incremental research of the SKIN model's kenes), so firms keep distinct
profiles and cooperation keeps its value. A firm absorbs part of a partner's lead in each
field, scaled by its absorptive capacity and by the value of the partner's cognitive distance
(Cohen & Levinthal 1990; Nooteboom 2000). Unintended spillovers come from the real firms
around it, weighted by a kernel that halves every ``spillover_half_km`` of road-equivalent
travel; they grow with the mass of nearby firms, with diminishing returns (agglomeration).
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from nsrsim.config import LearningConfig
from nsrsim.rules.partnering import by_row_blocks, link_distance, partner_value


def absorptive_capacity(
    rd: np.ndarray,
    rd_boost: np.ndarray,
    skilled_share: np.ndarray,
    region: np.ndarray,
    rd_reference: float,
    skill_floor: float,
) -> np.ndarray:
    """1 - exp(-(R&D / typical R&D) x (floor + skilled share)) per row, R&D its own plus its
    subsidy's (``rd_boost``), the skilled share its ``region``'s: rises with R&D and skills.
    The exponent in one compiled pass, the exponential in NumPy (whose results the model's
    numbers are).
    """
    exponent = _absorptive_exponent(rd, rd_boost, skilled_share, region, rd_reference, skill_floor)
    return np.negative(np.expm1(exponent, out=exponent), out=exponent)


@njit(cache=True)
def _absorptive_exponent(rd, rd_boost, skilled_share, region, rd_reference, skill_floor):
    """-((rd + boost) / reference) x (floor + skilled share of the row's region)."""
    out = np.empty(len(rd))
    for r in range(len(rd)):
        out[r] = -((rd[r] + rd_boost[r]) / rd_reference) * (skill_floor + skilled_share[region[r]])
    return out


def relative_levels(knowledge: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each field's level over the firm's strongest level (0 for a firm that knows nothing),
    a row per firm of ``rows`` (the live firms: what both research and absorption focus on,
    computed once a step for them only).
    """
    return _relative_levels(knowledge, np.asarray(rows, np.int64))


@njit(cache=True)
def _relative_levels(knowledge, rows):
    """One pass per row instead of a short-axis ``max`` and a masked divide (same numbers:
    a maximum and one division round alike everywhere); the row's maximum by a plain loop,
    not a slice's ``max()``, which cost more than the divisions (knowledge is never NaN).
    """
    n_fields = knowledge.shape[1]
    out = np.empty((len(rows), n_fields))
    for i in range(len(rows)):
        r = rows[i]
        strongest = knowledge[r, 0]
        for f in range(1, n_fields):
            if knowledge[r, f] > strongest:
                strongest = knowledge[r, f]
        if strongest > 0:
            for f in range(n_fields):
                out[i, f] = knowledge[r, f] / strongest
        else:
            for f in range(n_fields):
                out[i, f] = 0.0
    return out


def prior_knowledge(levels: np.ndarray, params: LearningConfig) -> np.ndarray:
    """How much of a lead a firm can absorb in each field: (level / its strongest
    level)^``absorption_focus`` from :func:`relative_levels`. Absorptive capacity rests on
    related prior knowledge (Cohen & Levinthal 1990), so firms learn most where they are
    already competent and keep distinct profiles.
    """
    return np.power(levels, params.absorption_focus)


@dataclass(frozen=True)
class LinkGains:
    """Knowledge gained along links in a step, for the rows with links only: ``slot`` per
    firm row (-1: no link), ``table`` a row of gains per field for each slot.
    """

    slot: np.ndarray
    table: np.ndarray


def learn_from_links(
    knowledge: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    most: float,
    absorptive: np.ndarray,
    related: np.ndarray,
    live: np.ndarray,
    optimal_distance: float,
    params: LearningConfig,
    dt: float,
) -> LinkGains:
    """Knowledge gained along each link this step, for the rows with links; ``related`` is
    :func:`prior_knowledge` of the relative levels of the ``live`` rows, a row per live firm
    (once a step, for links and spillovers; links join live firms only).

    Each link counts for each side by the share of the side's real firms it joins (``weight``
    per row, at most ``most`` real firm pairs a link: ``Links.relations`` over the side's real
    firms): a cohort learns from a link only for the few of its firms in it.
    """
    if len(a) == 0:
        return LinkGains(np.full(len(knowledge), -1, np.int64), np.zeros((0, knowledge.shape[1])))
    value = partner_value(link_distance(knowledge, a, b), optimal_distance)
    return LinkGains(
        *_link_gains(
            knowledge, a, b, params.link_rate * dt * value, weight, most, absorptive, related,
            np.asarray(live, np.int64),
        )
    )  # fmt: skip


@njit(cache=True)
def _link_gains(knowledge, a, b, rate, weight, most, absorptive, related, live):
    """Per linked row and field, the leads absorbed along its links: the sums toward the
    links' ``a`` ends, then toward their ``b`` ends, each in link order, added as two
    bincounts would be; each side's rate the link's ``rate`` x its share of the side's real
    firms. Tables of the linked rows only (a few thousand links touch few of the rows: whole
    tables and their sum had cost more than the links). ``related`` has a row per ``live``
    row.
    """
    n, fields = knowledge.shape
    at = np.full(n, -1, np.int64)  # each live row's row in related
    for i in range(len(live)):
        at[live[i]] = i
    slot = np.full(n, -1, np.int64)
    linked = 0
    for e in range(len(a)):
        for end in (a[e], b[e]):
            if slot[end] < 0:
                slot[end] = linked
                linked += 1
    to_a, to_b = np.zeros((linked, fields)), np.zeros((linked, fields))
    for e in range(len(a)):
        i, j = a[e], b[e]
        relations = min(min(weight[i], weight[j]), most)
        rate_a, rate_b = rate[e] * (relations / weight[i]), rate[e] * (relations / weight[j])
        for f in range(fields):
            lead = knowledge[j, f] - knowledge[i, f]
            to_a[slot[i], f] += (rate_a * absorptive[i]) * related[at[i], f] * max(lead, 0.0)
            to_b[slot[j], f] += (rate_b * absorptive[j]) * related[at[j], f] * max(-lead, 0.0)
    return slot, to_a + to_b


class SpilloverKernel:
    """Cell-to-cell spillover weights, halving every ``spillover_half_km``, in single
    precision (7 significant digits), with the occupied cells first.

    Single precision because the weighted sums are one matrix product a step that is bound by
    reading the weights (at the 10-km grid's 2,669 cells, 57 MB in double precision: half of a
    default run's time); the sums it gives differ from double precision's by ~1e-6 relative,
    far below anything the rule's parameters resolve. The cells are kept in an order that
    puts the cells holding firms first, so a step multiplies only the block among them (three
    quarters of the cells, a little over half the weights); a step moves the few cells that
    gained or lost their last firm by swapping rows and columns (~2 a step each way).
    """

    def __init__(self, travel_km: np.ndarray, params: LearningConfig) -> None:
        self.travel_km: np.ndarray | None = travel_km
        self.half_km = params.spillover_half_km
        n = len(travel_km)
        self.order = np.arange(n)  # cell at each position
        self.position = np.arange(n)  # position of each cell
        self.size = 0  # the first ``size`` positions are the occupied cells
        self.matrix: np.ndarray | None = None  # built at the first step, occupied cells first

    def __len__(self) -> int:
        return len(self.order)

    def weight(self, a: int, b: int) -> float:
        """The weight between cells ``a`` and ``b``."""
        self._build(np.arange(len(self)))
        return float(self.matrix[self.position[a], self.position[b]])

    def weights_among(self, occupied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cells, weights among them) for exactly the cells ``occupied`` (in kernel order)."""
        if self.matrix is None:
            self._build(occupied)
        else:
            self._reorder(occupied)
        return self.order[: self.size], self.matrix[: self.size, : self.size]

    def _build(self, first: np.ndarray) -> None:
        if self.matrix is not None:
            return
        rest = np.setdiff1d(np.arange(len(self)), first)
        self.order = np.concatenate([first, rest])
        self.position[self.order] = np.arange(len(self))
        self.size = len(first)
        km = self.travel_km
        self.matrix = by_row_blocks(
            lambda rows: np.exp2(
                -km[self.order[rows]][:, self.order].astype(np.float64) / self.half_km
            ),
            km.shape,
            np.float32,
        )
        self.travel_km = None  # the weights hold what the kernel needs (28 MB at 10 km)

    def _reorder(self, occupied: np.ndarray) -> None:
        held = np.zeros(len(self), bool)
        held[occupied] = True
        leaving = np.flatnonzero(~held[self.order[: self.size]])
        for p in leaving[::-1]:  # from the back: each swaps with the last occupied position
            self._swap(p, self.size - 1)
            self.size -= 1
        for cell in occupied[self.position[occupied] >= self.size]:
            self._swap(self.position[cell], self.size)
            self.size += 1

    def _swap(self, p: int, q: int) -> None:
        if p == q:
            return
        m = self.matrix
        m[[p, q]] = m[[q, p]]
        m[:, [p, q]] = m[:, [q, p]]
        self.order[[p, q]] = self.order[[q, p]]
        self.position[self.order[[p, q]]] = [p, q]


def local_spillovers(
    knowledge: np.ndarray,
    live: np.ndarray,
    firm_cell: np.ndarray,
    real_firms: np.ndarray,
    kernel: SpilloverKernel,
    absorptive: np.ndarray,
    related: np.ndarray,
    params: LearningConfig,
    dt: float,
) -> np.ndarray:
    """Knowledge gained by each of the rows ``live`` (a row per live firm, not per row of
    ``knowledge``: :func:`update_knowledge` reads the live rows only) from the kernel-weighted
    mean of nearby real firms, at a rate that grows with their kernel-weighted mass M as
    M / (M + ``spillover_mass``); ``related`` is :func:`prior_knowledge`, a row per live row.
    """
    gain = np.empty((live.size, knowledge.shape[1]))
    if live.size == 0:
        return gain
    live_cell = firm_cell[live].astype(np.int64)
    cells, weights = kernel.weights_among(_occupied(live_cell, len(kernel)))
    slot, sums = _cell_sums(live, live_cell, cells, real_firms, knowledge)
    weighted = (weights @ sums.astype(np.float32)).astype(np.float64)
    _spill(
        gain, live, slot, weighted, knowledge, related, absorptive,
        params.spillover_rate * dt, params.spillover_mass,
    )  # fmt: skip
    return gain


@njit(cache=True)
def _occupied(live_cell, n_cells):
    """The cells that hold live firms, ascending."""
    present = np.zeros(n_cells, np.bool_)
    for c in live_cell:
        present[c] = True
    return np.flatnonzero(present)


@njit(cache=True)
def _cell_sums(live, live_cell, cells, mass, knowledge):
    """Each live firm's position among ``cells`` and, per cell, the sums of real firms x
    knowledge per field and of real firms (last column), added in firm order as bincounts do.
    """
    position = np.full(cells.max() + 1, -1, np.int64)
    for p in range(len(cells)):
        position[cells[p]] = p
    n_fields = knowledge.shape[1]
    sums = np.zeros((len(cells), n_fields + 1))
    slot = np.empty(len(live_cell), np.int64)
    for r in range(len(live_cell)):
        row = live[r]
        slot[r] = position[live_cell[r]]
        for f in range(n_fields):
            sums[slot[r], f] += mass[row] * knowledge[row, f]
        sums[slot[r], n_fields] += mass[row]
    return slot, sums


@njit(cache=True)
def _spill(gain, live, slot, weighted, knowledge, related, absorptive, rate, half_mass):
    """Gain of each live firm: rate x agglomeration x absorptive capacity x its related lead
    on the kernel-weighted local mean (NumPy's order of operations).
    """
    n_fields = knowledge.shape[1]
    for r in range(len(live)):
        row = live[r]
        nearby = weighted[slot[r], n_fields]
        scale = rate * (nearby / (nearby + half_mass)) * absorptive[row]
        for f in range(n_fields):
            lead = max(weighted[slot[r], f] / nearby - knowledge[row, f], 0.0) * related[r, f]
            gain[r, f] = scale * lead


def update_knowledge(
    knowledge: np.ndarray,
    live: np.ndarray,
    levels: np.ndarray,
    absorptive: np.ndarray,
    from_links: LinkGains,
    from_spillovers: np.ndarray,
    params: LearningConfig,
    dt: float,
) -> None:
    """Each live firm's knowledge after a step, in place: plus its own research, plus what it
    learned along links and from spillovers, depreciated, within [0, 1].

    Research creates knowledge in each field at ``research_rate`` x dt x absorptive capacity
    x (level / strongest level)^``research_focus`` (``levels`` from
    :func:`relative_levels`) of the gap to 1; knowledge depreciates at ``depreciation`` a year.
    ``from_links`` holds the linked rows' gains, ``levels`` and ``from_spillovers`` a row per
    live row. One compiled pass over the live rows, in NumPy's order of operations.
    """
    focus = np.power(levels, params.research_focus)
    _update_knowledge(
        knowledge,
        live,
        focus,
        absorptive,
        from_links.slot,
        from_links.table,
        from_spillovers,
        params.research_rate * dt,
        np.exp(-params.depreciation * dt),
    )


@njit(cache=True)
def _update_knowledge(
    knowledge, live, focus, absorptive, link_slot, link_table, from_spillovers, scale, keep
):  # fmt: skip
    for i in range(len(live)):
        r = live[i]
        for f in range(knowledge.shape[1]):
            research = scale * absorptive[r] * focus[i, f] * (1.0 - knowledge[r, f])
            linked = link_table[link_slot[r], f] if link_slot[r] >= 0 else 0.0
            gain = research + linked + from_spillovers[i, f]
            knowledge[r, f] = min(max((knowledge[r, f] + gain) * keep, 0.0), 1.0)


def partner_values(
    knowledge: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weight: np.ndarray,
    most: float,
    optimal_distance: float,
) -> np.ndarray:
    """Per firm row, the sum over its partners of the value of their cognitive distance (what
    partners bring: 1 for a partner at the best distance, less for one too close or too far),
    per real firm: each link counts by the share of the row's firms it joins (``weight`` per
    row and at most ``most`` real firm pairs a link: ``Links.relations`` over the row's real
    firms). The distances and the
    sums are compiled passes (the sums in link order, toward the ``a`` ends, then toward the
    ``b`` ends, as two bincounts add), the exponential NumPy's.
    """
    n = len(knowledge)
    if len(a) == 0:
        return np.zeros(n)
    value = partner_value(link_distance(knowledge, a, b), optimal_distance)
    return _partner_sums(a, b, value, weight, most, n)


@njit(cache=True)
def _partner_sums(a, b, value, weight, most, n):
    """``bincount(a, value x share_a) + bincount(b, value x share_b)``, the shares those of
    the link's relations (``Links.relations``) over the side's real firms.
    """
    to_a, to_b = np.zeros(n), np.zeros(n)
    for e in range(len(a)):
        relations = min(min(weight[a[e]], weight[b[e]]), most)
        to_a[a[e]] += value[e] * (relations / weight[a[e]])
        to_b[b[e]] += value[e] * (relations / weight[b[e]])
    return to_a + to_b
