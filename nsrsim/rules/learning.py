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

import numpy as np
from numba import njit

from nsrsim.config import LearningConfig
from nsrsim.rules.partnering import link_distance, partner_value


def absorptive_capacity(
    rd_share: np.ndarray, skilled_share: np.ndarray, rd_reference: float, skill_floor: float
) -> np.ndarray:
    """1 - exp(-(R&D / typical R&D) x (floor + skilled share)): rises with R&D and skills."""
    return -np.expm1(-(rd_share / rd_reference) * (skill_floor + skilled_share))


def prior_knowledge(knowledge: np.ndarray, params: LearningConfig) -> np.ndarray:
    """How much of a lead a firm can absorb in each field: (level / its strongest
    level)^``absorption_focus``. Absorptive capacity rests on related prior knowledge (Cohen &
    Levinthal 1990), so firms learn most where they are already competent and keep distinct
    profiles.
    """
    strongest = knowledge.max(axis=1, keepdims=True)
    share = np.divide(knowledge, strongest, out=np.zeros_like(knowledge), where=strongest > 0)
    return np.power(share, params.absorption_focus)


def learn_from_links(
    knowledge: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    absorptive: np.ndarray,
    related: np.ndarray,
    optimal_distance: float,
    params: LearningConfig,
    dt: float,
) -> np.ndarray:
    """Knowledge gained along each link this step (same shape as ``knowledge``); ``related``
    is :func:`prior_knowledge` of ``knowledge`` (computed once a step for links and spillovers).
    """
    if len(a) == 0:
        return np.zeros_like(knowledge)
    value = partner_value(link_distance(knowledge, a, b), optimal_distance)
    rate = params.link_rate * dt * value
    return _link_gains(knowledge, a, b, rate, absorptive, related)


@njit(cache=True)
def _link_gains(knowledge, a, b, rate, absorptive, related):
    """Per firm and field, the leads absorbed along its links: the sums toward the links'
    ``a`` ends, then toward their ``b`` ends, each in link order (as two bincounts would add).
    """
    n, fields = knowledge.shape
    to_a, to_b = np.zeros((n, fields)), np.zeros((n, fields))
    for e in range(len(a)):
        i, j = a[e], b[e]
        for f in range(fields):
            lead = knowledge[j, f] - knowledge[i, f]
            to_a[i, f] += (rate[e] * absorptive[i]) * related[i, f] * max(lead, 0.0)
            to_b[j, f] += (rate[e] * absorptive[j]) * related[j, f] * max(-lead, 0.0)
    return to_a + to_b


class SpilloverKernel:
    """Cell-to-cell spillover weights, halving every ``spillover_half_km``.

    The block of weights among the cells that have ever held a firm is kept between steps and
    rebuilt only when firms reach a new cell: cells without firms add exact zeros, so the
    result is the same as gathering the occupied cells every step, at a fraction of the cost.
    """

    def __init__(self, travel_km: np.ndarray, params: LearningConfig) -> None:
        self.full = np.exp2(-travel_km.astype(np.float64) / params.spillover_half_km)
        self.cells = np.empty(0, np.int64)
        self.block = np.empty((0, 0))

    def weights_among(self, occupied: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cells, weights among them) for a set of cells that includes ``occupied``."""
        if not np.isin(occupied, self.cells, assume_unique=True).all():
            self.cells = np.union1d(self.cells, occupied)
            if 5 * len(self.cells) > 3 * len(self.full):  # most cells: the whole matrix
                self.cells = np.arange(len(self.full))
                self.block = self.full
            else:
                self.block = np.take(np.take(self.full, self.cells, axis=0), self.cells, axis=1)
        return self.cells, self.block


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
    """Knowledge gained from the kernel-weighted mean of nearby real firms (rows of ``live``),
    at a rate that grows with their kernel-weighted mass M as M / (M + ``spillover_mass``);
    ``related`` is :func:`prior_knowledge` of all rows of ``knowledge``.
    """
    gain = np.zeros_like(knowledge)
    if live.size == 0:
        return gain
    occupied, where = np.unique(firm_cell[live], return_inverse=True)
    cells, weights = kernel.weights_among(occupied)
    slot = np.searchsorted(cells, occupied)[where]  # each firm's cell among ``cells``
    n_fields = knowledge.shape[1]
    sums = np.empty((len(cells), n_fields + 1))
    mass = real_firms[live]
    for field in range(n_fields):
        sums[:, field] = np.bincount(
            slot, weights=mass * knowledge[live, field], minlength=len(cells)
        )
    sums[:, n_fields] = np.bincount(slot, weights=mass, minlength=len(cells))
    weighted = weights @ sums
    nearby = weighted[slot, n_fields:]
    local_mean = weighted[slot, :n_fields] / nearby
    lead = np.maximum(local_mean - knowledge[live], 0.0) * related[live]
    agglomeration = nearby / (nearby + params.spillover_mass)
    gain[live] = params.spillover_rate * dt * agglomeration * absorptive[live, None] * lead
    return gain


def research(
    knowledge: np.ndarray, absorptive: np.ndarray, params: LearningConfig, dt: float
) -> np.ndarray:
    """Knowledge created by a firm's own research this step: in each field, ``research_rate``
    x dt x absorptive capacity x (level / strongest level)^``research_focus`` of the gap to 1.
    """
    strongest = knowledge.max(axis=1, keepdims=True)
    focus = np.power(
        np.divide(knowledge, strongest, out=np.zeros_like(knowledge), where=strongest > 0),
        params.research_focus,
    )
    return params.research_rate * dt * absorptive[:, None] * focus * (1.0 - knowledge)


def partner_values(
    knowledge: np.ndarray, a: np.ndarray, b: np.ndarray, optimal_distance: float
) -> np.ndarray:
    """Per firm row, the sum over its partners of the value of their cognitive distance (what
    partners bring: 1 for a partner at the best distance, less for one too close or too far).
    """
    n = len(knowledge)
    if len(a) == 0:
        return np.zeros(n)
    value = partner_value(link_distance(knowledge, a, b), optimal_distance)
    return np.bincount(a, weights=value, minlength=n) + np.bincount(b, weights=value, minlength=n)


def depreciate(knowledge: np.ndarray, params: LearningConfig, dt: float) -> np.ndarray:
    """Knowledge after forgetting for one step."""
    return knowledge * np.exp(-params.depreciation * dt)
