"""Initialisation (ODD 5): firms placed from real regional data, cluster initiatives from the
shipped organisations, and each region's smart-specialisation priorities.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from nsrsim.config import Scenario
from nsrsim.sectors import Sector
from nsrsim.state import INTERMEDIATE, N_FIELDS, RURAL, URBAN, FirmArrays
from nsrsim.world.world import World

SECTORS = list(Sector)
OTHER_WEIGHT = 3.0  # weight of "other" in a region's sector mix: the rest of the economy
ORGANISATION_WEIGHT = 2.0  # weight each listed organisation or agglomeration adds to its sector
PIONEERING = {Sector.CREATIVE}  # sectors whose initiatives start as pioneers (DESIGN.md)
INITIATIVE_WORDS = (
    "cluster",
    "centre of expertise",
    "science park",
    "campus",
    "agency",
    "business development",
)


def urban_codes(classes: np.ndarray) -> np.ndarray:
    """URBAN / INTERMEDIATE / RURAL codes of urban-class names."""
    return np.where(
        classes == "urban", URBAN, np.where(classes == "rural", RURAL, INTERMEDIATE)
    ).astype(np.int8)


@dataclass(frozen=True)
class ClusterTable:
    """Cluster initiatives of the modelled regions, index-aligned."""

    name: list[str]
    region: np.ndarray  # region index
    sector: np.ndarray  # sector index
    experienced: np.ndarray  # bool
    generic: np.ndarray  # bool


def sector_mix(world: World, source: str) -> np.ndarray:
    """Sector weights per region (regions x sectors), rows summing to 1."""
    weights = np.ones((len(world.regions), len(SECTORS)))
    if source == "clusters":
        weights[:, SECTORS.index(Sector.OTHER)] = OTHER_WEIGHT
        codes = list(world.regions.index)
        for row in world.clusters.itertuples():
            weights[codes.index(row.region), SECTORS.index(Sector(row.sector))] += (
                ORGANISATION_WEIGHT
            )
    return weights / weights.sum(axis=1, keepdims=True)


def firms_per_region(world: World, n_firms: int) -> np.ndarray:
    """Firm agents per region in proportion to economic mass (population x GDP per head),
    rounded by largest remainders so they add up to ``n_firms``, at least one each.
    """
    mass = (world.regions["population"] * world.regions["gdp_pc_pps_pct_eu27"]).to_numpy(float)
    quota = n_firms * mass / mass.sum()
    counts = np.maximum(np.floor(quota).astype(np.int64), 1)
    short = n_firms - counts.sum()
    if short > 0:
        counts[np.argsort(-(quota - np.floor(quota)), kind="stable")[:short]] += 1
    return counts


def is_initiative(kind: str) -> bool:
    """Whether a listed organisation manages a cluster (others are ports, plants, institutes)."""
    return any(word in kind.lower() for word in INITIATIVE_WORDS)


def cluster_table(world: World, mix: np.ndarray) -> ClusterTable:
    """One initiative per named organisation, plus a generic one for each region-sector with
    listed activity but no named initiative, and for a region's largest sector if it has none.
    """
    codes = list(world.regions.index)
    named = world.clusters[world.clusters["type"].map(is_initiative)]
    rows = [
        (r.name, codes.index(r.region), SECTORS.index(Sector(r.sector)), False)
        for r in named.itertuples()
    ]
    covered = {(reg, sec) for _, reg, sec, _ in rows}
    other = SECTORS.index(Sector.OTHER)
    for r in world.clusters.itertuples():
        key = (codes.index(r.region), SECTORS.index(Sector(r.sector)))
        if key not in covered and key[1] != other:
            covered.add(key)
            rows.append((f"{SECTORS[key[1]].value} cluster {r.region}", *key, True))
    for reg, code in enumerate(codes):
        if not any(k[0] == reg for k in covered):
            sec = int(np.argmax(np.where(np.arange(len(SECTORS)) == other, -1, mix[reg])))
            rows.append((f"{SECTORS[sec].value} cluster {code}", reg, sec, True))
    table = pd.DataFrame(rows, columns=["name", "region", "sector", "generic"])
    return ClusterTable(
        name=list(table["name"]),
        region=table["region"].to_numpy(np.int64),
        sector=table["sector"].to_numpy(np.int64),
        experienced=~table["sector"].map(lambda s: SECTORS[s] in PIONEERING).to_numpy(bool),
        generic=table["generic"].to_numpy(bool),
    )


def priorities(world: World, clusters: ClusterTable, mix: np.ndarray) -> list[list[Sector]]:
    """Smart-specialisation priorities per region: its three leading sectors by initiatives,
    then by sector mix ("other" is never a priority).
    """
    result = []
    other = SECTORS.index(Sector.OTHER)
    for reg in range(len(world.regions)):
        count = np.bincount(clusters.sector[clusters.region == reg], minlength=len(SECTORS))
        score = count * 10.0 + mix[reg]
        score[other] = -np.inf
        result.append([SECTORS[s] for s in np.argsort(-score, kind="stable")[:3]])
    return result


def initial_knowledge(sector: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Capabilities: strong in the sector's home field, some in others (a knowledge vector)."""
    n = len(sector)
    knowledge = rng.uniform(0.0, 0.15, size=(n, N_FIELDS))
    knowledge[np.arange(n), sector % N_FIELDS] = rng.uniform(0.4, 0.8, size=n)
    related = (sector + 1 + rng.integers(0, N_FIELDS - 1, size=n)) % N_FIELDS
    knowledge[np.arange(n), related] = rng.uniform(0.15, 0.4, size=n)
    return knowledge


def place_firms(
    world: World,
    scenario: Scenario,
    clusters: ClusterTable,
    mix: np.ndarray,
    rng: np.random.Generator,
) -> FirmArrays:
    """Create the initial firms: regions by economic mass, cells by population, sectors by the
    region's mix, size, productivity and R&D around the region's real values.
    """
    pop = scenario.population
    counts = firms_per_region(world, pop.n_firms)
    cells = world.grid.cells.iloc[world.cells]
    codes = list(world.regions.index)
    region_of_cell = np.array([codes.index(r) for r in cells["region"]])
    population = cells["population"].to_numpy(float) + 1.0
    region = np.repeat(np.arange(len(codes)), counts)
    cell = np.empty(len(region), np.int64)
    for reg in range(len(codes)):  # one draw per region (a handful), not per firm
        mine = np.flatnonzero(region_of_cell == reg)
        cell[region == reg] = rng.choice(
            mine, size=counts[reg], p=population[mine] / population[mine].sum()
        )
    sector = (rng.random(len(region))[:, None] > np.cumsum(mix[region], axis=1)).sum(axis=1)
    sector = np.minimum(sector, len(SECTORS) - 1)

    regions = world.regions
    gdp_per_job = (
        regions["gdp_pc_pps_pct_eu27"].to_numpy()
        / 100.0
        * pop.eu27_gdp_per_head_eur
        / pop.employment_rate
    )
    sigma_jobs = 1.0
    jobs = rng.lognormal(np.log(pop.mean_firm_jobs) - sigma_jobs**2 / 2, sigma_jobs, len(region))
    productivity = gdp_per_job[region] * rng.lognormal(-0.045, 0.3, len(region))
    rd = (
        regions["rd_intensity_pct_gdp"].to_numpy()[region]
        / 100.0
        * rng.lognormal(-0.125, 0.5, len(region))
    )
    urban = urban_codes(cells["urban_class"].to_numpy()[cell])

    cluster = np.full(len(region), -1, np.int64)
    choice = initiative_choice(region, sector, clusters, rng.random(len(region)))
    joins = (choice >= 0) & (rng.random(len(region)) < pop.cluster_member_share)
    cluster[joins] = choice[joins]

    firms = FirmArrays.empty(max(2 * len(region), 16))
    firms.append(
        alive=np.ones(len(region), bool),
        cell=cell,
        region=region,
        country=country_index(world)[region],
        urban=urban,
        sector=sector,
        knowledge=initial_knowledge(sector, rng),
        jobs=jobs,
        productivity=productivity,
        rd=rd,
        rd_boost=np.zeros(len(region)),
        age=rng.exponential(15.0, len(region)),
        cluster=cluster,
        innovations=np.zeros(len(region), np.int32),
        **{name: np.zeros(len(region)) for name in ("matchmaking", "management", "rural")},
    )
    return firms


def country_index(world: World) -> np.ndarray:
    """Index of each region's country in the sorted list of countries."""
    countries = sorted(world.regions["country"].unique())
    return np.array([countries.index(c) for c in world.regions["country"]])


def initiative_choice(
    region: np.ndarray, sector: np.ndarray, clusters: ClusterTable, u: np.ndarray
) -> np.ndarray:
    """The initiative each firm would join: uniform among those of its region and sector
    (-1 where there is none).
    """
    n_sectors = len(SECTORS)
    key = clusters.region * n_sectors + clusters.sector
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    firm_key = region * n_sectors + sector
    start = np.searchsorted(sorted_key, firm_key, side="left")
    stop = np.searchsorted(sorted_key, firm_key, side="right")
    size = stop - start
    pick = start + np.minimum((u * size).astype(np.int64), np.maximum(size - 1, 0))
    return np.where(size > 0, order[np.minimum(pick, len(order) - 1)], -1)


@dataclass(frozen=True)
class EntryContext:
    """Static facts entrants are drawn from, per active cell and per region."""

    cell_region: np.ndarray
    cell_population: np.ndarray
    cell_urban: np.ndarray
    mix: np.ndarray  # regions x sectors
    region_country: np.ndarray


def draw_entrants(
    rng: np.random.Generator,
    expected: np.ndarray,
    context: EntryContext,
    mean_rd: np.ndarray,
    local_knowledge: np.ndarray,
    sector_mean: np.ndarray,
    entrant_jobs: float,
) -> dict[str, np.ndarray] | None:
    """Columns of this step's entrants (None if there are none): Poisson counts per region,
    cells by population, sectors by the region's mix, knowledge half a fresh sector profile and
    half the region's mean (spin-offs), productivity around the sector mean.
    """
    counts = rng.poisson(expected)
    total = int(counts.sum())
    if total == 0:
        return None
    region = np.repeat(np.arange(len(counts)), counts)
    cell = np.empty(total, np.int64)
    for reg in np.flatnonzero(counts):  # one draw per region with entrants
        mine = np.flatnonzero(context.cell_region == reg)
        weight = context.cell_population[mine]
        cell[region == reg] = rng.choice(mine, size=counts[reg], p=weight / weight.sum())
    sector = (rng.random(total)[:, None] > np.cumsum(context.mix[region], axis=1)).sum(axis=1)
    sector = np.minimum(sector, len(SECTORS) - 1)
    knowledge = 0.5 * initial_knowledge(sector, rng) + 0.5 * local_knowledge[region]
    base = np.where(
        sector_mean[sector] > 0,
        sector_mean[sector],
        np.average(sector_mean, weights=sector_mean > 0),
    )
    return {
        "alive": np.ones(total, bool),
        "cell": cell,
        "region": region,
        "country": context.region_country[region],
        "urban": context.cell_urban[cell],
        "sector": sector,
        "knowledge": knowledge,
        "jobs": np.full(total, entrant_jobs),
        "productivity": base * rng.lognormal(-0.1, 0.3, total),
        "rd": mean_rd[region] * rng.lognormal(-0.125, 0.5, total),
        "rd_boost": np.zeros(total),
        "age": np.zeros(total),
        "cluster": np.full(total, -1),
        "innovations": np.zeros(total, np.int32),
        **{name: np.zeros(total) for name in ("matchmaking", "management", "rural")},
    }
