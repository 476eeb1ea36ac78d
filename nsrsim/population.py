"""Initialisation (ODD 5): the firm agents as a stratified sample of the corridor's real firms,
cluster initiatives from the shipped organisations, and each region's smart-specialisation
priorities; and entrants during a run.

Real firms are counted per stratum (region x sector x size class x cluster initiative) from
regional employment and each country's firm-size structure. Policy instruments reach members
of cluster initiatives and small and larger firms of the regions' priority sectors, so those
strata are sampled finely (at most ``targeted_firms_per_agent`` real firms per agent): a
project that reaches a hundred firms reaches tens of agents, not a fraction of one. The rest
of the economy shares the remaining agents in proportion to its jobs. Every agent's weight —
the real firms it stands for — is fixed by its stratum, never random, so every output is in
real units. All draws are keyed by firm id (:mod:`nsrsim.random`).
"""

import heapq
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np
import pandas as pd
from numba import njit

from nsrsim.config import PopulationConfig, Scenario
from nsrsim.errors import ConfigError, DataError
from nsrsim.random import KeyedRandom
from nsrsim.sectors import SECTORS, Sector
from nsrsim.state import INTERMEDIATE, N_FIELDS, RURAL, URBAN, FirmArrays
from nsrsim.world import facts

SIZE_CLASSES = ("micro", "small", "medium", "large")
SIZE_JOBS = ((1.0, 10.0), (10.0, 50.0), (50.0, 250.0), (250.0, 50_000.0))  # [lo, hi) jobs
LARGE_TAIL = 1.0  # Pareto exponent of jobs within the large class (Axtell 2001: about 1)
PIONEERING = {Sector.CREATIVE}  # sectors whose initiatives start as pioneers (DESIGN.md)
MAX_MEMBER_SHARE = 0.5  # members never exceed half of a region-sector's firms
KNOWLEDGE_DRAWS = N_FIELDS + 3  # uniforms per firm for its initial knowledge
ENTRANT = 1 << 62  # entrant ids: ENTRANT | (step + STEP_OFFSET) << 24 | stratum << 12 | k
STEP_OFFSET = 1 << 20  # burn-in steps are negative (at most 100 years of 52 steps)
ENTRANT_PRODUCTIVITY = float(np.exp(-0.055))  # new firms' mean productivity over incumbents'


def urban_codes(classes: np.ndarray) -> np.ndarray:
    """URBAN / INTERMEDIATE / RURAL codes of urban-class names."""
    return np.where(
        classes == "urban", URBAN, np.where(classes == "rural", RURAL, INTERMEDIATE)
    ).astype(np.int8)


@dataclass(frozen=True)
class Economy:
    """The facts a firm sample is drawn from: the modelled regions and their cluster
    organisations (the same tables as the scenario's ``World``, without the grid).
    """

    regions: pd.DataFrame
    clusters: pd.DataFrame

    @classmethod
    def of(cls, codes: list[str]) -> "Economy":
        """The modelled regions (NUTS-2 codes) and their organisations."""
        organisations = facts.clusters()
        return cls(
            facts.regions().loc[codes],
            organisations[organisations["region"].isin(codes)].reset_index(drop=True),
        )


@dataclass(frozen=True)
class SampleDesign:
    """The initiatives, priorities and strata (with agents) of a scenario's firm sample."""

    mix: np.ndarray
    clusters: "ClusterTable"
    priority_sectors: list[list[Sector]]
    priority_mask: np.ndarray
    strata: pd.DataFrame


def sample_design(scenario: Scenario) -> SampleDesign:
    """The firm sample of ``scenario`` (a :class:`~nsrsim.errors.ConfigError` if
    ``population.n_firms`` cannot hold it): cheap, so batch runs check it before running.

    It depends only on the modelled regions and the population block, so a worker computes it
    once per population (a sensitivity analysis varies behaviour, not the sample); callers must
    not modify it.
    """
    return _design(tuple(scenario.world.regions), scenario.population)


@cache
def _design(regions: tuple[str, ...], population: PopulationConfig) -> SampleDesign:
    economy = Economy.of(list(regions))
    mix = sector_mix(economy, population.sector_mix)
    info = cluster_table(economy, mix, population.members_per_initiative)
    sectors = priorities(economy, mix)
    mask = np.zeros((len(economy.regions), len(SECTORS)), bool)
    for reg, chosen in enumerate(sectors):
        mask[reg, [SECTORS.index(s) for s in chosen]] = True
    strata = allocate_agents(
        real_economy(economy, population, info, mix, mask, facts.firm_sizes()),
        population.n_firms,
        population.targeted_firms_per_agent,
    )
    return SampleDesign(mix, info, sectors, mask, strata)


@dataclass(frozen=True)
class ClusterTable:
    """Cluster initiatives of the modelled regions, index-aligned."""

    name: list[str]
    region: np.ndarray  # region index
    sector: np.ndarray  # sector index
    experienced: np.ndarray  # bool
    generic: np.ndarray  # bool
    members: np.ndarray  # real member firms at the start

    @cached_property
    def by_group(self) -> tuple[np.ndarray, np.ndarray]:
        """The initiatives in order of their region-sector key (stable), and where each key's
        run starts in that order (one entry per key up to the largest, plus two): what
        :func:`initiative_of` looks up every step, instead of two binary searches a firm.
        """
        key = self.region.astype(np.int64) * len(SECTORS) + self.sector
        order = np.argsort(key, kind="stable")
        keys = int(key.max()) + 1 if key.size else 0
        return order, np.searchsorted(key[order], np.arange(keys + 2), side="left")


def sector_mix(world: Economy, source: str) -> np.ndarray:
    """Sector shares of each region's market jobs (regions x sectors), rows summing to 1: its
    employment by sector (Eurostat, ``sector_employment.csv``) or equal for every sector.
    """
    if source == "employment":
        return facts.sector_employment().loc[world.regions.index].to_numpy(float)
    return np.full((len(world.regions), len(SECTORS)), 1.0 / len(SECTORS))


def cluster_table(world: Economy, mix: np.ndarray, default_members: float) -> ClusterTable:
    """One initiative per named organisation, plus a generic one for each region-sector with
    listed activity but no named initiative, and for a region's largest sector if it has none.
    Members come from ``clusters.csv`` where it gives them, else ``default_members``.
    """
    codes = list(world.regions.index)
    named = world.clusters[world.clusters["type"].map(facts.is_initiative)]
    given = named["members"] if "members" in named else pd.Series(np.nan, index=named.index)
    rows = [
        (r.name, codes.index(r.region), SECTORS.index(Sector(r.sector)), False, m)
        for r, m in zip(named.itertuples(), given, strict=True)
    ]
    covered = {(reg, sec) for _, reg, sec, _, _ in rows}
    other = SECTORS.index(Sector.OTHER)
    for r in world.clusters.itertuples():
        key = (codes.index(r.region), SECTORS.index(Sector(r.sector)))
        if key not in covered and key[1] != other:
            covered.add(key)
            rows.append((f"{SECTORS[key[1]].value} cluster {r.region}", *key, True, np.nan))
    for reg, code in enumerate(codes):
        if not any(k[0] == reg for k in covered):
            sec = int(np.argmax(np.where(np.arange(len(SECTORS)) == other, -1, mix[reg])))
            rows.append((f"{SECTORS[sec].value} cluster {code}", reg, sec, True, np.nan))
    table = pd.DataFrame(rows, columns=["name", "region", "sector", "generic", "members"])
    return ClusterTable(
        name=list(table["name"]),
        region=table["region"].to_numpy(np.int64),
        sector=table["sector"].to_numpy(np.int64),
        experienced=~table["sector"].map(lambda s: SECTORS[s] in PIONEERING).to_numpy(bool),
        generic=table["generic"].to_numpy(bool),
        members=table["members"].fillna(default_members).to_numpy(float),
    )


S3_FROM_YEAR = 2014  # strategies of the 2014-20 and 2021-27 programming periods


def priorities(world: Economy, mix: np.ndarray) -> list[list[Sector]]:
    """Smart-specialisation priorities per region: the model sectors that its strategies
    since 2014 name (``s3_priorities.csv``), most often named first, then by sector mix.
    """
    named = facts.s3_priorities()
    named = named[(named["year"] >= S3_FROM_YEAR) & (named["model_sector"] != "unmapped")]
    result = []
    for reg, code in enumerate(world.regions.index):
        count = named.loc[named["region"] == code, "model_sector"].value_counts()
        if count.empty:
            raise DataError(
                f"s3_priorities.csv names no priority of region {code} that maps to a model "
                f"sector in a strategy from {S3_FROM_YEAR} on; add its strategy's areas."
            )
        score = {Sector(s): n + mix[reg, SECTORS.index(Sector(s))] for s, n in count.items()}
        result.append(sorted(score, key=lambda s: (-score[s], SECTORS.index(s))))
    return result


def largest_remainder(quota: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``quota`` that add up to ``total`` (Hamilton's method)."""
    quota = np.asarray(quota, float)
    if total <= 0 or quota.sum() <= 0:
        return np.zeros(len(quota), np.int64)
    exact = total * quota / quota.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def real_economy(
    world: Economy,
    pop: PopulationConfig,
    clusters: ClusterTable,
    mix: np.ndarray,
    priority_mask: np.ndarray,
    sizes: pd.DataFrame,
) -> pd.DataFrame:
    """Real firms and jobs per stratum (region, sector, size class, initiative or -1), and
    whether the stratum is targeted.

    A region's market jobs (population x employment rate x business share) are split over
    sectors by its mix and over size classes by its country's employment shares; its firms are
    its jobs over the country's persons per enterprise, split by the country's enterprise shares.
    Each initiative's members are spread over size classes by the geometric mean of the
    classes' shares of firms and of jobs (larger firms are likelier members, but most members
    are SMEs), at most half of the region-sector's firms.
    """
    regions = world.regions
    jobs_r = regions["population"].to_numpy(float) * pop.employment_rate * pop.business_share
    country = regions["country"].to_numpy()
    firm_share = np.stack([sizes.loc[c, "enterprise_share_pct"].to_numpy(float) for c in country])
    job_share = np.stack([sizes.loc[c, "employment_share_pct"].to_numpy(float) for c in country])
    per_firm = np.array([sizes.loc[c, "persons_per_enterprise"].iloc[0] for c in country])
    firm_share /= firm_share.sum(axis=1, keepdims=True)
    job_share /= job_share.sum(axis=1, keepdims=True)
    firms_rsk = (jobs_r / per_firm)[:, None, None] * mix[:, :, None] * firm_share[:, None, :]
    jobs_rsk = jobs_r[:, None, None] * mix[:, :, None] * job_share[:, None, :]
    firms_rsk = np.round(firms_rsk)
    jobs_per_firm = np.divide(jobs_rsk, firms_rsk, out=np.zeros_like(jobs_rsk), where=firms_rsk > 0)

    rows = []
    members_rsk = np.zeros_like(firms_rsk)
    for reg, sec in sorted(
        {(int(r), int(s)) for r, s in zip(clusters.region, clusters.sector, strict=True)}
    ):
        mine = np.flatnonzero((clusters.region == reg) & (clusters.sector == sec))
        wanted = clusters.members[mine]
        room = MAX_MEMBER_SHARE * firms_rsk[reg, sec].sum()
        scaled = wanted * min(1.0, room / wanted.sum()) if wanted.sum() > 0 else wanted
        for c, total in zip(mine, scaled, strict=True):
            quota = np.sqrt(firm_share[reg] * job_share[reg]) * (firms_rsk[reg, sec] > 0)
            by_size = largest_remainder(quota, round(total))
            by_size = np.minimum(by_size, firms_rsk[reg, sec] - members_rsk[reg, sec])
            members_rsk[reg, sec] += by_size
            for k, count in enumerate(by_size):
                if count > 0:
                    rows.append(
                        (reg, sec, k, int(c), count, count * jobs_per_firm[reg, sec, k], True)
                    )
    others = firms_rsk - members_rsk
    other_jobs = others * jobs_per_firm
    for reg in range(len(regions)):
        for sec in range(len(SECTORS)):
            for k in range(len(SIZE_CLASSES)):
                if others[reg, sec, k] > 0:
                    targeted = bool(priority_mask[reg, sec]) and k > 0
                    rows.append(
                        (reg, sec, k, -1, others[reg, sec, k], other_jobs[reg, sec, k], targeted)
                    )
    table = pd.DataFrame(
        rows, columns=["region", "sector", "size", "cluster", "real_firms", "real_jobs", "targeted"]
    )
    table["real_firms"] = table["real_firms"].astype(np.int64)
    return table


def allocate_agents(strata: pd.DataFrame, n_firms: int, targeted_per_agent: int) -> pd.DataFrame:
    """Agents per stratum: ceil(real firms / ``targeted_per_agent``) in targeted strata; the
    rest of ``n_firms`` over the other strata (the cohorts) by :func:`spread_agents`, so that
    neither the many micro firms (counts: births, deaths, innovations) nor the few large ones
    (output) of a region rest on a handful of agents.
    """
    table = strata[strata["real_firms"] > 0].copy()
    targeted = table["targeted"].to_numpy()
    table["agents"] = 0
    table.loc[targeted, "agents"] = -(-table.loc[targeted, "real_firms"] // targeted_per_agent)
    n_cohorts = int((~targeted).sum())
    needed = int(table["agents"].sum()) + n_cohorts
    if n_firms < needed:
        raise ConfigError(
            f"population.n_firms = {n_firms} is too small: the targeted strata need "
            f"{int(table['agents'].sum())} agents at population.targeted_firms_per_agent = "
            f"{targeted_per_agent}, and the rest of the economy at least one agent per region, "
            f"sector and size class ({n_cohorts}); raise population.n_firms to at least "
            f"{needed} or population.targeted_firms_per_agent."
        )
    coarse = table.loc[~targeted]
    region = coarse["region"].to_numpy()
    share = np.maximum(  # of its region's real firms and real jobs, whichever is larger
        coarse["real_firms"].to_numpy(float)
        / table.groupby("region")["real_firms"].sum()[region].to_numpy(),
        coarse["real_jobs"].to_numpy(float)
        / table.groupby("region")["real_jobs"].sum()[region].to_numpy(),
    )
    table.loc[~targeted, "agents"] = spread_agents(
        share, coarse["real_firms"].to_numpy(), n_firms - needed
    )
    table["agents"] = np.minimum(table["agents"], table["real_firms"]).astype(np.int64)
    return table.sort_values(["region", "sector", "cluster", "size"], kind="stable").reset_index(
        drop=True
    )


def spread_agents(share: np.ndarray, real_firms: np.ndarray, extra: int) -> np.ndarray:
    """Agents per cohort stratum: one each, then ``extra`` more, each to the stratum whose
    agents hold the largest ``share`` (of their region's firms or jobs) each (highest
    averages, as seats are apportioned), never more agents than real firms.
    """
    agents = np.ones(len(share), np.int64)
    heap = [(-s, i) for i, s in enumerate(share) if real_firms[i] > 1]
    heapq.heapify(heap)
    for _ in range(extra):
        if not heap:
            break
        _, i = heapq.heappop(heap)
        agents[i] += 1
        if agents[i] < real_firms[i]:
            heapq.heappush(heap, (-share[i] / agents[i], i))
    return agents


def integer_weights(real_firms: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """Weights per agent, stratum by stratum: the stratum's real firms split as evenly as
    integers allow (the first ``firms mod agents`` agents stand for one firm more).
    """
    base = np.repeat(real_firms // agents, agents)
    rank = np.arange(agents.sum()) - np.repeat(np.cumsum(agents) - agents, agents)
    return base + (rank < np.repeat(real_firms % agents, agents))


def knowledge_base(mix: np.ndarray) -> np.ndarray:
    """Each region's knowledge base (regions x fields): its specialisation, the location
    quotient of each sector (field) in its mix over the corridor's mean, scaled to 1 at its
    strongest field. Partners from other regions so bring related or unrelated variety.
    """
    quotient = mix / mix.mean(axis=0, keepdims=True)
    return quotient / quotient.max(axis=1, keepdims=True)


def initial_knowledge(
    sector: np.ndarray, base: np.ndarray, regional_weight: float, u: np.ndarray
) -> np.ndarray:
    """Capabilities: (1 - ``regional_weight``) x a sector profile + ``regional_weight`` x the
    region's knowledge base ``base`` (rows aligned with ``sector``). The sector profile is strong
    in the sector's home field, some in a second field (any other, drawn uniformly), a little
    in the others.

    ``u`` holds ``KNOWLEDGE_DRAWS`` keyed uniforms per firm: the fields' base levels, the home
    level, and the second field's position and level.
    """
    n = len(sector)
    profile = 0.15 * u[:, :N_FIELDS]
    rows = np.arange(n)
    profile[rows, sector % N_FIELDS] = 0.4 + 0.4 * u[:, N_FIELDS]
    offset = np.minimum((u[:, N_FIELDS + 1] * (N_FIELDS - 1)).astype(np.int64), N_FIELDS - 2)
    second = (sector + 1 + offset) % N_FIELDS
    profile[rows, second] = 0.15 + 0.25 * u[:, N_FIELDS + 2]
    return (1.0 - regional_weight) * profile + regional_weight * base


def firm_jobs(
    size: np.ndarray, stratum: np.ndarray, weight: np.ndarray, real_jobs: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Jobs per real firm: log-uniform within the size class (Pareto above 250 jobs), scaled so
    that every stratum's agents hold its real jobs.
    """
    lo = np.array([b[0] for b in SIZE_JOBS])[size]
    hi = np.array([b[1] for b in SIZE_JOBS])[size]
    draw = lo * np.power(hi / lo, u)
    large = size == len(SIZE_CLASSES) - 1
    draw[large] = np.minimum(lo[large] * np.power(1.0 - u[large], -1.0 / LARGE_TAIL), hi[large])
    held = np.bincount(stratum, weights=weight * draw)
    return draw * real_jobs[stratum] / held[stratum]


def lognormal(z: np.ndarray, sigma: float, mean: float = 1.0) -> np.ndarray:
    """A lognormal factor with the given mean from standard normal deviates ``z``."""
    return mean * np.exp(sigma * z - sigma**2 / 2)


@dataclass(frozen=True)
class RegionCells:
    """Per region its cells (positions in World.cells) and their cumulative population, as
    flat arrays: region ``r`` owns ``cells[offsets[r]:offsets[r + 1]]`` (a compiled draw reads
    them without a Python loop over regions).
    """

    offsets: np.ndarray
    cells: np.ndarray
    cdf: np.ndarray


def region_cell_cdf(
    cell_region: np.ndarray, cell_population: np.ndarray, n_regions: int
) -> RegionCells:
    """Per region: its cells and their cumulative population (a region's own running sum)."""
    cells = [np.flatnonzero(cell_region == reg) for reg in range(n_regions)]
    cdfs = [np.cumsum(cell_population[mine]) for mine in cells]
    offsets = np.zeros(n_regions + 1, np.int64)
    offsets[1:] = np.cumsum([len(mine) for mine in cells])
    return RegionCells(
        offsets,
        np.concatenate(cells).astype(np.int64),
        np.concatenate(cdfs).astype(np.float64),
    )


def draw_cells(region: np.ndarray, u: np.ndarray, where: RegionCells) -> np.ndarray:
    """A cell per firm, by inversion of its region's population CDF (static across scenarios)."""
    return _draw_cells(
        np.asarray(region, np.int64),
        np.asarray(u, np.float64),
        where.offsets,
        where.cells,
        where.cdf,
    )


@njit(cache=True)
def _draw_cells(region, u, offsets, cells, cdf):
    """``searchsorted(cdf_r, u * cdf_r[-1], side="right")`` per firm, clipped to the last cell."""
    out = np.empty(len(region), np.int64)
    for f in range(len(region)):
        lo, end = offsets[region[f]], offsets[region[f] + 1]
        target = u[f] * cdf[end - 1]
        hi = end
        while lo < hi:  # first position whose cdf exceeds the target
            mid = (lo + hi) >> 1
            if cdf[mid] <= target:
                lo = mid + 1
            else:
                hi = mid
        out[f] = cells[min(lo, end - 1)]
    return out


@dataclass(frozen=True)
class PlacementContext:
    """Static facts that initial firms and entrants are drawn from."""

    cell_region: np.ndarray
    cell_urban: np.ndarray
    region_cells: RegionCells
    region_country: np.ndarray
    gdp_per_job: np.ndarray  # per region [EUR]
    rd_share: np.ndarray  # per region: business R&D intensity as a share
    knowledge_base: np.ndarray  # regions x fields (see knowledge_base)
    regional_weight: float  # learning.regional_base


def place_firms(strata: pd.DataFrame, context: PlacementContext, draws: KeyedRandom) -> FirmArrays:
    """Create the initial firms, stratum by stratum (ids 0..n-1 in stratum order)."""
    agents = strata["agents"].to_numpy()
    stratum = np.repeat(np.arange(len(strata)), agents)
    n = len(stratum)
    ids = np.arange(n, dtype=np.int64)
    region = strata["region"].to_numpy()[stratum]
    sector = strata["sector"].to_numpy()[stratum]
    size = strata["size"].to_numpy()[stratum]
    weight = integer_weights(strata["real_firms"].to_numpy(), agents).astype(float)
    u = draws.uniform("init.firm", 0, ids, 4)
    z = draws.normal("init.spread", 0, ids, 2)
    cell = draw_cells(region, u[:, 0], context.region_cells)
    firms = FirmArrays.empty(max(2 * n, 16))
    firms.append(
        id=ids,
        weight=weight,
        fine=strata["targeted"].to_numpy(bool)[stratum],
        alive=np.ones(n, bool),
        cell=cell,
        region=region,
        country=context.region_country[region],
        urban=context.cell_urban[cell],
        sector=sector,
        size=size,
        knowledge=initial_knowledge(
            sector,
            context.knowledge_base[region],
            context.regional_weight,
            draws.uniform("init.knowledge", 0, ids, KNOWLEDGE_DRAWS),
        ),
        jobs=firm_jobs(size, stratum, weight, strata["real_jobs"].to_numpy(float), u[:, 1]),
        productivity=context.gdp_per_job[region] * lognormal(z[:, 0], 0.3),
        rd=context.rd_share[region] * lognormal(z[:, 1], 0.5),
        age=-15.0 * np.log1p(-u[:, 2]),
        cluster=strata["cluster"].to_numpy()[stratum],
    )
    return firms


def initiative_choice(
    region: np.ndarray, sector: np.ndarray, clusters: ClusterTable, u: np.ndarray
) -> np.ndarray:
    """The initiative each firm would join: uniform among those of its region and sector
    (-1 where there is none).
    """
    order, first = clusters.by_group
    region, sector = np.asarray(region, np.int64), np.asarray(sector, np.int64)
    return _initiatives(region, sector, np.asarray(u, np.float64), order, first, len(SECTORS))


@njit(cache=True)
def _initiatives(region, sector, u, order, first, n_sectors):
    out = np.empty(len(region), np.int64)
    for i in range(len(region)):
        out[i] = initiative_of(region[i], sector[i], u[i], order, first, n_sectors)
    return out


@njit(cache=True)
def initiative_of(region, sector, u, order, first, n_sectors):
    """:func:`initiative_choice` of one firm (for compiled loops): the initiative at the
    uniform ``u``'s position among its region-sector's (``ClusterTable.by_group``), or -1.
    """
    key = min(np.int64(region) * n_sectors + sector, len(first) - 2)  # beyond: none
    start, size = first[key], first[key + 1] - first[key]
    if size <= 0:
        return -1
    pick = start + min(np.int64(u * size), max(size - 1, 0))
    return order[min(pick, len(order) - 1)]


@njit(cache=True)
def regional_means(region, weight, rd, knowledge, rows, n_regions):
    """Real-firm-weighted mean R&D share and knowledge of each region's firm ``rows`` (what
    entrants take from their region), in one pass: each sum adds the rows in order, as a
    bincount does, and the mass is at least 1e-12.
    """
    mass = np.zeros(n_regions)
    rd_sum = np.zeros(n_regions)
    known = np.zeros((n_regions, knowledge.shape[1]))
    for row in rows:
        r = region[row]
        mass[r] += weight[row]
        rd_sum[r] += weight[row] * rd[row]
        for f in range(knowledge.shape[1]):
            known[r, f] += weight[row] * knowledge[row, f]
    for r in range(n_regions):
        mass[r] = max(mass[r], 1e-12)
        rd_sum[r] /= mass[r]
        for f in range(knowledge.shape[1]):
            known[r, f] /= mass[r]
    return rd_sum, known


@njit(cache=True)
def _by_stratum(stratum, n_strata):
    """A stable sort by stratum (a counting sort: ``np.argsort(kind="stable")``'s order), each
    entry's rank within its stratum after it, and the most entries of a stratum.
    """
    counts = np.zeros(n_strata, np.int64)
    for s in stratum:
        counts[s] += 1
    start = np.cumsum(counts) - counts
    fill = start.copy()
    order = np.empty(len(stratum), np.int64)
    rank = np.empty(len(stratum), np.int64)
    for e in range(len(stratum)):
        at = fill[stratum[e]]
        order[at] = e
        rank[at] = at - start[stratum[e]]
        fill[stratum[e]] += 1
    return order, rank, counts.max() if n_strata else 0


@njit(cache=True)
def _entrant_knowledge(sector, region, knowledge_base, regional_weight, u, local_knowledge):
    """Half of :func:`initial_knowledge` (its region's base) and half its region's mean
    knowledge ``local_knowledge``, per entrant: the same operations in one pass.
    """
    n_fields = knowledge_base.shape[1]
    out = np.empty((len(sector), n_fields))
    keep = 1.0 - regional_weight
    for i in range(len(sector)):
        home = sector[i] % n_fields
        offset = min(np.int64(u[i, n_fields + 1] * (n_fields - 1)), n_fields - 2)
        second = (sector[i] + 1 + offset) % n_fields
        for f in range(n_fields):
            if f == second:  # set after the home field, as initial_knowledge does
                profile = 0.15 + 0.25 * u[i, n_fields + 2]
            elif f == home:
                profile = 0.4 + 0.4 * u[i, n_fields]
            else:
                profile = 0.15 * u[i, f]
            fresh = keep * profile + regional_weight * knowledge_base[region[i], f]
            out[i, f] = 0.5 * fresh + 0.5 * local_knowledge[region[i], f]
    return out


def entrant_ids(step: int, stratum: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Ids of entrants: unique per (step, stratum, k-th entrant), so an entrant's
    id, and so its draws, do not depend on entry elsewhere.
    """
    return ENTRANT | (np.int64(step + STEP_OFFSET) << 24) | (stratum.astype(np.int64) << 12) | k


def draw_entrants(
    draws: KeyedRandom,
    step: int,
    stratum: np.ndarray,
    weight: np.ndarray,
    jobs: np.ndarray,
    shape: tuple[int, int, int],
    context: PlacementContext,
    mean_rd: np.ndarray,
    local_knowledge: np.ndarray,
    productivity: np.ndarray,
) -> dict[str, np.ndarray]:
    """Columns of this step's fine entrants: firms growing into a size class of the targeted
    strata, one in the place of each fine firm agent that died.

    Per entrant: its ``stratum`` (flat index of region x sector x size class, ``shape``), the
    real firms it stands for and its persons per firm. An entrant's id is keyed by (step,
    stratum, rank in the stratum); its cell is drawn by population, its knowledge is half a
    fresh initial vector (sector profile and regional base, as at set-up) and half the region's
    mean, its productivity around
    ``productivity`` of its region and sector (flat index region x sectors + sector: the
    incumbents' mean there).
    """
    _, n_sectors, n_sizes = shape
    order, k, most = _by_stratum(np.asarray(stratum, np.int64), int(np.prod(shape)))
    if most >= 1 << 12:
        raise ConfigError(
            "More than 4,095 entrant agents in one region, sector, size class and step: raise "
            "population.targeted_firms_per_agent or run.steps_per_year."
        )
    stratum, weight, jobs = stratum[order], weight[order], jobs[order]
    ids = entrant_ids(step, stratum, k)
    group, size = np.divmod(stratum, n_sizes)
    region, sector = np.divmod(group, n_sectors)
    total = len(ids)
    u = draws.uniform("entry.firm", step, ids, 1)
    z = draws.normal("entry.spread", step, ids, 2)
    cell = draw_cells(region, u[:, 0], context.region_cells)
    knowledge = _entrant_knowledge(
        sector,
        region,
        context.knowledge_base,
        context.regional_weight,
        draws.uniform("entry.knowledge", step, ids, KNOWLEDGE_DRAWS),
        local_knowledge,
    )
    return {
        "id": ids,
        "weight": weight,
        "fine": np.ones(total, bool),
        "alive": np.ones(total, bool),
        "cell": cell,
        "region": region,
        "country": context.region_country[region],
        "urban": context.cell_urban[cell],
        "sector": sector,
        "size": size.astype(np.int8),
        "knowledge": knowledge,
        "jobs": jobs,
        "productivity": productivity[group] * lognormal(z[:, 0], 0.3, ENTRANT_PRODUCTIVITY),
        "rd": mean_rd[region] * lognormal(z[:, 1], 0.5),
    }
