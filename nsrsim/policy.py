"""Policy instruments: what they target, when they run, what their money buys (ODD 7.9).

Each active instrument's yearly budget goes to its targets (firms, cluster initiatives or
regions); money without a target is reported as unspent, never spent. Firm-level money is
shared equally among the real firms the targeted agents stand for, and acts with diminishing
returns: ``1 - exp(-money per firm / scale)`` of the instrument's full effect.
"""

from dataclasses import dataclass

import numpy as np

from nsrsim.config import InstrumentsConfig, PolicyInstrument
from nsrsim.sectors import Sector

SECTORS = list(Sector)
URBAN_NAMES = ("urban", "intermediate", "rural")


@dataclass(frozen=True)
class PolicyYear:
    """What this year's instruments do: per-firm effects (by row), per-initiative funding,
    per-region attractiveness, opened projects, and each instrument's budget and spending.
    """

    rd_boost: np.ndarray
    matchmaking: np.ndarray
    management: np.ndarray
    rural: np.ndarray
    cluster_funding: np.ndarray
    talent_bonus: np.ndarray
    open_projects: frozenset[str]
    budget_eur: np.ndarray
    spent_eur: np.ndarray


def active(instrument: PolicyInstrument, year: int) -> bool:
    """Whether the instrument runs in simulated ``year``."""
    return instrument.start_year <= year < instrument.start_year + instrument.duration_years


def targeted(
    instrument: PolicyInstrument,
    region_codes: list[str],
    region: np.ndarray,
    sector: np.ndarray,
    urban: np.ndarray,
) -> np.ndarray:
    """Mask of the rows the instrument's region, sector and urban-class filters admit."""
    mask = np.ones(len(region), bool)
    if instrument.regions:
        mask &= np.isin(region, [region_codes.index(r) for r in instrument.regions])
    if instrument.sectors:
        mask &= np.isin(sector, [SECTORS.index(s) for s in instrument.sectors])
    if instrument.urban_class:
        mask &= np.isin(urban, [URBAN_NAMES.index(u) for u in instrument.urban_class])
    return mask


def saturating(money: float, scale: float) -> float:
    """Share of the full effect that ``money`` per target buys."""
    return float(-np.expm1(-money / scale))


def policy_year(
    instruments: list[PolicyInstrument],
    year: int,
    region_codes: list[str],
    live: np.ndarray,
    firm_region: np.ndarray,
    firm_sector: np.ndarray,
    firm_urban: np.ndarray,
    firm_cluster: np.ndarray,
    revenue: np.ndarray,
    scale: np.ndarray,
    member: np.ndarray,
    framework_on: bool,
    cluster_region: np.ndarray,
    cluster_sector: np.ndarray,
    additionality: float,
    params: InstrumentsConfig,
) -> PolicyYear:
    """Apply every instrument active in ``year`` (arrays of firm rows cover all rows)."""
    n_rows = len(firm_region)
    effects = {
        name: np.zeros(n_rows) for name in ("rd_boost", "matchmaking", "management", "rural")
    }
    funding = np.zeros(len(cluster_region))
    talent = np.zeros(len(region_codes))
    projects = set()
    budget = np.zeros(len(instruments))
    spent = np.zeros(len(instruments))
    alive = np.zeros(n_rows, bool)
    alive[live] = True
    for i, inst in enumerate(instruments):  # a handful of instruments, each vectorised
        if not active(inst, year):
            continue
        budget[i] = inst.budget_eur_per_year
        if inst.kind == "infrastructure":
            projects.add(inst.project)
            spent[i] = budget[i]
            continue
        if inst.kind == "cluster_management":
            chosen = (
                targeted(
                    inst,
                    region_codes,
                    cluster_region,
                    cluster_sector,
                    np.zeros(len(cluster_region), int),
                )
                if not inst.urban_class
                else np.zeros(len(cluster_region), bool)
            )
            if chosen.any():
                funding[chosen] += budget[i] / chosen.sum()
                spent[i] = budget[i]
            continue
        if inst.kind == "talent_attraction":
            regions = [region_codes.index(r) for r in inst.regions] or list(range(len(talent)))
            per_region = budget[i] / len(regions)
            talent[regions] += params.talent_utility * saturating(
                per_region, params.talent_eur_scale
            )
            spent[i] = budget[i]
            continue
        mask = alive & targeted(inst, region_codes, firm_region, firm_sector, firm_urban)
        if inst.kind == "matchmaking":
            mask &= firm_cluster >= 0
        if inst.kind == "innovation_management" and framework_on:
            mask &= member[firm_region]
        real_firms = scale[firm_region[mask]].sum()
        if real_firms <= 0:
            continue
        money = budget[i] / real_firms
        spent[i] = budget[i]
        if inst.kind == "rd_subsidy":
            effects["rd_boost"][mask] += additionality * money / np.maximum(revenue[mask], 1.0)
            continue
        key = {
            "matchmaking": ("matchmaking", params.matchmaking_eur_scale),
            "innovation_management": ("management", params.management_eur_scale),
            "rural_inclusion": ("rural", params.rural_eur_scale),
        }[inst.kind]
        strength = saturating(money, key[1])
        effects[key[0]][mask] = np.maximum(effects[key[0]][mask], strength)
    return PolicyYear(
        rd_boost=effects["rd_boost"],
        matchmaking=effects["matchmaking"],
        management=effects["management"],
        rural=effects["rural"],
        cluster_funding=funding,
        talent_bonus=talent,
        open_projects=frozenset(projects),
        budget_eur=budget,
        spent_eur=spent,
    )
