"""NSRModel: the Mesa model that builds the world and agents and orders the step (ODD 3).

One step is ``1 / run.steps_per_year`` years (a quarter by default); governments decide once a
year. Firm state lives in NumPy arrays (``self.firms``, ``self.links``) and every sub-model is
a call into ``nsrsim.rules``; random numbers are drawn in bulk here, from one stream per
sub-model spawned from the run's seed, and passed to the rules.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from nsrsim import policy
from nsrsim.agents import ClusterInitiative, Firm, RegionalGovernment
from nsrsim.config import Scenario, load_scenario, set_dotted, validate
from nsrsim.errors import ConfigError
from nsrsim.indicators import OUTCOMES, REGION_OUTCOMES, Aggregates, network_facts
from nsrsim.population import (
    SECTORS,
    EntryContext,
    cluster_table,
    country_index,
    draw_entrants,
    initiative_choice,
    place_firms,
    priorities,
    sector_mix,
    urban_codes,
)
from nsrsim.rules import clusters as cluster_rules
from nsrsim.rules import governance, innovation, learning, market, mobility, partnering
from nsrsim.state import RURAL, URBAN, Links
from nsrsim.world.world import World, cached_world

PROGRAMMES = ("OKS", "DE-DK", "DE-NL", "SE-NO", "SB")
PARTNERSHIP_LAPSE_RATE = 0.5  # 1/year: framework partnerships lapse once the framework is gone


@dataclass(frozen=True)
class Streams:
    """One random generator per sub-model, spawned from the run's seed (common random numbers:
    changing one sub-model's draws leaves the others' untouched).
    """

    init: np.random.Generator
    clusters: np.random.Generator
    partnering: np.random.Generator
    innovation: np.random.Generator
    market: np.random.Generator
    entry: np.random.Generator

    @classmethod
    def from_seed(cls, seed: int) -> "Streams":
        """Spawn the streams from ``numpy.random.SeedSequence(seed)``."""
        children = np.random.SeedSequence(seed).spawn(6)
        return cls(*(np.random.default_rng(child) for child in children))


def resolve_scenario(
    scenario: Scenario | str | Path | None, params: dict[str, Any], seed: int | None
) -> Scenario:
    """The scenario to run: a Scenario, a YAML path or the baseline defaults, with flat
    parameters (``partnering__decay_km`` or ``partnering.decay_km``) and the seed applied.
    """
    if scenario is None:
        base = Scenario(name="baseline")
    elif isinstance(scenario, Scenario):
        base = scenario
    else:
        base = load_scenario(scenario)
    if not params and seed is None:
        return base
    data = base.model_dump(mode="json")
    for key, value in params.items():
        dotted = key.replace("__", ".")
        if "." not in dotted:
            raise ConfigError(
                f"Model parameter '{key}' must name a block and a field, e.g. "
                "partnering__decay_km or run__years."
            )
        data = set_dotted(data, dotted, value)
    if seed is not None:
        data = set_dotted(data, "run.seed", int(seed))
    return validate(data, "model parameters")


class NSRModel(mesa.Model):
    """Transnational cluster cooperation in the North Sea Region.

    ``NSRModel()`` builds the baseline; ``NSRModel(scenario, rng=seed)`` any scenario, where
    ``scenario`` is a :class:`~nsrsim.config.Scenario` or a YAML path. Flat keyword parameters
    (``partnering__decay_km=200``) override fields, so ``mesa.batch_run`` works. Mesa's own
    ``self.scenario`` is the experimental Mesa Scenario that Mesa creates from the seed; the
    nsrsim scenario is ``self.config``.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: int | None = None,
        **params: Any,
    ) -> None:
        config = resolve_scenario(scenario, params, rng)
        super().__init__(rng=config.run.seed)
        self.config = config
        self.dt = 1.0 / config.run.steps_per_year
        self.streams = Streams.from_seed(config.run.seed)
        self.year = 0
        self.world: World = cached_world(config.world)
        self._init_regions()
        self._init_agents()
        self._open_projects: frozenset[str] | None = None
        self._update_travel()
        output = self._region_output()
        self.hotspot = np.zeros(len(self.region_codes), bool)
        self.hotspot[np.argsort(-output, kind="stable")[:3]] = True
        self.indicator_rows: list[dict[str, float]] = []
        self.region_rows: list[pd.DataFrame] = []
        self.snapshots: list[pd.DataFrame] = []
        self.policy_rows: list[dict[str, Any]] = []
        self.datacollector = mesa.DataCollector(
            model_reporters={
                name: (lambda m, n=name: m.latest_indicator(n))
                for name in (
                    "output_eur",
                    "innovations",
                    "links",
                    "cross_border_share",
                    "theil_gdp_per_head",
                )
            }
        )
        self._record_year()

    # ----------------------------------------------------------------------------------- setup
    def _init_regions(self) -> None:
        regions = self.world.regions
        pop = self.config.population
        self.region_codes: list[str] = list(regions.index)
        self.population = regions["population"].to_numpy(float)
        self.region_country = country_index(self.world)
        self.programmes = np.array(
            [
                sum(1 << PROGRAMMES.index(p) for p in str(codes).split(";") if p in PROGRAMMES)
                for codes in regions["interreg_a"]
            ],
            np.int64,
        )
        workforce = self.population * pop.employment_rate
        self.real_jobs0 = workforce * pop.business_share
        self.skilled = regions["tertiary_pct"].to_numpy(float) / 100.0 * workforce
        self.skilled0 = self.skilled.copy()
        self.workforce = workforce
        self.labour0 = self.real_jobs0 * (1.0 + self.config.market.labour_slack)
        self.migrated = 0.0  # skilled workers moved between regions so far
        cells = self.world.grid.cells.iloc[self.world.cells]
        region_of_cell = np.array([self.region_codes.index(r) for r in cells["region"]])
        self.cell_region = region_of_cell
        self.cell_urban = urban_codes(cells["urban_class"].to_numpy())
        self.cell_population = cells["population"].to_numpy(float) + 1.0
        urban_pop = np.bincount(
            region_of_cell,
            weights=np.where(cells["urban_class"].to_numpy() == "urban", self.cell_population, 0.0),
            minlength=len(self.region_codes),
        )
        self.urban_share = urban_pop / np.bincount(
            region_of_cell, weights=self.cell_population, minlength=len(self.region_codes)
        )

    def _init_agents(self) -> None:
        cfg = self.config
        self.mix = sector_mix(self.world, cfg.population.sector_mix)
        self.cluster_info = cluster_table(self.world, self.mix)
        self.firms = place_firms(self.world, cfg, self.cluster_info, self.mix, self.streams.init)
        self.links = Links.empty()
        agent_jobs = np.bincount(
            self.firms.region[: self.firms.n],
            weights=self.firms.jobs[: self.firms.n],
            minlength=len(self.region_codes),
        )
        self.scale = self.real_jobs0 / agent_jobs  # real firms per firm agent, per region
        info = self.cluster_info
        self.cluster_base = np.where(
            info.experienced, cfg.clusters.capacity_experienced, cfg.clusters.capacity_pioneering
        )
        self.cluster_funding = np.zeros(len(info.name))
        self.cluster_capacity = self.cluster_base.copy()
        self.cluster_partnership = np.zeros((len(info.name),) * 2, np.int8)
        self.cluster_country = self.region_country[info.region]
        self.cluster_complementarity = cluster_rules.complementarity(info.sector)
        self.priority_sectors = priorities(self.world, info, self.mix)
        n_regions = len(self.region_codes)
        self.priority_mask = np.zeros((n_regions, len(SECTORS)), bool)
        for reg, sectors in enumerate(self.priority_sectors):
            self.priority_mask[reg, [SECTORS.index(s) for s in sectors]] = True
        framework = cfg.framework
        self.eligible = (
            np.isin(self.region_codes, framework.regions or self.region_codes) & framework.enabled
        )
        self.commitment = np.zeros(n_regions)
        self.member = np.zeros(n_regions, bool)
        self.budget_eur = np.zeros(n_regions)
        self.spent_eur = np.zeros(n_regions)
        self.talent_bonus = np.zeros(n_regions)
        self.policy_budget_eur = np.zeros(len(cfg.policies))
        self.policy_spent_eur = np.zeros(len(cfg.policies))
        self.year_innovations = np.zeros(n_regions)
        self.year_investment = np.zeros(n_regions)
        self.last_innovations = np.zeros(n_regions)
        # Mesa agents: one Python object per firm is what Mesa's AgentSet needs; created once
        # here and then only for entrants.
        self.firm_agents: list[Firm] = [Firm(self, row) for row in range(self.firms.n)]
        self.cluster_agents = [
            ClusterInitiative(
                self,
                c,
                info.name[c],
                self.region_codes[info.region[c]],
                SECTORS[info.sector[c]],
                bool(info.experienced[c]),
                bool(info.generic[c]),
            )
            for c in range(len(info.name))
        ]
        self.government_agents = [
            RegionalGovernment(self, r, code, self.priority_sectors[r])
            for r, code in enumerate(self.region_codes)
        ]

    def _update_travel(self, opened_by_policy: frozenset[str] = frozenset()) -> None:
        """(Re)build the travel-time kernels when the set of open transport projects changes."""
        calendar = self.config.run.start_year + self.year
        projects = self.world.open_projects(calendar) | opened_by_policy
        if projects == self._open_projects:
            return
        self._open_projects = projects
        hours = self.world.travel_hours(projects)
        km = hours * np.float32(self.config.world.road_speed_kmh)
        cell_country = self.region_country[self.cell_region]
        cell_programmes = self.programmes[self.cell_region]
        institutional = partnering.institutional_weight(
            cell_country, cell_programmes, self.config.partnering
        )
        self.travel_h = hours
        self.proposal_kernel = partnering.proposal_kernel(km, institutional, self.config.partnering)
        self.spill_kernel = learning.SpilloverKernel(km, self.config.learning)
        hubs = self._region_hubs()
        self.region_km = km[np.ix_(hubs, hubs)].astype(np.float64)
        self.region_cross = self.region_country[:, None] != self.region_country[None, :]

    def _region_hubs(self) -> np.ndarray:
        """Position (in World.cells) of each region's most populous cell."""
        order = np.lexsort((-self.cell_population, self.cell_region))
        first = np.r_[True, np.diff(self.cell_region[order]) != 0]
        return order[first]

    # ------------------------------------------------------------------------------------ step
    def step(self) -> None:
        """One step, in the order of ODD section 3."""
        if self.steps_in_year == 0:
            self.governments_decide()
        self.clusters_act()
        self.firms_partner()
        self.firms_learn()
        self.firms_innovate()
        self.market_selects()
        self.workers_move()
        self.firms.age[self.firms.live()] += self.dt
        self.links.age += self.dt
        if self.steps_in_year == self.config.run.steps_per_year - 1:
            self.investment_flows()
            self.year += 1
            self._record_year()
            if self.year >= self.config.run.years:
                self.running = False

    @property
    def steps_in_year(self) -> int:
        """Steps already taken in the current year (0 at its start)."""
        return (self.steps - 1) % self.config.run.steps_per_year

    @property
    def framework_active(self) -> bool:
        """Whether the transnational framework runs this year."""
        fw = self.config.framework
        return fw.enabled and fw.start_year <= self.year < fw.start_year + fw.duration_years

    def governments_decide(self) -> None:
        """Yearly: framework commitment, budgets and subsidies, policy instruments, transport."""
        gov = self.config.governments
        fw = self.config.framework
        benefit = self._transnational_links_per_firm() if self.framework_active else None
        self.member, self.commitment = governance.framework_year(
            self.member,
            self.commitment,
            self.eligible,
            benefit,
            self.framework_active,
            self.year == fw.start_year,
            fw.binding,
            gov,
        )
        firms = self.firms
        live = firms.live()
        n = firms.n
        self.budget_eur = gov.budget_share_gdp * self._region_output()
        targeted = np.zeros(n, bool)
        targeted[live] = self.priority_mask[firms.region[live], firms.sector[live]]
        revenue = firms.jobs[:n] * firms.productivity[:n]
        boost, spent_rd = governance.rd_subsidy(
            self.budget_eur * gov.rd_subsidy_share,
            firms.region[:n],
            targeted,
            self.scale,
            revenue,
            gov,
        )
        info = self.cluster_info
        eligible = governance.eligible_clusters(self.priority_mask, info.region, info.sector)
        self.cluster_funding, spent_cl = governance.fund_clusters(
            self.budget_eur * (1.0 - gov.rd_subsidy_share), info.region, eligible
        )
        self.spent_eur = spent_rd + spent_cl
        instruments = policy.policy_year(
            self.config.policies,
            self.year,
            self.region_codes,
            live,
            firms.region[:n],
            firms.sector[:n],
            firms.urban[:n],
            firms.cluster[:n],
            revenue,
            self.scale,
            self.member,
            self.framework_active,
            info.region,
            info.sector,
            gov.additionality,
            self.config.instruments,
        )
        firms.rd_boost[:n] = boost + instruments.rd_boost
        firms.matchmaking[:n] = instruments.matchmaking
        firms.management[:n] = instruments.management
        firms.rural[:n] = instruments.rural
        self.cluster_funding = self.cluster_funding + instruments.cluster_funding
        self.cluster_capacity = cluster_rules.capacity(
            self.cluster_base, self.cluster_funding, self.config.clusters
        )
        self.talent_bonus = instruments.talent_bonus
        self.policy_budget_eur = instruments.budget_eur
        self.policy_spent_eur = instruments.spent_eur
        self._update_travel(instruments.open_projects)

    def clusters_act(self) -> None:
        """Initiatives recruit members and form (or lose) partnerships abroad."""
        rng = self.streams.clusters
        firms = self.firms
        live = firms.live()
        choice = initiative_choice(
            firms.region[live], firms.sector[live], self.cluster_info, rng.random(live.size)
        )
        firms.cluster[live] = cluster_rules.recruit(
            firms.cluster[live],
            choice,
            self.cluster_capacity,
            rng.random(live.size),
            self.config.clusters,
            self.dt,
        )
        cfg = self.config.clusters
        info = self.cluster_info
        n = len(info.name)
        abroad = self.cluster_country[:, None] != self.cluster_country[None, :]
        reach = (
            self.cluster_complementarity
            * np.outer(self.cluster_capacity, self.cluster_capacity)
            * abroad
        )
        prog = self.programmes[info.region]
        shared = (prog[:, None] & prog[None, :]) != 0
        kind = cluster_rules.form_partnerships(
            self.cluster_partnership,
            cfg.interreg_partnering_rate * reach * shared,
            rng.random((n, n)),
            cluster_rules.INTERREG,
            self.dt,
        )
        committed = self.member[info.region] & self.framework_active
        both = np.outer(committed, committed)
        kind = cluster_rules.form_partnerships(
            kind,
            cfg.framework_partnering_rate * reach * both,
            rng.random((n, n)),
            cluster_rules.FRAMEWORK,
            self.dt,
        )
        self.cluster_partnership = cluster_rules.lapse_partnerships(
            kind, both, rng.random((n, n)), PARTNERSHIP_LAPSE_RATE, self.dt
        ).astype(np.int8)

    def firms_partner(self) -> None:
        """Firms with free capacity search, propose and form links; links dissolve."""
        cfg = self.config.partnering
        rng = self.streams.partnering
        firms = self.firms
        n = firms.n
        live = firms.live()
        degree = self.links.degree(n)
        free = live[degree[live] < cfg.max_partners]
        rate = cfg.search_rate * (1.0 + firms.rural[free])  # rural inclusion: more searching
        searchers = free[rng.random(free.size) < -np.expm1(-rate * self.dt)]
        m = cfg.candidates
        draws = partnering.CandidateDraws(
            mix=rng.random((searchers.size, m)),
            cell=rng.random((searchers.size, m)),
            firm=rng.random((searchers.size, m)),
            priority=rng.random(searchers.size),
        )
        offsets, members = self._cluster_pools(live)
        candidates = partnering.sample_candidates(
            searchers,
            firms.cell,
            live,
            self.proposal_kernel,
            firms.cluster,
            offsets,
            members,
            partnering.adjacency(self.links.a, self.links.b, n),
            cfg.cluster_share,
            cfg.referral_share,
            draws,
        )
        safe = np.maximum(candidates, 0)
        distance = partnering.cognitive_distance(
            firms.knowledge[searchers][:, None, :], firms.knowledge[safe]
        )
        value = partnering.partner_value(distance, cfg.optimal_distance)
        absorptive = self._absorptive()
        cell_i = firms.cell[searchers][:, None]
        cell_j = firms.cell[safe]
        cross = firms.country[searchers][:, None] != firms.country[safe]
        pair_i = searchers[:, None]
        cut = self.config.instruments.max_cost_cut
        access = 1.0 - 0.5 * np.maximum(firms.rural[pair_i], firms.rural[safe])
        cost = partnering.link_cost(
            self.travel_h[cell_i, cell_j] * access,
            cross,
            self._matchmaking(pair_i, safe, cross),
            cut * np.maximum(firms.management[pair_i], firms.management[safe]),
            cfg,
        )
        new_a, new_b = partnering.choose_partners(
            searchers,
            candidates,
            absorptive[searchers][:, None] * value,
            absorptive[safe] * value,
            cost,
            np.sort(self.links.keys(n)),
            degree,
            n,
            cfg.max_partners,
            draws.priority,
        )
        self.links.keep(
            partnering.dissolve(rng.random(len(self.links)), cfg.dissolve_rate, self.dt)
        )
        self.links.add(new_a, new_b)

    def firms_learn(self) -> None:
        """Knowledge flows along links and spills over locally; knowledge depreciates."""
        firms = self.firms
        live = firms.live()
        absorptive = self._absorptive()
        k = firms.knowledge[: firms.n]
        gain = learning.learn_from_links(
            k,
            self.links.a,
            self.links.b,
            absorptive,
            self.config.partnering.optimal_distance,
            self.config.learning,
            self.dt,
        )
        gain += learning.local_spillovers(
            k, live, firms.cell, self.spill_kernel, absorptive, self.config.learning, self.dt
        )
        firms.knowledge[live] = np.clip(
            learning.depreciate(k[live] + gain[live], self.config.learning, self.dt), 0.0, 1.0
        )

    def firms_innovate(self) -> None:
        """Innovation events raise productivity; a few open new knowledge fields."""
        firms = self.firms
        live = firms.live()
        rng = self.streams.innovation
        degree = self.links.degree(firms.n)[live]
        rate = innovation.innovation_rate(
            firms.rd[live] + firms.rd_boost[live],
            firms.knowledge[live],
            degree,
            self.config.population.rd_reference,
            self.config.innovation,
        )
        draws = innovation.InnovationDraws(
            rng.random(live.size), rng.random(live.size), rng.random(live.size)
        )
        prod, know, innovated, _ = innovation.innovate(
            firms.productivity[live],
            firms.knowledge[live],
            rate,
            draws,
            self.config.innovation,
            self.dt,
        )
        firms.productivity[live] = prod
        firms.knowledge[live] = know
        firms.innovations[live] += innovated
        region = firms.region[live][innovated]
        self.year_innovations += np.bincount(
            region, weights=self.scale[region], minlength=len(self.region_codes)
        )

    def market_selects(self) -> None:
        """Replicator growth, exit with takeover of released jobs, entry, labour bound."""
        cfg = self.config.market
        firms = self.firms
        live = firms.live()
        n_groups = len(self.region_codes) * len(SECTORS)
        group = firms.region[live] * len(SECTORS) + firms.sector[live]
        local_mean = market.sector_mean_productivity(
            firms.jobs[live], firms.productivity[live], group, n_groups
        )
        sector_mean = market.sector_mean_productivity(
            firms.jobs[live], firms.productivity[live], firms.sector[live], len(SECTORS)
        )
        local = firms.productivity[live] / local_mean[group]
        jobs = market.replicate(firms.jobs[live], local, cfg, self.dt)
        out = market.exits(
            firms.productivity[live] / sector_mean[firms.sector[live]],
            jobs,
            self.streams.market.random(live.size),
            cfg,
            self.dt,
        )
        released = np.bincount(group[out], weights=jobs[out], minlength=n_groups)
        jobs[~out] = market.reallocate(jobs[~out], local[~out], group[~out], released)
        firms.jobs[live] = jobs
        self._remove_firms(live[out])
        self._enter_firms(sector_mean)
        live = firms.live()
        labour = self.labour0 * self.skilled / self.skilled0
        firms.jobs[live] = market.cap_to_labour(
            firms.jobs[live], firms.region[live], self.scale, labour
        )

    def workers_move(self) -> None:
        """Skilled workers move toward attractive regions (flows conserve their total)."""
        cfg = self.config.mobility
        productivity = self._region_productivity()
        firms_r = self._region_firms()
        per_firm = np.divide(
            self.last_innovations, firms_r, out=np.zeros_like(firms_r), where=firms_r > 0
        )
        mean = per_firm.mean() if per_firm.mean() > 0 else 1.0
        utility = self.talent_bonus + mobility.attractiveness(
            productivity / productivity.mean(), per_firm / mean, self.urban_share, cfg
        )
        flows = mobility.migration_flows(
            self.skilled, utility, self.region_km, self.region_cross, cfg, self.dt
        )
        self.skilled = mobility.apply_flows(self.skilled, flows)
        self.migrated += float(flows.sum())

    def investment_flows(self) -> None:
        """Yearly: mobile investment goes to initiatives with critical mass and lifts members'
        productivity.
        """
        cfg = self.config.mobility
        firms = self.firms
        live = firms.live()
        members = live[firms.cluster[live] >= 0]
        cluster = firms.cluster[members]
        real_jobs = firms.jobs[members] * self.scale[firms.region[members]]
        n_clusters = len(self.cluster_info.name)
        mass = np.bincount(cluster, weights=real_jobs, minlength=n_clusters)
        output = np.bincount(
            cluster, weights=real_jobs * firms.productivity[members], minlength=n_clusters
        )
        pool = cfg.investment_share * self._region_output().sum()
        invested = mobility.allocate_investment(pool, mass, cfg)
        lift = np.divide(invested, output, out=np.zeros(n_clusters), where=output > 0)
        firms.productivity[members] *= 1.0 + cfg.investment_return * lift[cluster]
        self.year_investment = np.bincount(
            self.cluster_info.region, weights=invested, minlength=len(self.region_codes)
        )

    # ------------------------------------------------------------------------------- helpers
    def _absorptive(self) -> np.ndarray:
        firms = self.firms
        skilled_share = self.skilled / self.workforce
        return learning.absorptive_capacity(
            firms.rd[: firms.n] + firms.rd_boost[: firms.n],
            skilled_share[firms.region[: firms.n]],
            self.config.population.rd_reference,
        )

    def _matchmaking(self, i: np.ndarray, j: np.ndarray, cross: np.ndarray) -> np.ndarray:
        """Share of a cross-border link's variable cost removed: by the framework for cluster
        members of committed regions while it runs, and by matchmaking instruments (the weaker
        side's effect counts), whichever is larger.
        """
        firms = self.firms
        funded = self.config.instruments.max_cost_cut * np.minimum(
            firms.matchmaking[i], firms.matchmaking[j]
        )
        framework = np.zeros(cross.shape)
        if self.framework_active:
            inside = (firms.cluster >= 0) & self.member[firms.region]
            framework = np.where(inside[i] & inside[j], self.config.framework.cost_reduction, 0.0)
        return np.where(cross, np.maximum(framework, funded), 0.0)

    def _cluster_pools(self, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """CSR pools per initiative: its members and its partner initiatives' members."""
        firms = self.firms
        members = live[firms.cluster[live] >= 0]
        by_cluster = members[np.argsort(firms.cluster[members], kind="stable")]
        n = len(self.cluster_info.name)
        counts = np.bincount(firms.cluster[members], minlength=n)
        starts = np.r_[0, np.cumsum(counts)]
        pools = []
        linked = (self.cluster_partnership != 0) | np.eye(n, dtype=bool)
        for c in range(n):  # dozens of initiatives: an obvious loop, not a per-firm one
            parts = [by_cluster[starts[p] : starts[p + 1]] for p in np.flatnonzero(linked[c])]
            pools.append(np.concatenate(parts) if parts else np.empty(0, np.int64))
        offsets = np.r_[0, np.cumsum([len(p) for p in pools])]
        return offsets, (np.concatenate(pools) if pools else np.empty(0, np.int64))

    def _remove_firms(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        self.firms.alive[rows] = False
        dead = ~self.firms.alive
        self.links.keep(~(dead[self.links.a] | dead[self.links.b]))
        for row in rows:  # Mesa agents are Python objects; exits are few per step
            self.firm_agents[row].remove()

    def _enter_firms(self, sector_mean: np.ndarray) -> None:
        firms = self.firms
        live = firms.live()
        n_regions = len(self.region_codes)
        firms_r = self._region_firms_agents()
        innov = np.divide(
            self.last_innovations, self._region_firms(), out=np.zeros(n_regions), where=firms_r > 0
        )
        relative = innov / innov.mean() if innov.mean() > 0 else np.ones_like(innov)
        expected = market.expected_entrants(
            firms_r, relative, self.skilled / self.skilled0, self.config.market, self.dt
        )
        count = np.maximum(np.bincount(firms.region[live], minlength=n_regions), 1)
        mean_rd = (
            np.bincount(firms.region[live], weights=firms.rd[live], minlength=n_regions) / count
        )
        local = np.stack(
            [
                np.bincount(
                    firms.region[live], weights=firms.knowledge[live, f], minlength=n_regions
                )
                for f in range(firms.knowledge.shape[1])
            ],
            axis=1,
        )
        entrants = draw_entrants(
            self.streams.entry,
            expected,
            self.entry_context(),
            mean_rd,
            local / count[:, None],
            sector_mean,
            self.config.market.entrant_jobs,
        )
        if entrants is not None:
            rows = firms.append(**entrants)
            self.firm_agents.extend(Firm(self, row) for row in rows)  # entrants only

    def entry_context(self) -> EntryContext:
        """The static facts entrants are drawn from."""
        return EntryContext(
            self.cell_region, self.cell_population, self.cell_urban, self.mix, self.region_country
        )

    def _region_output(self) -> np.ndarray:
        firms = self.firms
        live = firms.live()
        region = firms.region[live]
        return np.bincount(
            region,
            weights=firms.jobs[live] * firms.productivity[live] * self.scale[region],
            minlength=len(self.region_codes),
        )

    def _region_jobs(self) -> np.ndarray:
        firms = self.firms
        live = firms.live()
        region = firms.region[live]
        return np.bincount(
            region, weights=firms.jobs[live] * self.scale[region], minlength=len(self.region_codes)
        )

    def _region_productivity(self) -> np.ndarray:
        jobs = self._region_jobs()
        return np.divide(self._region_output(), jobs, out=np.zeros_like(jobs), where=jobs > 0)

    def _region_firms_agents(self) -> np.ndarray:
        live = self.firms.live()
        return np.bincount(self.firms.region[live], minlength=len(self.region_codes)).astype(float)

    def _region_firms(self) -> np.ndarray:
        return self._region_firms_agents() * self.scale

    def _transnational_links_per_firm(self) -> np.ndarray:
        """Links per firm agent to firms in other countries outside a shared INTERREG A area."""
        firms = self.firms
        ra, rb = firms.region[self.links.a], firms.region[self.links.b]
        transnational = (self.region_country[ra] != self.region_country[rb]) & (
            (self.programmes[ra] & self.programmes[rb]) == 0
        )
        count = np.bincount(ra[transnational], minlength=len(self.region_codes)) + np.bincount(
            rb[transnational], minlength=len(self.region_codes)
        )
        return count / np.maximum(self._region_firms_agents(), 1.0)

    # ----------------------------------------------------------------------------- recording
    def aggregates(self) -> Aggregates:
        """Condense the current state into per-region totals and network facts."""
        firms = self.firms
        live = firms.live()
        n_regions = len(self.region_codes)
        region = firms.region[live]
        real_jobs = firms.jobs[live] * self.scale[region]
        output = real_jobs * firms.productivity[live]
        urban = firms.urban[live]
        a, b = self.links.a, self.links.b
        ra, rb = firms.region[a], firms.region[b]
        cross = self.region_country[ra] != self.region_country[rb]
        transnational = cross & ((self.programmes[ra] & self.programmes[rb]) == 0)
        ua, ub = firms.urban[a], firms.urban[b]
        urban_rural = ((ua == URBAN) & (ub == RURAL)) | ((ua == RURAL) & (ub == URBAN))
        clustering, giant = network_facts(a, b, live, firms.n)
        per_region_links = np.bincount(ra, minlength=n_regions) + np.bincount(
            rb[ra != rb], minlength=n_regions
        )
        cross_links = np.bincount(ra[cross], minlength=n_regions) + np.bincount(
            rb[cross], minlength=n_regions
        )
        return Aggregates(
            output_eur=np.bincount(region, weights=output, minlength=n_regions),
            jobs=np.bincount(region, weights=real_jobs, minlength=n_regions),
            firms=np.bincount(region, minlength=n_regions) * self.scale,
            innovations=self.year_innovations.copy(),
            skilled=self.skilled.copy(),
            investment_eur=self.year_investment.copy(),
            population=self.population,
            links=per_region_links,
            cross_border_links=cross_links,
            commitment=self.commitment.copy(),
            member=self.member.copy(),
            budget_eur=self.budget_eur.copy(),
            spent_eur=self.spent_eur.copy(),
            policy_budget_eur=float(self.policy_budget_eur.sum()),
            policy_spent_eur=float(self.policy_spent_eur.sum()),
            hotspot=self.hotspot,
            urban_output=float(output[urban == URBAN].sum()),
            urban_jobs=float(real_jobs[urban == URBAN].sum()),
            rural_output=float(output[urban == RURAL].sum()),
            rural_jobs=float(real_jobs[urban == RURAL].sum()),
            n_links=len(a),
            n_cross_border=int(cross.sum()),
            n_transnational=int(transnational.sum()),
            n_urban_rural=int(urban_rural.sum()),
            clustering=clustering,
            giant_share=giant,
        )

    def latest_indicator(self, name: str) -> float:
        """The most recent yearly value of an indicator (for Mesa's DataCollector)."""
        return self.indicator_rows[-1][name]

    def _record_year(self) -> None:
        agg = self.aggregates()
        row = {"year": self.year, "calendar_year": self.config.run.start_year + self.year}
        row.update({o.name: o.compute(agg) for o in OUTCOMES})
        self.indicator_rows.append(row)
        regional = pd.DataFrame({name: f(agg) for name, f in REGION_OUTCOMES.items()})
        regional.insert(0, "region", self.region_codes)
        regional.insert(0, "year", self.year)
        self.region_rows.append(regional)
        if self.year in self.config.run.snapshot_years:
            self.snapshots.append(self.firm_table())
        for i, instrument in enumerate(self.config.policies):
            if self.year > 0:  # money of the year just ended
                self.policy_rows.append(
                    {
                        "year": self.year - 1,
                        "instrument": i,
                        "name": instrument.name or instrument.kind,
                        "kind": instrument.kind,
                        "budget_eur": self.policy_budget_eur[i],
                        "spent_eur": self.policy_spent_eur[i],
                    }
                )
        self.last_innovations = self.year_innovations
        self.year_innovations = np.zeros(len(self.region_codes))
        if hasattr(self, "datacollector"):
            self.datacollector.collect(self)

    def firm_table(self) -> pd.DataFrame:
        """Every live firm's state now, one row per firm agent."""
        firms = self.firms
        live = firms.live()
        cells = self.world.grid.cells.iloc[self.world.cells[firms.cell[live]]]
        degree = self.links.degree(firms.n)[live]
        table = pd.DataFrame(
            {
                "year": self.year,
                "firm": live,
                "region": np.asarray(self.region_codes)[firms.region[live]],
                "sector": [SECTORS[s].value for s in firms.sector[live]],
                "urban_class": cells["urban_class"].to_numpy(),
                "lon": cells["lon"].to_numpy(),
                "lat": cells["lat"].to_numpy(),
                "jobs": firms.jobs[live],
                "real_firms": self.scale[firms.region[live]],
                "productivity_eur": firms.productivity[live],
                "rd_share": firms.rd[live] + firms.rd_boost[live],
                "age": firms.age[live],
                "cluster": firms.cluster[live],
                "partners": degree,
                "innovations": firms.innovations[live],
                "knowledge_mean": firms.knowledge[live].mean(axis=1),
            }
        )
        return table

    def link_table(self) -> pd.DataFrame:
        """The partner network now: one row per link with both firms' regions and countries."""
        firms = self.firms
        a, b = self.links.a, self.links.b
        codes = np.asarray(self.region_codes)
        countries = np.asarray(sorted(self.world.regions["country"].unique()))
        ra, rb = firms.region[a], firms.region[b]
        return pd.DataFrame(
            {
                "firm_a": a,
                "firm_b": b,
                "age": self.links.age,
                "region_a": codes[ra],
                "region_b": codes[rb],
                "country_a": countries[self.region_country[ra]],
                "country_b": countries[self.region_country[rb]],
                "cross_border": self.region_country[ra] != self.region_country[rb],
                "shared_interreg_a": (self.programmes[ra] & self.programmes[rb]) != 0,
            }
        )
