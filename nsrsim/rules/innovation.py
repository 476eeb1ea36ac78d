"""Incremental and radical innovation (ODD 7.5 "Innovation").

The innovation rate rises with R&D effort (with an elasticity), with the firm's knowledge and
with what its partners bring: each partner counts by the value of its cognitive distance
(complementary knowledge within the inverted U), not as one more link. An innovation raises
productivity, and a small share are radical: they open a knowledge field and raise
productivity by a multiple.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from nsrsim.config import InnovationConfig


@dataclass(frozen=True)
class InnovationDraws:
    """Uniform draws, one per firm row."""

    event: np.ndarray
    radical: np.ndarray
    field: np.ndarray


def innovation_rate(
    rd_share: np.ndarray,
    knowledge: np.ndarray,
    partner_value: np.ndarray,
    rd_reference: float,
    params: InnovationConfig,
) -> np.ndarray:
    """Yearly innovation rate: base x (R&D/typical)^elasticity x (floor + mean capability)
    x (1 + partner effect x the summed value of what partners bring).
    """
    rd_term = np.power(np.maximum(rd_share, 0.0) / rd_reference, params.rd_elasticity)
    knowledge_term = params.knowledge_floor + mean_capability(knowledge)
    return (
        params.base_rate * rd_term * knowledge_term * (1.0 + params.partner_effect * partner_value)
    )


@njit(cache=True)
def mean_capability(knowledge):
    """``knowledge.mean(axis=1)`` to the bit for 8 fields (``add.reduce`` sums 8 values
    pairwise, then one division), without NumPy's slow short-axis reduction.
    """
    out = np.empty(knowledge.shape[0])
    for r in range(knowledge.shape[0]):
        k = knowledge[r]
        out[r] = (((k[0] + k[1]) + (k[2] + k[3])) + ((k[4] + k[5]) + (k[6] + k[7]))) / 8.0
    return out


def innovate(
    productivity: np.ndarray,
    knowledge: np.ndarray,
    rate: np.ndarray,
    draws: InnovationDraws,
    params: InnovationConfig,
    dt: float,
    cohort: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One step of innovation: new productivity, new knowledge, innovated and radical masks.

    A firm agent innovates at most once a step, with probability 1 - exp(-rate dt); an event
    carries the productivity gain of the step's expected number of innovations (rate dt over
    that probability), so productivity grows at rate x gain a year whatever the time step. A
    cohort (``cohort`` rows) has no events: its firms' expected innovations raise its
    productivity by rate dt x the mean gain, and the expected share of them that are radical
    raises each field toward ``radical_level`` by that share over the number of fields.
    """
    chance = -np.expm1(-rate * dt)
    expected = rate * dt
    cohort = np.zeros(rate.size, bool) if cohort is None else cohort
    innovated = (draws.event < chance) & ~cohort
    radical = innovated & (draws.radical < params.radical_share)
    scale = np.divide(expected, chance, out=np.ones_like(chance), where=chance > 0)
    gain = scale * np.where(
        radical, params.productivity_gain * params.radical_multiplier, params.productivity_gain
    )
    mean_gain = params.productivity_gain * (
        1.0 + params.radical_share * (params.radical_multiplier - 1.0)
    )
    productivity = np.where(
        innovated,
        productivity * (1.0 + gain),
        np.where(cohort, productivity * (1.0 + expected * mean_gain), productivity),
    )
    knowledge = knowledge.copy()
    rows = np.flatnonzero(radical)
    fields = np.minimum(
        (draws.field[rows] * knowledge.shape[1]).astype(np.int64), knowledge.shape[1] - 1
    )
    knowledge[rows, fields] = np.maximum(knowledge[rows, fields], params.radical_level)
    opened = (expected * params.radical_share / knowledge.shape[1])[cohort, None]
    knowledge[cohort] += opened * np.maximum(params.radical_level - knowledge[cohort], 0.0)
    return productivity, knowledge, innovated, radical
