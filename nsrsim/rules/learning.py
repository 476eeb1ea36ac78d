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
    np.add.at(gain, a, (rate * absorptive[a])[:, None] * np.maximum(lead_of_b, 0.0))
    np.add.at(gain, b, (rate * absorptive[b])[:, None] * np.maximum(-lead_of_b, 0.0))
    return gain


def spillover_kernel(travel_km: np.ndarray, params: LearningConfig) -> np.ndarray:
    """Cell-to-cell spillover weight, halving every ``spillover_half_km``."""
    return np.exp2(-travel_km / params.spillover_half_km).astype(np.float32)


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
    totals = np.zeros((len(occupied), knowledge.shape[1]))
    np.add.at(totals, where, knowledge[live])
    counts = np.bincount(where, minlength=len(occupied)).astype(np.float64)
    weights = kernel[np.ix_(occupied, occupied)].astype(np.float64)
    local_mean = (weights @ totals) / (weights @ counts)[:, None]
    lead = np.maximum(local_mean[where] - knowledge[live], 0.0)
    gain[live] = params.spillover_rate * dt * absorptive[live, None] * lead
    return gain


def depreciate(knowledge: np.ndarray, params: LearningConfig, dt: float) -> np.ndarray:
    """Knowledge after forgetting for one step."""
    return knowledge * np.exp(-params.depreciation * dt)
