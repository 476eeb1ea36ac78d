"""Growth, births and deaths (ODD 7.6 "Market").

Employment follows productivity relative to the jobs-weighted mean of the firm's sector in its
region, where firms compete for the same labour (replicator dynamics; Metcalfe 1994), bounded
by the skilled labour of the region. Firms are born and die at each country's enterprise birth
and death rates (Eurostat business demography; ``business_demography.csv``), deaths mostly
among micro firms; a dying firm's jobs are destroyed. Coarse agents are cohorts: a share of
their firms dies each step (an expectation, never all or none), and the births of a
region-sector join its smallest-size cohorts; firms growing out of those cohorts replace the
deaths of the larger classes, so the size structure stays that of the data.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from nsrsim.config import MarketConfig

if TYPE_CHECKING:
    from nsrsim.state import FirmArrays

SMALL_JOBS = 10.0  # persons from which a firm is no longer micro (Eurostat size classes)
MIN_JOBS = 0.5  # persons below which a firm agent at firm resolution exits


def replicate(
    jobs: np.ndarray, relative_productivity: np.ndarray, params: MarketConfig, dt: float
) -> np.ndarray:
    """Jobs after one step of replicator dynamics: growth proportional to relative fitness."""
    return jobs * np.exp(params.selection_speed * dt * (relative_productivity - 1.0))


@dataclass(frozen=True)
class LiveView:
    """The live firms' columns the market reads (gathered in live order), their region-sector
    ``group`` and peers (group x size class), their real jobs, and the real firms per group.
    """

    weight: np.ndarray
    region: np.ndarray
    sector: np.ndarray
    size: np.ndarray
    productivity: np.ndarray
    jobs: np.ndarray
    fine: np.ndarray
    group: np.ndarray
    peers: np.ndarray
    real_jobs: np.ndarray
    firms_by_group: np.ndarray


def live_view(
    firms: "FirmArrays", live: np.ndarray, n_sectors: int, n_sizes: int, n_groups: int
) -> LiveView:
    """:class:`LiveView` of the ``live`` rows, in one compiled pass (the group sums in live
    order, as a bincount adds).
    """
    return LiveView(
        *_live_view(
            live, firms.weight, firms.region, firms.sector, firms.size, firms.productivity,
            firms.jobs, firms.fine, n_sectors, n_sizes, n_groups,
        )
    )  # fmt: skip


@njit(cache=True)
def _live_view(live, weight, region, sector, size, productivity, jobs, fine, n_sectors, n_sizes,
               n_groups):  # fmt: skip
    n = len(live)
    out_weight, out_productivity, out_jobs = np.empty(n), np.empty(n), np.empty(n)
    out_region, out_sector = np.empty(n, np.int64), np.empty(n, np.int64)
    out_size, group, peers = np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n, np.int64)
    out_fine, real_jobs, by_group = np.empty(n, np.bool_), np.empty(n), np.zeros(n_groups)
    for i in range(n):
        r = live[i]
        out_weight[i], out_productivity[i], out_jobs[i] = weight[r], productivity[r], jobs[r]
        out_region[i], out_sector[i], out_size[i] = region[r], sector[r], size[r]
        out_fine[i] = fine[r]
        group[i] = out_region[i] * n_sectors + out_sector[i]
        peers[i] = group[i] * n_sizes + out_size[i]
        real_jobs[i] = weight[r] * jobs[r]
        by_group[group[i]] += weight[r]
    return (
        out_weight, out_region, out_sector, out_size, out_productivity, out_jobs, out_fine,
        group, peers, real_jobs, by_group,
    )  # fmt: skip


def clear_labour(
    jobs: np.ndarray,
    real_firms: np.ndarray,
    region: np.ndarray,
    rows: np.ndarray,
    capacity: np.ndarray,
    params: MarketConfig,
    dt: float,
) -> None:
    """Jobs per firm of ``rows`` after the regional labour market clears one step, in place.

    Where real jobs exceed a region's labour capacity, all its firms shrink to it; where they
    fall short of the employment the capacity supports without its slack (capacity / (1 +
    ``labour_slack``): jobs a dying firm destroyed return to the market as unemployed workers),
    all its firms grow toward it, closing the gap at ``hiring_rate`` a year. The demand sums
    and the scaling are compiled passes over the rows (the sums in row order, as a bincount
    adds), the regions' factors NumPy's.
    """
    demand = _labour_demand(jobs, real_firms, region, rows, len(capacity))
    employed = capacity / (1.0 + params.labour_slack)
    short = np.divide(employed, demand, out=np.ones_like(demand), where=demand > 0)
    factor = np.where(
        short > 1.0,
        np.power(np.maximum(short, 1.0), -np.expm1(-params.hiring_rate * dt)),
        np.minimum(1.0, np.divide(capacity, demand, out=np.ones_like(demand), where=demand > 0)),
    )
    _scale_jobs(jobs, region, rows, factor)


@njit(cache=True)
def _labour_demand(jobs, real_firms, region, rows, n_regions):
    """Real jobs per region over ``rows``, added in row order."""
    demand = np.zeros(n_regions)
    for r in rows:
        demand[region[r]] += jobs[r] * real_firms[r]
    return demand


@njit(cache=True)
def _scale_jobs(jobs, region, rows, factor):
    """Each row's jobs times its region's factor, in place."""
    for r in rows:
        jobs[r] = jobs[r] * factor[region[r]]


def death_hazards(
    death_rate: np.ndarray, micro_share: np.ndarray, params: MarketConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Yearly death rates of micro firms and of firms with 10 or more persons, per country.

    ``death_rate`` is the share of active enterprises that die in a year and ``micro_share`` the
    share of enterprises with fewer than 10 persons; the larger firms' rate is
    ``large_death_ratio`` times the micro firms', and their firm-weighted mean is the country's.
    A firm dies in a step with probability rate x dt (:func:`dying`): its mean life is 1 / rate
    years and the yearly deaths are the rate's share of firms whatever the time step.
    """
    total = params.death_rate_scale * death_rate
    micro = total / (micro_share + params.large_death_ratio * (1.0 - micro_share))
    return micro, params.large_death_ratio * micro


def death_hazard(jobs: np.ndarray, micro: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Each firm's yearly death rate by its size now (``micro`` and ``large`` per firm)."""
    return np.where(jobs < SMALL_JOBS, micro, large)


def birth_rates(
    birth_rate: np.ndarray,
    firms: np.ndarray,
    country: np.ndarray,
    innovations: np.ndarray,
    skilled_ratio: np.ndarray,
    params: MarketConfig,
) -> np.ndarray:
    """Births per real firm and year in each region (arguments per region: real firms, last
    year's innovations, skilled workers now over at the start).

    A country's births are its birth rate (``birth_rate``, scaled) x its firms; they go to its
    regions in proportion to firms x (1 - w + w x innovations per firm relative to the
    country's) x the skilled ratio (w = ``entry_innovation_pull``), so the pull moves births
    between regions and never changes a country's total.
    """
    n_countries = int(country.max()) + 1

    def per_country(values: np.ndarray) -> np.ndarray:
        return np.bincount(country, weights=values, minlength=n_countries)[country]

    total = per_country(firms)
    per_firm = np.divide(innovations, firms, out=np.zeros_like(firms), where=firms > 0)
    country_rate = np.divide(
        per_country(innovations), total, out=np.zeros_like(firms), where=total > 0
    )
    relative = np.divide(per_firm, country_rate, out=np.ones_like(firms), where=country_rate > 0)
    w = params.entry_innovation_pull
    pull = (1.0 - w + w * relative) * skilled_ratio
    mass = per_country(firms * pull)
    return birth_rate * pull * np.divide(total, mass, out=np.ones_like(firms), where=mass > 0)


@njit(cache=True)
def join_cohort(
    weight: float,
    jobs: float,
    productivity: float,
    births: float,
    leaving: float,
    entrant_productivity: float,
    entrant_jobs: float,
) -> tuple[float, float, float]:
    """A nursery cohort after this step's births join it and firms grow out of it: new weight
    (real firms), jobs per firm and productivity.

    Firms leaving (``leaving``, real firms growing into a larger class) go at the cohort's mean
    size; newborn firms (``births``) come with ``entrant_jobs`` persons (the cohort's mean where
    that is smaller) and ``entrant_productivity``, blended in jobs-weighted.
    """
    stay = np.maximum(weight - leaving, 0.0)
    new_weight = stay + births
    old_jobs, new_jobs = stay * jobs, births * np.minimum(entrant_jobs, jobs)
    mean_jobs = (old_jobs + new_jobs) / new_weight if new_weight > 0 else jobs
    blended = old_jobs + new_jobs
    mean_productivity = (
        (old_jobs * productivity + new_jobs * entrant_productivity) / blended
        if blended > 0
        else productivity
    )
    return new_weight, mean_jobs, mean_productivity


@dataclass(frozen=True)
class Nursery:
    """The live firm agents of a market step (real firms after this step's deaths, jobs per
    firm, productivity, region-sector ``group``) and which of them are nursery cohorts.
    """

    weight: np.ndarray
    jobs: np.ndarray
    productivity: np.ndarray
    group: np.ndarray
    nursery: np.ndarray


def renew_nursery(
    firms: Nursery,
    births: np.ndarray,
    grown: np.ndarray,
    entrant_productivity: np.ndarray,
    start_share: np.ndarray,
    params: MarketConfig,
    dt: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weight, jobs per firm and productivity of the nursery cohorts after a step.

    A region-sector's ``births`` and the firms that ``grown`` out of its nursery into larger
    classes (per region-sector, flat) are split over its nursery cohorts by real firms
    (:func:`join_cohort`); then the young firms grow (:func:`grow_young`) toward the size at
    which each cohort holds ``start_share`` of its region-sector's jobs. One compiled pass:
    each sum adds the firms in order, as a bincount does.
    """
    return _renew_nursery(
        firms.weight, firms.jobs, firms.productivity, firms.group, firms.nursery, births, grown,
        entrant_productivity, start_share, params.entrant_jobs,
        -np.expm1(-params.young_growth * dt),
    )  # fmt: skip


@njit(cache=True)
def _renew_nursery(weight, jobs, productivity, group, nursery, births, grown, entrant_productivity,
                   start_share, entrant_jobs, closing):  # fmt: skip
    mass = np.zeros(len(births))  # the nursery's real firms per region-sector
    group_jobs = np.zeros(len(births))
    for i in range(len(weight)):
        if nursery[i]:
            mass[group[i]] += weight[i]
        group_jobs[group[i]] += weight[i] * jobs[i]
    n = int(nursery.sum())
    out = (np.empty(n), np.empty(n), np.empty(n))
    k = 0
    for i in range(len(weight)):
        if not nursery[i]:
            continue
        g = group[i]
        share = weight[i] / mass[g] if mass[g] > 0 else 0.0
        new_weight, new_jobs, new_productivity = join_cohort(
            weight[i], jobs[i], productivity[i], births[g] * share, grown[g] * share,
            entrant_productivity[g], entrant_jobs,
        )  # fmt: skip
        target = start_share[k] * group_jobs[g] / new_weight if new_weight > 0 else new_jobs
        out[0][k] = new_weight
        out[1][k] = grow_young(new_jobs, target, closing)
        out[2][k] = new_productivity
        k += 1
    return out


@njit(cache=True)
def grow_young(jobs: float, target: float, closing: float) -> float:
    """Persons per firm of a nursery cohort after one step of its young firms' growth: the
    gap to ``target`` (the size at which the cohort holds its start share of its
    region-sector's jobs) closes by ``closing`` (1 - exp(-``young_growth`` x dt)).

    Where births outnumber deaths for decades (the Netherlands: +4.7 points a year in 2018)
    the micro firms' number grows faster than their jobs, and their mean size falls below one
    person: most such firms are one-person or dormant registrations.
    """
    return jobs + (target - jobs) * closing


def entrant_productivity(local_mean: np.ndarray, sector_mean: np.ndarray) -> np.ndarray:
    """Entrants' productivity per region x sector (flat): the incumbents' mean there, else the
    sector's corridor-wide mean, else the mean over sectors. Entrants start from local
    technology and wages, so entry does not lift lagging regions by itself.
    """
    positive = sector_mean[sector_mean > 0]
    fallback = np.where(sector_mean > 0, sector_mean, positive.mean() if positive.size else 0.0)
    by_region = local_mean.reshape(-1, len(sector_mean))  # region x sector
    return np.where(by_region > 0, by_region, fallback).ravel()


@njit(cache=True)
def productivity_means(real_jobs, productivity, group, sector, peers, n_groups, n_sectors, n_peers):
    """Jobs-weighted mean productivity (0 where a group has no jobs) by region-sector
    (``group``), by sector and by peers (region-sector x size class), in one pass, and each
    firm's productivity relative to its peers' mean: (local mean, sector mean, relative). Each
    sum adds the firms in order, as a bincount does.
    """
    output = (np.zeros(n_groups), np.zeros(n_sectors), np.zeros(n_peers))
    jobs = (np.zeros(n_groups), np.zeros(n_sectors), np.zeros(n_peers))
    for i in range(len(real_jobs)):
        value = real_jobs[i] * productivity[i]
        output[0][group[i]] += value
        jobs[0][group[i]] += real_jobs[i]
        output[1][sector[i]] += value
        jobs[1][sector[i]] += real_jobs[i]
        output[2][peers[i]] += value
        jobs[2][peers[i]] += real_jobs[i]
    means = []
    for k in range(3):
        mean = np.zeros(len(output[k]))
        for g in range(len(mean)):
            if jobs[k][g] > 0:
                mean[g] = output[k][g] / jobs[k][g]
        means.append(mean)
    relative = np.empty(len(real_jobs))
    for i in range(len(real_jobs)):
        relative[i] = productivity[i] / means[2][peers[i]]
    return means[0], means[1], relative


@dataclass(frozen=True)
class Fates:
    """What a market step does to its live firm agents (arrays aligned with them)."""

    out: np.ndarray  # exits: a fine agent that died, is unviable or too small; an unviable cohort
    dying: np.ndarray  # share of the agent's real firms that die this step (rate x dt, at most 1)
    died: np.ndarray  # the agent's keyed draw fell below ``dying`` (a fine agent's death)
    nursery: np.ndarray  # surviving cohorts of their region-sector's smallest size class
    weight: np.ndarray  # real firms after the step's deaths (a nursery loses its dying share)
    deaths: np.ndarray  # real firms dying per region
    replaced: np.ndarray  # per region-sector, the larger cohorts' dying firms (nursery replaces)


def fates(
    jobs: np.ndarray,
    productivity: np.ndarray,
    sector_mean: np.ndarray,
    sector: np.ndarray,
    fine: np.ndarray,
    weight: np.ndarray,
    region: np.ndarray,
    group: np.ndarray,
    size: np.ndarray,
    hazards: tuple[np.ndarray, np.ndarray],
    u: np.ndarray,
    params: MarketConfig,
    dt: float,
    shape: tuple[int, int],
) -> Fates:
    """Deaths and exits of a step, and the nursery cohorts births will join.

    A firm dies with probability rate x dt (at most 1), the rate by its size now (``hazards``:
    micro and larger firms' yearly rates per region, :func:`death_hazards`): a fine agent dies
    when its keyed uniform ``u`` is below it, a cohort loses that share of its firms. A fine
    agent also exits when unviable (productivity over its sector's mean, ``sector_mean`` per
    sector, below ``exit_threshold``) or below ``MIN_JOBS``; a cohort never dies whole by
    chance or size, only when unviable. ``shape`` is (regions, region-sectors).
    """
    return Fates(
        *_fates(
            jobs, productivity, sector_mean, sector, fine, weight, region, group,
            np.asarray(size, np.int64),
            hazards[0], hazards[1], u, params.exit_threshold, dt, shape[0], shape[1],
        )
    )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _fates(jobs, productivity, sector_mean, sector, fine, weight, region, group, size, micro,
           large, u, threshold, dt, n_regions, n_groups):  # fmt: skip
    n = len(jobs)
    out = np.empty(n, np.bool_)
    dying = np.empty(n)
    died = np.empty(n, np.bool_)
    deaths = np.zeros(n_regions)
    smallest = np.full(n_groups, np.iinfo(np.int64).max)
    for i in range(n):
        hazard = micro[region[i]] if jobs[i] < SMALL_JOBS else large[region[i]]
        dying[i] = min(hazard * dt, 1.0)
        died[i] = u[i] < dying[i]
        unviable = productivity[i] / sector_mean[sector[i]] < threshold
        out[i] = unviable if not fine[i] else died[i] or unviable or jobs[i] < MIN_JOBS
        if out[i]:
            deaths[region[i]] += weight[i]
        elif not fine[i]:
            deaths[region[i]] += weight[i] * dying[i]
            smallest[group[i]] = min(smallest[group[i]], size[i])
    nursery = np.empty(n, np.bool_)
    replaced = np.zeros(n_groups)
    after = np.empty(n)
    for i in range(n):
        nursery[i] = not fine[i] and not out[i] and size[i] == smallest[group[i]]
        if not fine[i] and not out[i] and not nursery[i]:
            replaced[group[i]] += weight[i] * dying[i]
        after[i] = weight[i] * (1.0 - dying[i]) if nursery[i] else weight[i]
    return out, dying, died, nursery, after, deaths, replaced
