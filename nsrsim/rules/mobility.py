"""Skilled workers and investment following attractiveness (ODD 7.7 "Mobility").

Each step a share of each region's skilled workers reconsiders where to work and chooses among
all regions by a logit of attractiveness, damped by distance and by borders, with a premium
for staying (ties, moving costs); attractiveness falls as a region's population grows
(housing costs, crowding). Flows conserve the corridor's skilled workers exactly, and the
population moves with them; the skilled workforce grows as young graduates replace older, less
educated workers (Eurostat edat_lfse_03). Mobile investment is a share of every firm's output,
allocated to the region-sectors where its industry is concentrated (foreign plants locate near
plants of the same industry): it moves productivity between firms, it does not create it.
"""

from dataclasses import dataclass

import numpy as np
from numba import njit

from nsrsim.config import MobilityConfig


def attractiveness(
    productivity: np.ndarray,
    innovations_per_firm: np.ndarray,
    urban_share: np.ndarray,
    population_growth: np.ndarray,
    params: MobilityConfig,
) -> np.ndarray:
    """Regional attractiveness (logit utility): wages, innovation and urban amenities, less
    congestion.

    ``productivity`` and ``innovations_per_firm`` are ratios to the corridor mean;
    ``population_growth`` is population now over at the start.
    """
    return (
        params.wage_weight * np.log(np.maximum(productivity, 1e-9))
        + params.innovation_weight * (innovations_per_firm - 1.0)
        + params.urban_weight * urban_share
        - params.congestion * np.log(np.maximum(population_growth, 1e-9))
    )


@dataclass(frozen=True)
class MigrationTerms:
    """The parts of a move's weight that are fixed while travel is: the distance decay, the
    border friction and the premium of staying, per pair of regions (made when travel times
    change, not every step).
    """

    distance: np.ndarray
    border: np.ndarray
    stay: np.ndarray

    @classmethod
    def of(
        cls, distance_km: np.ndarray, cross_border: np.ndarray, params: MobilityConfig
    ) -> "MigrationTerms":
        """The terms for regions ``distance_km`` apart, ``cross_border`` where in two countries."""
        return cls(
            np.exp(-distance_km / params.distance_km),
            np.where(cross_border, 1.0 - params.border_friction, 1.0),
            np.where(np.eye(len(distance_km), dtype=bool), np.exp(params.stay_premium), 1.0),
        )


def migration_flows(
    skilled: np.ndarray,
    utility: np.ndarray,
    terms: MigrationTerms,
    params: MobilityConfig,
    dt: float,
) -> np.ndarray:
    """Matrix of skilled workers moving from region r (rows) to s (columns) this step."""
    movers = skilled * -np.expm1(-params.migration_rate * dt)
    weight = np.exp(utility - utility.max())[None, :] * terms.distance * terms.border
    weight *= terms.stay
    choice = weight / weight.sum(axis=1, keepdims=True)
    flows = movers[:, None] * choice
    np.fill_diagonal(flows, 0.0)  # choosing to stay is no flow
    return flows


def net_inflow(flows: np.ndarray) -> np.ndarray:
    """Per region, skilled workers arriving minus leaving (sums to zero)."""
    return flows.sum(axis=0) - flows.sum(axis=1)


def allocate_investment(
    pool_eur: float, critical_mass: np.ndarray, params: MobilityConfig
) -> np.ndarray:
    """EUR per region-sector, in proportion to its jobs (critical mass)^elasticity; sums to
    the pool when any has mass, else nothing is allocated.
    """
    weight = np.power(np.maximum(critical_mass, 0.0), params.investment_elasticity)
    weight = np.where(critical_mass > 0, weight, 0.0)
    total = weight.sum()
    if total <= 0:
        return np.zeros_like(critical_mass)
    return pool_eur * weight / total


@njit(cache=True)
def lift_productivity(productivity, rows, group, lift, kept, investment_return):
    """Productivity of firm ``rows`` in place, after the year's mobile investment: its output
    share paid out (``kept``: 1 - return x share) and its group's ``lift`` returned (x (1 +
    return x lift)), in NumPy's order of operations.
    """
    for r in rows:
        productivity[r] = productivity[r] * (kept * (1.0 + investment_return * lift[group[r]]))


def tertiary_rise(
    trend: np.ndarray, gap: np.ndarray, years: float, params: MobilityConfig
) -> np.ndarray:
    """Yearly rise of the tertiary-educated share of each region's workforce ``years`` after
    year 0: the observed trend (``trend``, share points a year), slowing as the share nears
    the young cohorts' (``gap`` above today's): trend x exp(-years x trend / gap). Young
    graduates replace older, less educated workers, so the rise ends at the young share.
    """
    trend = params.skill_trend_scale * trend
    decay = np.divide(trend, gap, out=np.zeros_like(trend), where=gap > 0)
    return np.where(gap > 0, trend * np.exp(-years * decay), 0.0)
