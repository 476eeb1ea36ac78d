"""Growth, exit and entry (ODD 7.6 "Market").

Employment follows productivity relative to the jobs-weighted mean of the firm's sector in its
region, where firms compete for the same labour (replicator dynamics; Metcalfe 1994), bounded
by the skilled labour of the region; firms far below their sector's corridor-wide productivity,
or hit by churn, exit, and their jobs pass to the surviving firms of the same region and
sector; entrants appear in proportion to incumbents, more where the region innovates more and
has gained skilled workers.
"""

import numpy as np

from nsrsim.config import MarketConfig


def sector_mean_productivity(
    jobs: np.ndarray, productivity: np.ndarray, group: np.ndarray, n_groups: int
) -> np.ndarray:
    """Jobs-weighted mean productivity per group (a sector, or a region x sector; 0 if empty)."""
    output = np.bincount(group, weights=jobs * productivity, minlength=n_groups)
    jobs_total = np.bincount(group, weights=jobs, minlength=n_groups)
    return np.divide(output, jobs_total, out=np.zeros(n_groups), where=jobs_total > 0)


def replicate(
    jobs: np.ndarray, relative_productivity: np.ndarray, params: MarketConfig, dt: float
) -> np.ndarray:
    """Jobs after one step of replicator dynamics: growth proportional to relative fitness."""
    return jobs * np.exp(params.selection_speed * dt * (relative_productivity - 1.0))


def reallocate(
    jobs: np.ndarray,
    real_firms: np.ndarray,
    relative_productivity: np.ndarray,
    group: np.ndarray,
    released: np.ndarray,
) -> np.ndarray:
    """Jobs per real firm after survivors take over the real jobs released in their group
    (region x sector), in proportion to real size x relative productivity; a group without
    survivors loses them. ``real_firms`` is each agent's weight.
    """
    pull = real_firms * jobs * relative_productivity
    total = np.bincount(group, weights=pull, minlength=len(released))
    share = np.divide(pull, total[group], out=np.zeros_like(pull), where=total[group] > 0)
    return jobs + released[group] * share / real_firms


def cap_to_labour(
    jobs: np.ndarray, real_firms: np.ndarray, region: np.ndarray, labour: np.ndarray
) -> np.ndarray:
    """Shrink each region's firms proportionally where real jobs exceed its labour capacity."""
    demand = np.bincount(region, weights=jobs * real_firms, minlength=len(labour))
    factor = np.minimum(1.0, np.divide(labour, demand, out=np.ones_like(labour), where=demand > 0))
    return jobs * factor[region]


def exits(
    relative_productivity: np.ndarray,
    jobs: np.ndarray,
    u: np.ndarray,
    params: MarketConfig,
    dt: float,
) -> np.ndarray:
    """Mask of firms that exit this step: unviable, too small, or churn."""
    unviable = relative_productivity < params.exit_threshold
    churn = u < -np.expm1(-params.exit_hazard * dt)
    return unviable | churn | (jobs < 0.5)


def expected_entrants(
    firms: np.ndarray,
    innovations_per_firm: np.ndarray,
    skilled_ratio: np.ndarray,
    params: MarketConfig,
    dt: float,
) -> np.ndarray:
    """Expected entrants per region this step.

    ``firms`` are real firms per region (so the result is in real entrants),
    ``innovations_per_firm`` is relative to the corridor mean (1 = average) and
    ``skilled_ratio`` is skilled workers now over at the start.
    """
    w = params.entry_innovation_pull
    pull = (1.0 - w + w * innovations_per_firm) * skilled_ratio
    return params.entry_rate * dt * firms * pull


def entrant_productivity(local_mean: np.ndarray, sector_mean: np.ndarray) -> np.ndarray:
    """Entrants' productivity per region x sector (flat): the incumbents' mean there, else the
    sector's corridor-wide mean, else the mean over sectors. Entrants start from local
    technology and wages, so entry does not lift lagging regions by itself.
    """
    positive = sector_mean[sector_mean > 0]
    fallback = np.where(sector_mean > 0, sector_mean, positive.mean() if positive.size else 0.0)
    return np.where(local_mean > 0, local_mean, np.resize(fallback, local_mean.shape))
