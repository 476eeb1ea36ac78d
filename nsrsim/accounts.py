"""Regional accounting in real units and the output tables of a run.

Every firm agent stands for ``weight`` real firms, so totals are weighted sums: output is
weight x jobs x productivity. Network indicators describe the finely sampled firms (the
agents of the targeted strata and their entrants, ``FirmArrays.fine``), each counted once per
real firm: there the sample resolves single firms, while a coarse agent's links stand for a
typical firm of thousands, and whether it has a partner abroad would move a share of all
firms at once. These functions read a model's state and never change it (they are kept out
of ``model.py`` so that it reads as the schedule).
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numba import njit

from nsrsim.indicators import Aggregates, AreaTotals, network_facts
from nsrsim.sectors import SECTORS
from nsrsim.state import RURAL, URBAN
from nsrsim.world.grid import URBAN_CLASSES

if TYPE_CHECKING:
    from nsrsim.model import NSRModel
    from nsrsim.state import FirmArrays

SECTOR_NAMES = np.array([s.value for s in SECTORS], object)
SIZE_NAMES = np.array(("micro", "small", "medium", "large"), object)


def by_region(model: "NSRModel", values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Sum ``values`` (aligned with ``rows``) per region."""
    return np.bincount(
        model.firms.region[rows], weights=values, minlength=len(model.region_codes)
    ).astype(float)


def region_market(model: "NSRModel") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Market output [EUR/year], jobs and real firms per region of the live firms."""
    firms = model.firms
    return market_sums(firms, firms.live(), firms.region, len(model.region_codes))


def market_sums(
    firms: "FirmArrays", rows: np.ndarray, area: np.ndarray, n_areas: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Output, jobs and real firms of firm ``rows`` per area (``area`` per firm row), in one
    compiled pass (:func:`_market_sums`: the sums ``np.bincount`` makes).
    """
    sums = _market_sums(
        rows, area, firms.weight, firms.jobs, firms.productivity, np.zeros((3, n_areas))
    )
    return sums[0], sums[1], sums[2]


def region_productivity(output: np.ndarray, jobs: np.ndarray) -> np.ndarray:
    """Output per job per region [EUR/job/year] (0 where a region has no jobs)."""
    return np.divide(output, jobs, out=np.zeros_like(jobs), where=jobs > 0)


def link_kinds(model: "NSRModel") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per link: cross-border, transnational (no shared INTERREG A programme), urban-rural."""
    firms = model.firms
    a, b = model.links.a, model.links.b
    ra, rb = firms.region[a], firms.region[b]
    cross = model.region_country[ra] != model.region_country[rb]
    transnational = cross & ~model.interreg_tie[ra, rb]
    ua, ub = firms.urban[a], firms.urban[b]
    urban_rural = ((ua == URBAN) & (ub == RURAL)) | ((ua == RURAL) & (ub == URBAN))
    return cross, transnational, urban_rural


def framework_benefit(model: "NSRModel") -> np.ndarray:
    """Partners beyond INTERREG A per real member firm of the region's cluster initiatives:
    the benefit of a framework its government sees.
    """
    live = model.firms.live()
    members = live[model.firms.cluster[live] >= 0]
    count = by_region(model, partner_counts(model).transnational[members], members)
    return count / np.maximum(by_region(model, model.firms.weight[members], members), 1.0)


@dataclass(frozen=True)
class PartnerCounts:
    """Real partner relations per firm row now, in all and by kind of link (one count per
    yearly record); a row's relations over its real firms are partners per real firm.
    """

    all: np.ndarray
    cross_border: np.ndarray
    transnational: np.ndarray
    urban_rural: np.ndarray


def partner_counts(model: "NSRModel") -> PartnerCounts:
    """Each firm row's real partner relations, in all and by kind (:func:`link_kinds`): the
    sum over its links of the real firm pairs each stands for (``Links.relations``).
    """
    firms, links = model.firms, model.links
    sums = _relation_sums(
        links.a, links.b, links.relations(firms.weight, model.pair_firms), *link_kinds(model),
        firms.n,
    )  # fmt: skip
    return PartnerCounts(sums[0], sums[1], sums[2], sums[3])


@njit(cache=True)
def _relation_sums(a, b, pairs, cross, transnational, urban_rural, n_rows):
    """Per firm row, its links' ``pairs`` summed over all links and over those of each kind,
    in one pass: the sum where the row is a link's first end plus the sum where it is its
    second, each in link order, as ``np.bincount(a) + np.bincount(b)`` gives them.
    """
    first, second = np.zeros((4, n_rows)), np.zeros((4, n_rows))
    for e in range(len(a)):
        for kind, counted in enumerate((True, cross[e], transnational[e], urban_rural[e])):
            if counted:
                first[kind, a[e]] += pairs[e]
                second[kind, b[e]] += pairs[e]
    return first + second


def survey_size_class(fine: np.ndarray, jobs: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Size class (0 micro .. 3 large) as the surveys count firms: a firm agent by its
    persons now, a cohort by its stratum's class.
    """
    return np.where(fine, np.digitize(jobs, [10.0, 50.0, 250.0]), size)


def surveyed(fine: np.ndarray, jobs: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whether the innovation survey counts the rows' firms (10 or more persons)."""
    return survey_size_class(fine, jobs, size) > 0


def remember_partners(model: "NSRModel") -> PartnerCounts:
    """At a year's end, the share of each row's real firms with a partner, and with one in
    another country, enters this year's slot of the survey window (a row's relations beyond
    its firms are second partners). Returns the partner counts it read (the year's records
    read the same).
    """
    firms = model.firms
    live = firms.live()
    counts = partner_counts(model)
    weight = firms.weight[live]
    firms.recent_partnered[live, 0] = np.minimum(counts.all[live], weight) / weight
    firms.recent_abroad[live, 0] = np.minimum(counts.cross_border[live], weight) / weight
    return counts


def survey_measures(model: "NSRModel", rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per row, the share of its real firms that the innovation survey (CIS) would count as
    innovators (innovated in the window: a fine agent's own events; a cohort's firms each by
    Poisson chance of its expected innovations) and as cooperating (with a partner at a year's
    end in the window), in all and with a partner in another country.
    """
    firms = model.firms
    expected = firms.recent_innovations[rows].sum(axis=1)
    innovator = np.where(firms.fine[rows], (expected > 0).astype(float), -np.expm1(-expected))
    return {
        "innovator_3y": innovator,
        "partnered_3y": firms.recent_partnered[rows].max(axis=1),
        "abroad_3y": firms.recent_abroad[rows].max(axis=1),
    }


def area_totals(
    model: "NSRModel", area: np.ndarray, n_areas: int, counts: PartnerCounts
) -> AreaTotals:
    """Totals per area, where ``area`` gives each firm row's area (region or urban class)."""
    firms = model.firms
    sums = _area_sums(
        firms.live(),
        np.asarray(area, np.int64),
        n_areas,
        firms.weight,
        firms.fine,
        firms.jobs,
        firms.productivity,
        counts.all,
        counts.cross_border,
        counts.transnational,
    )
    return AreaTotals(
        output_eur=sums[0],
        jobs=sums[1],
        firms=sums[2],
        innovations=np.zeros(n_areas),
        targeted_firms=sums[3],
        links=sums[4],
        cross_border_links=sums[5],
        linked_firms=sums[6],
        transnational_firms=sums[7],
    )


@njit(cache=True)
def _market_sums(live, area, weight, jobs, productivity, sums):
    """Add each area's output, jobs and real firms of the ``live`` rows to the first three rows
    of ``sums``, in row order as ``np.bincount`` sums (the same numbers); returns ``sums``.
    """
    for row in live:
        a = area[row]
        w = weight[row]
        row_jobs = w * jobs[row]
        sums[0, a] += row_jobs * productivity[row]
        sums[1, a] += row_jobs
        sums[2, a] += w
    return sums


@njit(cache=True)
def _area_sums(live, area, n_areas, weight, fine, jobs, productivity, pairs, cross, trans):
    """The eight totals of :func:`area_totals` in one pass each over the live rows, each
    summed in row order as ``np.bincount`` sums (the same numbers): output, jobs, real firms
    (:func:`_market_sums`), and over the targeted firms (those the network indicators count)
    real firms, partner relations, cross-border relations, firms with a partner (a row's
    relations beyond its firms are second partners: at most all its firms linked) and firms
    with a transnational partner.
    """
    sums = _market_sums(live, area, weight, jobs, productivity, np.zeros((8, n_areas)))
    for row in live:
        if fine[row]:  # the others add the masked products' zeros, which change no sum
            a = area[row]
            w = weight[row]
            sums[3, a] += w
            sums[4, a] += pairs[row]
            sums[5, a] += cross[row]
            sums[6, a] += min(pairs[row], w)
            sums[7, a] += min(trans[row], w)
    return sums


def region_totals(model: "NSRModel", counts: PartnerCounts) -> AreaTotals:
    """Totals per region, with the region-level state (workers, budgets, commitment)."""
    totals = area_totals(model, model.firms.region, len(model.region_codes), counts)
    return AreaTotals(
        **{
            **vars(totals),
            "innovations": model.year_innovations.copy(),
            "births": model.year_births.copy(),
            "deaths": model.year_deaths.copy(),
            "skilled": model.skilled.copy(),
            "population": model.population.copy(),
            "investment_eur": model.year_investment.copy(),
            "commitment": model.commitment.copy(),
            "member": model.member.copy(),
            "eligible": model.eligible.copy(),
            "budget_eur": model.budget_eur.copy(),
            "spent_eur": model.spent_eur.copy(),
        }
    )


def class_totals(model: "NSRModel", counts: PartnerCounts) -> AreaTotals:
    """Totals per urban class (urban, intermediate, rural)."""
    totals = area_totals(model, model.firms.urban, len(URBAN_CLASSES), counts)
    return AreaTotals(**{**vars(totals), "innovations": model.year_innovations_class.copy()})


def aggregates(model: "NSRModel", counts: PartnerCounts) -> Aggregates:
    """Condense the current state into per-region totals and corridor-wide network facts."""
    firms = model.firms
    live = firms.live()
    regions = region_totals(model, counts)
    classes = class_totals(model, counts)
    resolved = np.where(firms.fine[: firms.n], firms.weight[: firms.n], 0.0)
    # the targeted firms' partner relations, by kind
    targeted = resolved > 0
    pairs = [float(count[targeted].sum()) for count in vars(counts).values()]
    clustering, giant = (
        network_facts(model.links.a, model.links.b, live, firms.n, resolved)
        if model.config.run.network_facts
        else (np.nan, np.nan)
    )
    members = live[firms.cluster[live] >= 0]
    return Aggregates(
        regions=regions,
        classes=classes,
        hotspot=model.hotspot,
        policy_budget_eur=float(model.ledger.budget_eur.sum() + model.framework_budget_eur),
        policy_spent_eur=float(model.ledger.spent_eur.sum() + model.framework_spent_eur),
        framework_partnerships=model.framework_partnerships(),
        cluster_members=float(firms.weight[members].sum()),
        urban_output=float(classes.output_eur[URBAN]),
        urban_jobs=float(classes.jobs[URBAN]),
        rural_output=float(classes.output_eur[RURAL]),
        rural_jobs=float(classes.jobs[RURAL]),
        relations=pairs[0],
        relations_formed=model.year_links_formed,
        cross_border=pairs[1],
        transnational=pairs[2],
        urban_rural=pairs[3],
        clustering=clustering,
        giant_share=giant,
    )


def firm_table(model: "NSRModel") -> pd.DataFrame:
    """Every live firm agent's state now, one row per agent."""
    firms = model.firms
    live = firms.live()
    cell = firms.cell[live]
    counts = partner_counts(model)
    return pd.DataFrame(
        {
            "year": model.year,
            "firm": firms.id[live],
            "row": live,
            "real_firms": firms.weight[live],
            "fine": firms.fine[live],
            "region": np.asarray(model.region_codes)[firms.region[live]],
            "sector": SECTOR_NAMES[firms.sector[live]],
            "size_class": SIZE_NAMES[firms.size[live]],
            "urban_class": model.cell_urban_class[cell],
            "lon": model.cell_lon[cell],
            "lat": model.cell_lat[cell],
            "jobs": firms.jobs[live],
            "productivity_eur": firms.productivity[live],
            "rd_share": firms.rd[live] + firms.rd_boost[live],
            "age": firms.age[live],
            "cluster": firms.cluster[live],
            "partners": counts.all[live] / firms.weight[live],
            "transnational_partners": counts.transnational[live] / firms.weight[live],
            "innovations": firms.innovations[live],
            "real_innovations_year": firms.year_innovations[live],
            "knowledge_mean": firms.knowledge[live].mean(axis=1),
            **survey_measures(model, live),
        }
    )


def firm_distances(model: "NSRModel") -> np.ndarray:
    """Mean road-equivalent distance between the targeted firms of every pair of regions
    (regions x regions, each real firm counted once), the distance their partners would
    travel: between hub cities a region's rural firms would count as next to the hub.
    """
    firms = model.firms
    live = firms.live()
    live = live[firms.fine[live]]
    n_regions, n_cells = len(model.region_codes), model.travel_h.shape[0]
    where = np.zeros((n_regions, n_cells))
    np.add.at(where, (firms.region[live], firms.cell[live]), firms.weight[live])
    km = model.travel_h.astype(np.float64) * model.config.world.road_speed_kmh
    total = where.sum(axis=1)
    mean = where @ km @ where.T
    return np.divide(mean, np.outer(total, total), out=np.zeros_like(mean), where=mean > 0)


def region_pairs(model: "NSRModel") -> pd.DataFrame:
    """Every ordered pair of regions: road-equivalent distance between their hubs and between
    their targeted firms (:func:`firm_distances`), whether a border lies between them, whether
    they share an INTERREG A programme.
    """
    codes = np.asarray(model.region_codes)
    a, b = np.meshgrid(np.arange(len(codes)), np.arange(len(codes)), indexing="ij")
    a, b = a.ravel(), b.ravel()
    return pd.DataFrame(
        {
            "region_a": codes[a],
            "region_b": codes[b],
            "distance_km": model.region_km[a, b],
            "firm_distance_km": firm_distances(model)[a, b],
            "cross_border": model.region_country[a] != model.region_country[b],
            "shared_interreg_a": model.interreg_tie[a, b],
        }
    )


def panel_rows(model: "NSRModel", counts: PartnerCounts) -> dict[str, np.ndarray]:
    """Each live firm's outcomes this year, per real firm (for paired firm-level effects), as
    columns (``stack`` makes the run's panel); with ``run.firm_panel_agents: fine`` the firm
    agents at firm resolution only.
    """
    firms = model.firms
    live = firms.live()
    if model.config.run.firm_panel_agents == "fine":
        live = live[firms.fine[live]]
    return {
        "year": np.full(live.size, model.year, np.int16),
        "firm": firms.id[live],
        "real_firms": firms.weight[live],
        "region": firms.region[live],
        "urban": firms.urban[live],
        "cluster": firms.cluster[live].astype(np.int16),  # -1: no initiative
        "output_eur": firms.jobs[live] * firms.productivity[live],
        "jobs": firms.jobs[live],
        "productivity_eur": firms.productivity[live],
        "innovations": firms.innovations[live],
        "partners": counts.all[live] / firms.weight[live],  # per real firm
        "cross_border_partners": counts.cross_border[live] / firms.weight[live],
        "transnational_partners": counts.transnational[live] / firms.weight[live],
    }


def stack(rows: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Yearly columns (``panel_rows``, ``indicators.area_columns``) as one table."""
    return pd.DataFrame({name: np.concatenate([row[name] for row in rows]) for name in rows[0]})


def link_table(model: "NSRModel") -> pd.DataFrame:
    """The partner network now: one row per link with both firms' ids, regions, countries."""
    firms = model.firms
    a, b = model.links.a, model.links.b
    codes = np.asarray(model.region_codes)
    countries = np.asarray(sorted(model.world.regions["country"].unique()))
    ra, rb = firms.region[a], firms.region[b]
    return pd.DataFrame(
        {
            "firm_a": firms.id[a],
            "firm_b": firms.id[b],
            "row_a": a,
            "row_b": b,
            "real_firms_a": firms.weight[a],
            "real_firms_b": firms.weight[b],
            "relations": model.links.relations(firms.weight, model.pair_firms),
            "targeted_a": model.firms.fine[a],
            "targeted_b": model.firms.fine[b],
            "age": model.links.age,
            "region_a": codes[ra],
            "region_b": codes[rb],
            "country_a": countries[model.region_country[ra]],
            "country_b": countries[model.region_country[rb]],
            "cross_border": model.region_country[ra] != model.region_country[rb],
            "shared_interreg_a": model.interreg_tie[ra, rb],
        }
    )
