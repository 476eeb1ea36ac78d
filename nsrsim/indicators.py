"""Outcomes: one registry of named indicators with units and direction (ODD 7.8 "Indicators").

Each year the model condenses its state into :class:`Aggregates` (per-region totals and network
facts); every corridor-wide and regional indicator is a named function of those, so plots,
reports and sensitivity analyses read labels and units from :data:`OUTCOMES`.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Aggregates:
    """Per-region yearly totals (arrays over regions) and corridor-wide network facts."""

    output_eur: np.ndarray
    jobs: np.ndarray
    firms: np.ndarray  # real firms
    innovations: np.ndarray  # real innovations this year
    skilled: np.ndarray
    investment_eur: np.ndarray
    population: np.ndarray
    links: np.ndarray  # links with at least one end in the region
    cross_border_links: np.ndarray
    commitment: np.ndarray
    member: np.ndarray
    budget_eur: np.ndarray
    spent_eur: np.ndarray
    policy_budget_eur: float  # this year's policy instruments
    policy_spent_eur: float
    hotspot: np.ndarray  # bool: the three regions of highest initial output
    urban_output: float
    urban_jobs: float
    rural_output: float
    rural_jobs: float
    n_links: int
    n_cross_border: int
    n_transnational: int  # cross-border between regions sharing no INTERREG A programme
    n_urban_rural: int
    clustering: float
    giant_share: float


@dataclass(frozen=True)
class Outcome:
    """A named indicator: label, unit, whether higher is better, group and how to compute it."""

    name: str
    label: str
    unit: str
    higher_is_better: bool | None
    group: str
    compute: Callable[[Aggregates], float]


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def theil(output: np.ndarray, population: np.ndarray) -> float:
    """Population-weighted Theil T index of output per head across regions (0 = equal)."""
    share_y = output / output.sum()
    share_p = population / population.sum()
    terms = np.where(
        share_y > 0, share_y * np.log(np.where(share_y > 0, share_y, 1) / share_p), 0.0
    )
    return float(max(terms.sum(), 0.0))


OUTCOMES: tuple[Outcome, ...] = (
    Outcome(
        "output_eur",
        "Output",
        "EUR/year",
        True,
        "competitiveness",
        lambda a: float(a.output_eur.sum()),
    ),
    Outcome(
        "productivity_eur",
        "Productivity",
        "EUR/job/year",
        True,
        "competitiveness",
        lambda a: _ratio(a.output_eur.sum(), a.jobs.sum()),
    ),
    Outcome(
        "employment", "Employment", "jobs", True, "competitiveness", lambda a: float(a.jobs.sum())
    ),
    Outcome(
        "innovations",
        "Innovations",
        "per year",
        True,
        "competitiveness",
        lambda a: float(a.innovations.sum()),
    ),
    Outcome("firms", "Firms", "firms", True, "competitiveness", lambda a: float(a.firms.sum())),
    Outcome(
        "skilled_workers",
        "Skilled workers",
        "persons",
        True,
        "competitiveness",
        lambda a: float(a.skilled.sum()),
    ),
    Outcome(
        "investment_eur",
        "Mobile investment",
        "EUR/year",
        True,
        "competitiveness",
        lambda a: float(a.investment_eur.sum()),
    ),
    Outcome(
        "theil_gdp_per_head",
        "Theil index of GDP per head",
        "-",
        False,
        "cohesion",
        lambda a: theil(a.output_eur, a.population),
    ),
    Outcome(
        "urban_rural_gap",
        "Urban-rural productivity gap",
        "share of urban",
        False,
        "cohesion",
        lambda a: (
            1.0 - _ratio(_ratio(a.rural_output, a.rural_jobs), _ratio(a.urban_output, a.urban_jobs))
        ),
    ),
    Outcome(
        "innovation_outside_hotspots",
        "Innovations outside the 3 hot-spots",
        "share",
        True,
        "cohesion",
        lambda a: _ratio(a.innovations[~a.hotspot].sum(), a.innovations.sum()),
    ),
    Outcome(
        "links", "Partner links", "agent links", True, "cooperation", lambda a: float(a.n_links)
    ),
    Outcome(
        "cross_border_share",
        "Cross-border links",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.n_cross_border, a.n_links),
    ),
    Outcome(
        "transnational_share",
        "Transnational links beyond INTERREG A",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.n_transnational, a.n_links),
    ),
    Outcome(
        "urban_rural_link_share",
        "Urban-rural links",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.n_urban_rural, a.n_links),
    ),
    Outcome(
        "clustering",
        "Network clustering (transitivity)",
        "-",
        None,
        "cooperation",
        lambda a: a.clustering,
    ),
    Outcome(
        "giant_component_share",
        "Giant component",
        "share of firms",
        True,
        "cooperation",
        lambda a: a.giant_share,
    ),
    Outcome(
        "framework_members",
        "Framework member regions",
        "regions",
        True,
        "policy",
        lambda a: float(a.member.sum()),
    ),
    Outcome(
        "mean_commitment",
        "Mean commitment",
        "-",
        True,
        "policy",
        lambda a: float(a.commitment.mean()),
    ),
    Outcome(
        "budget_eur",
        "Regional innovation budgets",
        "EUR/year",
        None,
        "policy",
        lambda a: float(a.budget_eur.sum()),
    ),
    Outcome(
        "policy_budget_eur",
        "Policy instrument budgets",
        "EUR/year",
        None,
        "policy",
        lambda a: a.policy_budget_eur,
    ),
    Outcome(
        "policy_spent_eur",
        "Policy instrument spending",
        "EUR/year",
        None,
        "policy",
        lambda a: a.policy_spent_eur,
    ),
    Outcome(
        "budget_spent_eur",
        "Budget spent",
        "EUR/year",
        None,
        "policy",
        lambda a: float(a.spent_eur.sum()),
    ),
)

REGION_OUTCOMES: dict[str, Callable[[Aggregates], np.ndarray]] = {
    "output_eur": lambda a: a.output_eur,
    "employment": lambda a: a.jobs,
    "productivity_eur": lambda a: np.divide(
        a.output_eur, a.jobs, out=np.zeros_like(a.jobs), where=a.jobs > 0
    ),
    "gdp_per_head_eur": lambda a: a.output_eur / a.population,
    "innovations": lambda a: a.innovations,
    "innovations_per_1000_jobs": lambda a: np.divide(
        1000 * a.innovations, a.jobs, out=np.zeros_like(a.jobs), where=a.jobs > 0
    ),
    "firms": lambda a: a.firms,
    "skilled_workers": lambda a: a.skilled,
    "investment_eur": lambda a: a.investment_eur,
    "links": lambda a: a.links.astype(float),
    "cross_border_links": lambda a: a.cross_border_links.astype(float),
    "commitment": lambda a: a.commitment,
    "member": lambda a: a.member.astype(float),
    "budget_eur": lambda a: a.budget_eur,
    "budget_spent_eur": lambda a: a.spent_eur,
}

OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}


def network_facts(
    a: np.ndarray, b: np.ndarray, live: np.ndarray, n_rows: int
) -> tuple[float, float]:
    """Transitivity (3 x triangles / connected triples) and the giant component's share."""
    if live.size == 0:
        return 0.0, 0.0
    ones = np.ones(len(a))
    adjacency = coo_matrix(
        (np.r_[ones, ones], (np.r_[a, b], np.r_[b, a])), shape=(n_rows, n_rows)
    ).tocsr()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    triples = float((degree * (degree - 1)).sum())
    closed = float((adjacency @ adjacency).multiply(adjacency).sum())
    clustering = closed / triples if triples > 0 else 0.0
    _, label = connected_components(adjacency[live][:, live], directed=False)
    giant = np.bincount(label).max() / live.size
    return clustering, float(giant)
