"""Outcomes: one registry of named indicators with units and direction (ODD 7.8 "Indicators").

Each year the model condenses its state into :class:`Aggregates` (per-region totals and network
facts); every corridor-wide and regional indicator is a named function of those, so plots,
reports and sensitivity analyses read labels and units from :data:`OUTCOMES`.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class AreaTotals:
    """Yearly totals per area (a region or an urban class), in real units.

    The region-only fields (skilled workers, population, budgets, commitment) are None for
    urban classes.
    """

    output_eur: np.ndarray
    jobs: np.ndarray
    firms: np.ndarray  # real firms
    innovations: np.ndarray  # real innovations this year
    targeted_firms: np.ndarray  # real firms of the targeted strata (firm resolution)
    links: np.ndarray  # partner relations of the area's targeted firms (per real firm)
    cross_border_links: np.ndarray
    linked_firms: np.ndarray  # real firms with at least one partner
    transnational_firms: np.ndarray  # real firms with a partner beyond INTERREG A
    births: np.ndarray | None = None  # real firms born this year
    deaths: np.ndarray | None = None  # real firms that died this year
    skilled: np.ndarray | None = None
    population: np.ndarray | None = None
    investment_eur: np.ndarray | None = None
    commitment: np.ndarray | None = None
    member: np.ndarray | None = None
    eligible: np.ndarray | None = None  # regions the framework is open to
    budget_eur: np.ndarray | None = None
    spent_eur: np.ndarray | None = None


@dataclass(frozen=True)
class Aggregates:
    """Per-region totals and corridor-wide facts of one year."""

    regions: AreaTotals
    classes: AreaTotals  # per urban class (urban, intermediate, rural)
    hotspot: np.ndarray  # bool: the three regions of highest GDP in the data
    policy_budget_eur: float  # this year's policy instruments and framework
    policy_spent_eur: float
    framework_partnerships: int
    cluster_members: float  # real member firms of cluster initiatives
    urban_output: float
    urban_jobs: float
    rural_output: float
    rural_jobs: float
    relations: float  # partner relations of targeted firms (real firm pairs)
    relations_formed: float  # real partner relations formed this year, every firm's
    cross_border: float  # of which cross-border
    transnational: float  # of which cross-border between regions sharing no INTERREG A area
    urban_rural: float  # of which between an urban and a rural firm
    clustering: float
    giant_share: float  # share of targeted firms in the largest component


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
    """Theil T index of output per head across regions (output-share weighted; 0 = equal)."""
    share_y = output / output.sum()
    share_p = population / population.sum()
    terms = np.where(
        share_y > 0, share_y * np.log(np.where(share_y > 0, share_y, 1) / share_p), 0.0
    )
    return float(max(terms.sum(), 0.0))


def _total(name: str) -> Callable[[Aggregates], float]:
    return lambda a: float(getattr(a.regions, name).sum())


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("output_eur", "Output", "EUR/year", True, "competitiveness", _total("output_eur")),
    Outcome(
        "productivity_eur",
        "Productivity",
        "EUR/job/year",
        True,
        "competitiveness",
        lambda a: _ratio(a.regions.output_eur.sum(), a.regions.jobs.sum()),
    ),
    Outcome("employment", "Employment", "jobs", True, "competitiveness", _total("jobs")),
    Outcome(
        "innovations", "Innovations", "per year", True, "competitiveness", _total("innovations")
    ),
    Outcome("firms", "Firms", "firms", True, "competitiveness", _total("firms")),
    Outcome("births", "Firm births", "firms/year", None, "competitiveness", _total("births")),
    Outcome("deaths", "Firm deaths", "firms/year", None, "competitiveness", _total("deaths")),
    Outcome(
        "skilled_workers", "Skilled workers", "persons", True, "competitiveness", _total("skilled")
    ),
    Outcome(
        "investment_eur",
        "Mobile investment",
        "EUR/year",
        True,
        "competitiveness",
        _total("investment_eur"),
    ),
    Outcome(
        "theil_gdp_per_head",
        "Theil T of GDP per head",
        "-",
        False,
        "cohesion",
        lambda a: theil(a.regions.output_eur, a.regions.population),
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
        lambda a: _ratio(a.regions.innovations[~a.hotspot].sum(), a.regions.innovations.sum()),
    ),
    Outcome(
        "links",
        "Partner relations of targeted firms",
        "relations",
        True,
        "cooperation",
        lambda a: a.relations,
    ),
    Outcome(
        "links_formed",
        "Partner relations formed",
        "relations/year",
        True,
        "cooperation",
        lambda a: a.relations_formed,
    ),
    Outcome(
        "linked_firm_share",
        "Targeted firms with a partner",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.regions.linked_firms.sum(), a.regions.targeted_firms.sum()),
    ),
    Outcome(
        "cross_border_share",
        "Cross-border links",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.cross_border, a.relations),
    ),
    Outcome(
        "transnational_share",
        "Transnational links beyond INTERREG A",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.transnational, a.relations),
    ),
    Outcome(
        "transnational_firm_share",
        "Targeted firms with a partner beyond INTERREG A",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.regions.transnational_firms.sum(), a.regions.targeted_firms.sum()),
    ),
    Outcome(
        "urban_rural_link_share",
        "Urban-rural links",
        "share",
        True,
        "cooperation",
        lambda a: _ratio(a.urban_rural, a.relations),
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
        "share of targeted firms",
        True,
        "cooperation",
        lambda a: a.giant_share,
    ),
    Outcome(
        "cluster_members",
        "Cluster members",
        "firms",
        True,
        "cooperation",
        lambda a: a.cluster_members,
    ),
    Outcome(
        "framework_members",
        "Framework member regions",
        "regions",
        True,
        "policy",
        lambda a: float(a.regions.member.sum()),
    ),
    Outcome(
        "framework_partnerships",
        "Framework cluster partnerships",
        "partnerships",
        True,
        "policy",
        lambda a: float(a.framework_partnerships),
    ),
    Outcome(
        "mean_commitment",
        "Mean commitment",
        "-",
        True,
        "policy",
        lambda a: (
            float(a.regions.commitment[a.regions.eligible].mean())
            if a.regions.eligible.any()
            else 0.0
        ),
    ),
    Outcome(
        "budget_eur",
        "Regional innovation budgets",
        "EUR/year",
        None,
        "policy",
        _total("budget_eur"),
    ),
    Outcome(
        "policy_budget_eur",
        "Policy instrument and framework budgets",
        "EUR/year",
        None,
        "policy",
        lambda a: a.policy_budget_eur,
    ),
    Outcome(
        "policy_spent_eur",
        "Policy instrument and framework spending",
        "EUR/year",
        None,
        "policy",
        lambda a: a.policy_spent_eur,
    ),
    Outcome(
        "budget_spent_eur",
        "Regional budgets spent",
        "EUR/year",
        None,
        "policy",
        _total("spent_eur"),
    ),
)


def _per(num: np.ndarray, den: np.ndarray, factor: float = 1.0) -> np.ndarray:
    return np.divide(factor * num, den, out=np.zeros_like(den, dtype=float), where=den > 0)


AREA_OUTCOMES: dict[str, Callable[[AreaTotals], np.ndarray | None]] = {
    "output_eur": lambda t: t.output_eur,
    "employment": lambda t: t.jobs,
    "productivity_eur": lambda t: _per(t.output_eur, t.jobs),
    "gdp_per_head_eur": lambda t: None if t.population is None else t.output_eur / t.population,
    "innovations": lambda t: t.innovations,
    "innovations_per_1000_jobs": lambda t: _per(t.innovations, t.jobs, 1000.0),
    "firms": lambda t: t.firms,
    "births": lambda t: t.births,
    "deaths": lambda t: t.deaths,
    "targeted_firms": lambda t: t.targeted_firms,
    "links": lambda t: t.links,
    "cross_border_links": lambda t: t.cross_border_links,
    "linked_firm_share": lambda t: _per(t.linked_firms, t.targeted_firms),
    "transnational_firm_share": lambda t: _per(t.transnational_firms, t.targeted_firms),
    "skilled_workers": lambda t: t.skilled,
    "investment_eur": lambda t: t.investment_eur,
    "commitment": lambda t: t.commitment,
    "member": lambda t: None if t.member is None else t.member.astype(float),
    "budget_eur": lambda t: t.budget_eur,
    "budget_spent_eur": lambda t: t.spent_eur,
}


def area_columns(
    totals: AreaTotals, year: int, key: str, names: list[str]
) -> dict[str, np.ndarray]:
    """One year's rows of an area table (one per area; columns year, ``key``, then each area
    outcome defined for it), as columns: a run stacks its years into one table at the end
    (``accounts.stack``) instead of building a DataFrame every year.
    """
    columns = {"year": np.full(len(names), year, np.int64), key: np.asarray(names, object)}
    for name, compute in AREA_OUTCOMES.items():
        value = compute(totals)
        if value is not None:
            columns[name] = np.asarray(value, float)
    return columns


OUTCOME_BY_NAME = {o.name: o for o in OUTCOMES}
NETWORK_OUTCOMES = ("clustering", "giant_component_share")  # from network_facts (run.network_facts)


def network_facts(
    a: np.ndarray, b: np.ndarray, live: np.ndarray, n_rows: int, weight: np.ndarray
) -> tuple[float, float]:
    """Transitivity (3 x triangles / connected triples) of the agent network and the share of
    the firms counted by ``weight`` (real firms per agent; 0 for agents not counted) in the
    component that holds most of them.

    Counted in one compiled pass over the neighbour lists (a yearly sparse product and
    component search cost more in calls than in arithmetic at analysis sizes); components are
    numbered as scipy's ``connected_components`` numbers them (by their first live row), so the
    weighted sizes are summed in the same order.
    """
    if live.size == 0:
        return 0.0, 0.0
    closed, triples, label = _triangles_and_components(
        a.astype(np.int64), b.astype(np.int64), live.astype(np.int64), n_rows
    )
    clustering = closed / triples if triples > 0 else 0.0
    size = np.bincount(label, weights=weight[live])
    return clustering, float(size.max() / size.sum()) if size.sum() > 0 else 0.0


@njit(cache=True)
def _triangles_and_components(
    a: np.ndarray, b: np.ndarray, live: np.ndarray, n_rows: int
) -> tuple[float, float, np.ndarray]:
    """Closed triples (ordered: 6 per triangle), connected triples (sum of degree x (degree -
    1)) and each live row's component label, numbered by first live row (as scipy does).
    """
    degree = np.zeros(n_rows, np.int64)
    for k in range(a.size):
        degree[a[k]] += 1
        degree[b[k]] += 1
    start = np.zeros(n_rows + 1, np.int64)
    for i in range(n_rows):
        start[i + 1] = start[i] + degree[i]
    fill = start[:-1].copy()
    neighbour = np.empty(start[n_rows], np.int64)
    for k in range(a.size):
        neighbour[fill[a[k]]] = b[k]
        fill[a[k]] += 1
        neighbour[fill[b[k]]] = a[k]
        fill[b[k]] += 1
    triples = 0
    closed = 0
    mark = np.full(n_rows, -1, np.int64)  # mark[k] == i: k is a neighbour of i
    for i in range(n_rows):
        triples += degree[i] * (degree[i] - 1)
        for p in range(start[i], start[i + 1]):
            mark[neighbour[p]] = i
        for p in range(start[i], start[i + 1]):  # common neighbours of i and each partner j
            j = neighbour[p]
            for q in range(start[j], start[j + 1]):
                if mark[neighbour[q]] == i:
                    closed += 1
    position = np.full(n_rows, -1, np.int64)
    for p in range(live.size):
        position[live[p]] = p
    label = np.full(live.size, -1, np.int64)
    stack = np.empty(live.size, np.int64)
    count = 0
    for p in range(live.size):
        if label[p] >= 0:
            continue
        label[p] = count
        top = 0
        stack[top] = live[p]
        top += 1
        while top > 0:
            top -= 1
            i = stack[top]
            for q in range(start[i], start[i + 1]):
                other = position[neighbour[q]]
                if other >= 0 and label[other] < 0:
                    label[other] = count
                    stack[top] = neighbour[q]
                    top += 1
        count += 1
    return float(closed), float(triples), label
