"""Knowledge flows along partner links and through local spillovers (ODD 7.4 "Learning").

A firm absorbs part of a partner's lead in each knowledge field, scaled by its absorptive
capacity and by the value of the partner's cognitive distance (Cohen & Levinthal 1990;
Nooteboom 2000). Unintended spillovers come from the firms around it, weighted by a kernel that
halves every ``spillover_half_km`` of road-equivalent travel.
"""

import numpy as np

from nsrsim.config import LearningConfig
from nsrsim.rules.partnering import cognitive_distance, partner_value


def absorptive_capacity(
    rd_share: np.ndarray, skilled_share: np.ndarray, rd_reference: float
) -> np.ndarray:
    """1 - exp(-(R&D / typical R&D) x (0.5 + skilled share)): rises with R&D and skills."""
    return -np.expm1(-(rd_share / rd_reference) * (0.5 + skilled_share))


def learn_from_links(
    knowledge: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    absorptive: np.ndarray,
    optimal_distance: float,
    params: LearningConfig,
    dt: float,
) -> np.ndarray:
    """Knowledge gained along each link this step (same shape as ``knowledge``)."""
    gain = np.zeros_like(knowledge)
    if len(a) == 0:
        return gain
    value = partner_value(cognitive_distance(knowledge[a], knowledge[b]), optimal_distance)
    lead_of_b = knowledge[b] - knowledge[a]
    rate = params.link_rate * dt * value
    to_a = (rate * absorptive[a])[:, None] * np.maximum(lead_of_b, 0.0)
    to_b = (rate * absorptive[b])[:, None] * np.maximum(-lead_of_b, 0.0)
    n = len(knowledge)
    for field in range(knowledge.shape[1]):  # bincount sums per field, far faster than add.at
        gain[:, field] = np.bincount(a, weights=to_a[:, field], minlength=n) + np.bincount(
            b, weights=to_b[:, field], minlength=n
        )
    return gain


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
    kernel: SpilloverKernel,
    absorptive: np.ndarray,
    params: LearningConfig,
    dt: float,
) -> np.ndarray:
    """Knowledge gained from the kernel-weighted mean of nearby firms (rows of ``live``)."""
    gain = np.zeros_like(knowledge)
    if live.size == 0:
        return gain
    occupied, where = np.unique(firm_cell[live], return_inverse=True)
    cells, weights = kernel.weights_among(occupied)
    slot = np.searchsorted(cells, occupied)[where]  # each firm's cell among ``cells``
    n_fields = knowledge.shape[1]
    sums = np.empty((len(cells), n_fields + 1))
    for field in range(n_fields):
        sums[:, field] = np.bincount(slot, weights=knowledge[live, field], minlength=len(cells))
    sums[:, n_fields] = np.bincount(slot, minlength=len(cells))
    weighted = weights @ sums
    local_mean = weighted[slot, :n_fields] / weighted[slot, n_fields:]
    lead = np.maximum(local_mean - knowledge[live], 0.0)
    gain[live] = params.spillover_rate * dt * absorptive[live, None] * lead
    return gain


def depreciate(knowledge: np.ndarray, params: LearningConfig, dt: float) -> np.ndarray:
    """Knowledge after forgetting for one step."""
    return knowledge * np.exp(-params.depreciation * dt)
