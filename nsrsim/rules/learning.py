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


def spillover_kernel(travel_km: np.ndarray, params: LearningConfig) -> np.ndarray:
    """Cell-to-cell spillover weight, halving every ``spillover_half_km`` (float64: it is
    summed over thousands of cells).
    """
    return np.exp2(-travel_km.astype(np.float64) / params.spillover_half_km)


def local_spillovers(
    knowledge: np.ndarray,
    live: np.ndarray,
    firm_cell: np.ndarray,
    kernel: np.ndarray,
    absorptive: np.ndarray,
    params: LearningConfig,
    dt: float,
) -> np.ndarray:
    """Knowledge gained from the kernel-weighted mean of nearby firms (rows of ``live``)."""
    gain = np.zeros_like(knowledge)
    if live.size == 0:
        return gain
    occupied, where = np.unique(firm_cell[live], return_inverse=True)
    n_fields = knowledge.shape[1]
    sums = np.empty((len(occupied), n_fields + 1))
    for field in range(n_fields):
        sums[:, field] = np.bincount(where, weights=knowledge[live, field], minlength=len(occupied))
    sums[:, n_fields] = np.bincount(where, minlength=len(occupied))
    if 5 * len(occupied) > 4 * len(kernel):
        # nearly every cell is occupied: one matrix product over all cells beats gathering
        spread = np.zeros((len(kernel), n_fields + 1))
        spread[occupied] = sums
        weighted = (kernel @ spread)[occupied]
    else:
        weighted = kernel[np.ix_(occupied, occupied)] @ sums
    local_mean = weighted[:, :n_fields] / weighted[:, n_fields:]
    lead = np.maximum(local_mean[where] - knowledge[live], 0.0)
    gain[live] = params.spillover_rate * dt * absorptive[live, None] * lead
    return gain


def depreciate(knowledge: np.ndarray, params: LearningConfig, dt: float) -> np.ndarray:
    """Knowledge after forgetting for one step."""
    return knowledge * np.exp(-params.depreciation * dt)
