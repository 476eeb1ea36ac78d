"""NSRModel: the Mesa model that builds the world and agents and orders the step (ODD 3).

One step is ``1 / run.steps_per_year`` years (a quarter by default); governments decide once a
year. Firm state lives in NumPy arrays (``self.firms``, ``self.links``) and every sub-model is
a call into ``nsrsim.rules`` (instruments: ``nsrsim.policy``, totals: ``nsrsim.accounts``).
Every random number is keyed by (seed, stream, step, firm id) (:mod:`nsrsim.random`), so two
scenarios give each firm the same draws whatever happens elsewhere.
"""

import copy
import math
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from nsrsim import accounts, policy
from nsrsim.agents import ClusterInitiative, Firm, RegionalGovernment
from nsrsim.config import Scenario, load_scenario, set_dotted, validate
from nsrsim.errors import ConfigError
from nsrsim.indicators import OUTCOMES, area_columns
from nsrsim.population import (
    ENTRANT_PRODUCTIVITY,
    SECTORS,
    SIZE_CLASSES,
    PlacementContext,
    draw_entrants,
    knowledge_base,
    place_firms,
    region_cell_cdf,
    regional_means,
    sample_design,
    urban_codes,
)
from nsrsim.random import DrawLog, KeyedRandom, pair_keys, poisson_ppf
from nsrsim.rules import clusters as cluster_rules
from nsrsim.rules import governance, innovation, learning, market, mobility, partnering
from nsrsim.rules.cell_sampler import MAX_ROUNDS, CellSampler
from nsrsim.state import SURVEY_YEARS, FirmArrays, Links
from nsrsim.world import facts
from nsrsim.world.regions import Regions
from nsrsim.world.world import World, cached_world

SLOTS_PER_FIRM, SLOTS_PER_CELL = 1, 1  # partner-search slots per initial firm and per cell


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


_BLAS_LIMIT: list[threadpool_limits] = []


def one_blas_thread() -> None:
    """Run BLAS (NumPy's matrix products) on one thread in any process that builds a model:
    a product's sums then come in one order on every backend (joblib's workers already run
    one thread; the main process would run one per core, and the last bit of a sum would
    depend on where a run ran).
    """
    if not _BLAS_LIMIT:
        _BLAS_LIMIT.append(threadpool_limits(limits=1, user_api="blas"))


PLACED_KEPT = 4  # initial populations a process keeps (an analysis's replicate seeds)
_PLACED: dict[tuple, FirmArrays] = {}


class NSRModel(mesa.Model):
    """Transnational cluster cooperation in the North Sea Region.

    ``NSRModel()`` builds the baseline; ``NSRModel(scenario, rng=seed)`` any scenario, where
    ``scenario`` is a :class:`~nsrsim.config.Scenario` or a YAML path. Flat keyword parameters
    (``partnering__decay_km=200``) override fields, so ``mesa.batch_run`` works. ``draw_log``
    records every random draw (for tests that compare two scenarios' draws). Mesa's own
    ``self.scenario`` is the experimental Mesa Scenario that Mesa creates from the seed; the
    nsrsim scenario is ``self.config``.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: int | None = None,
        draw_log: DrawLog | None = None,
        **params: Any,
    ) -> None:
        config = resolve_scenario(scenario, params, rng)
        one_blas_thread()
        super().__init__(rng=config.run.seed)
        self.config = config
        # the most real firm pairs one link stands for: the firm resolution
        self.pair_firms = float(config.population.targeted_firms_per_agent)
        self.draws = KeyedRandom(config.run.seed, draw_log)
        self.year = -config.run.burn_in_years  # negative while the burn-in runs
        self.world: World = cached_world(config.world)
        self._step_terms: tuple[np.ndarray, np.ndarray] | None = None  # see effort_terms
        self._init_regions()
        self._init_agents()
        self.opened_projects: set[str] = set()  # by infrastructure instruments, for good
        self._open_projects: frozenset[str] | None = None
        self._update_travel()
        self.indicator_rows: list[dict[str, float]] = []
        # yearly columns, stacked into tables at the end (accounts.stack)
        self.region_rows: list[dict[str, np.ndarray]] = []
        self.class_rows: list[dict[str, np.ndarray]] = []
        self.panel_rows: list[dict[str, np.ndarray]] = []
        self.snapshots: list[pd.DataFrame] = []
        self.policy_rows: list[dict[str, Any]] = []
        self.participant_rows: list[dict[str, Any]] = []  # per instrument call (Ledger.rows)
        self._cell_orders_of: np.ndarray | None = None  # the live rows of _cell_orders
        self._cell_orders: dict[int, tuple[np.ndarray, np.ndarray]] = {}
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
        self._burn_in()

    POLICY_FIELDS = frozenset({"name", "description", "framework", "policies"})

    def shares_year_zero(self, scenario: Scenario) -> bool:
        """Whether ``scenario`` differs from this model's only in its policy (name,
        description, framework, own instruments): then its state at year 0 is this model's,
        since neither acts in the burn-in.
        """
        mine, other = self.config.model_dump(), scenario.model_dump()
        return all(mine[k] == other[k] for k in mine if k not in self.POLICY_FIELDS)

    def with_policy(self, scenario: Scenario) -> "NSRModel":
        """A copy of this model, at year 0, running ``scenario``'s policy from here: what
        ``NSRModel(scenario)`` would be, without computing the same set-up and burn-in again
        (the arms of a pair share them). Only the policy's own state is set afresh.
        """
        if self.year != 0 or not self.shares_year_zero(scenario):
            raise ValueError("with_policy needs a model at year 0 and a scenario that differs "
                             "only in its policy")  # fmt: skip
        twin = copy.deepcopy(self, {id(kept): kept for kept in self._never_changed()})
        twin.config = scenario
        framework = scenario.framework
        twin.eligible = (
            np.isin(twin.region_codes, framework.regions or twin.region_codes) & framework.enabled
        )
        twin.instruments = [*scenario.programmes, *scenario.policies]
        twin.ledger = policy.Ledger(len(twin.instruments))
        twin.carry = np.zeros(len(twin.instruments))
        return twin

    def _never_changed(self) -> list[Any]:
        """What a twin shares with this model instead of copying: the world (with its travel
        times and what is derived from it), the regions and the partner-search kernels and
        samplers, which are replaced when travel changes, never changed in place; and the
        scenario, which is immutable (the twin's own replaces it: copying it was a third of
        the twin's cost).
        """
        return [
            self.config,
            self.world,
            self.regions,
            self.travel_h,
            self.proposal_kernel,
            self.cell_sampler,
            *self._scope_samplers.values(),
        ]

    # ----------------------------------------------------------------------------------- setup
    def _init_regions(self) -> None:
        regions = self.world.regions
        pop = self.config.population
        self.regions = self.world.derived("regions", Regions.of)
        self.region_codes: list[str] = list(self.regions.codes)
        self.population = regions["population"].to_numpy(float)
        self.population0 = self.population.copy()
        self.countries = countries = list(self.regions.countries)
        self.region_country = self.regions.country
        culture = self.config.partnering.search_culture
        self.search_culture = np.array([culture.get(c, 1.0) for c in countries])
        self.programmes = self.regions.programmes
        self.interreg_tie = self.regions.interreg_tie
        workforce = self.population * pop.employment_rate
        self.real_jobs0 = workforce * pop.business_share
        self.skilled = regions["tertiary_pct"].to_numpy(float) / 100.0 * workforce
        self.skilled0 = self.skilled.copy()
        self.workforce = workforce
        self.labour0 = self.real_jobs0 * (1.0 + self.config.market.labour_slack)
        self.migrated = 0.0  # skilled workers moved between regions so far
        # rise of each region's skilled workforce by graduates replacing retirees
        self.graduated = np.zeros(len(self.region_codes))
        tertiary = facts.tertiary().loc[regions["country"]]
        now = tertiary["share_25_64_2021_pct"].to_numpy(float)
        self.tertiary_trend = (now - tertiary["share_25_64_2012_pct"].to_numpy(float)) / 900.0
        self.tertiary_gap = (tertiary["share_25_34_2021_pct"].to_numpy(float) - now) / 100.0
        self.recruited = 0.0  # skilled workers brought into the corridor by instruments
        gdp = self.population * regions["gdp_pc_pps_pct_eu27"].to_numpy(float)
        self.hotspot = np.zeros(len(self.region_codes), bool)
        self.hotspot[np.argsort(-gdp, kind="stable")[:3]] = True  # from data, not a run
        cells = self.world.grid.cells.iloc[self.world.cells]
        self.cell_region = self.regions.cell_region
        self.cell_population = self.regions.cell_population
        urban = cells["urban_class"].to_numpy() == "urban"
        n = len(self.region_codes)
        self.urban_share = np.bincount(
            self.cell_region, weights=np.where(urban, self.cell_population, 0.0), minlength=n
        ) / np.bincount(self.cell_region, weights=self.cell_population, minlength=n)
        self.region_cells = region_cell_cdf(self.cell_region, self.cell_population, n)
        self.cell_urban_class = cells["urban_class"].to_numpy()
        self.cell_urban = urban_codes(self.cell_urban_class)
        self.cell_lon, self.cell_lat = cells["lon"].to_numpy(), cells["lat"].to_numpy()

    def _initial_firms(self) -> FirmArrays:
        """The initial firms (:func:`~nsrsim.population.place_firms`): the same for every
        scenario with the same world, population, regional knowledge weight and seed, so a
        process keeps the last few and hands out copies (an analysis's design points share
        them within a replicate). A run that logs its draws takes them itself.
        """
        if self.draws.log is not None:
            return place_firms(self.strata, self.placement, self.draws)
        cfg = self.config
        key = (
            cfg.world.model_dump_json(),
            cfg.population.model_dump_json(),
            cfg.learning.regional_base,
            cfg.run.seed,
        )
        if key not in _PLACED:
            if len(_PLACED) >= PLACED_KEPT:
                _PLACED.pop(next(iter(_PLACED)))  # the oldest
            _PLACED[key] = place_firms(self.strata, self.placement, self.draws)
        return _PLACED[key].copy()

    def _init_agents(self) -> None:
        cfg = self.config
        n_regions = len(self.region_codes)
        design = sample_design(cfg)
        regions, pop = self.world.regions, cfg.population
        self.placement = PlacementContext(
            cell_region=self.cell_region,
            cell_urban=self.cell_urban,
            region_cells=self.region_cells,
            region_country=self.region_country,
            gdp_per_job=regions["gdp_pc_pps_pct_eu27"].to_numpy()
            / 100.0
            * pop.eu27_gdp_per_head_eur
            / pop.employment_rate,
            # business R&D over the business economy's share of GDP: R&D per EUR of revenue
            rd_share=regions["berd_pct_gdp"].to_numpy() / 100.0 / pop.business_share,
            knowledge_base=knowledge_base(design.mix),
            regional_weight=cfg.learning.regional_base,
        )
        self.mix = design.mix
        self.cluster_info = info = design.clusters
        self.priority_sectors = design.priority_sectors
        self.priority_mask = design.priority_mask
        # the initiatives the regions fund: fixed by the priority sectors, so found once
        self.funded_clusters = governance.eligible_clusters(
            self.priority_mask, info.region, info.sector
        )
        self.strata = design.strata
        self.firms: FirmArrays = self._initial_firms()
        self.start_job_share = self._start_job_shares()  # of a cohort in its region-sector
        self._init_demography()
        self.links = Links.empty()
        # firm slots per cell of the partner-search proposal (rules/cell_sampler.py): fixed from
        # the initial population, identical in every scenario of a comparison
        start = np.bincount(self.firms.cell[self.firms.live()], minlength=len(self.cell_region))
        self.cell_slots = SLOTS_PER_FIRM * start + SLOTS_PER_CELL
        self._scope_samplers: dict[str, CellSampler] = {}
        self.cluster_base = np.where(
            info.experienced, cfg.clusters.capacity_experienced, cfg.clusters.capacity_pioneering
        )
        self.cluster_funding = np.zeros(len(info.name))
        self.cluster_capacity = self.cluster_base.copy()
        self._init_recruitment()
        self._calibrate_propensity()
        self.cluster_partnership = np.zeros((len(info.name),) * 2, np.int8)
        self.cluster_country = self.region_country[info.region]
        self.cluster_complementarity = cluster_rules.complementarity(
            info.sector, cfg.clusters.related_complementarity
        )
        n_clusters = len(info.name)
        self.cluster_pairs = (  # keys of the initiative pairs, abroad, sharing INTERREG A
            np.arange(n_clusters * n_clusters).reshape(n_clusters, n_clusters),
            self.cluster_country[:, None] != self.cluster_country[None, :],
            self.interreg_tie[np.ix_(info.region, info.region)],
        )
        framework = cfg.framework
        self.eligible = (
            np.isin(self.region_codes, framework.regions or self.region_codes) & framework.enabled
        )
        self.commitment = np.zeros(n_regions)
        self.member = np.zeros(n_regions, bool)
        self.budget_eur = np.zeros(n_regions)
        self.spent_eur = np.zeros(n_regions)
        self.framework_budget_eur = 0.0
        self.framework_spent_eur = 0.0
        self.framework_partnership_years = 0.0
        self.framework_slots = 0
        self.instruments = [*cfg.programmes, *cfg.policies]
        self.ledger = policy.Ledger(len(self.instruments))
        self._fixed_absorptive: np.ndarray | None = None  # see governments_decide and step
        self.carry = np.zeros(len(self.instruments))  # unspent instrument money, carried on
        self.served: dict[int, np.ndarray] = {}
        self.year_innovations = np.zeros(n_regions)
        self.year_innovations_class = np.zeros(3)
        self.year_investment = np.zeros(n_regions)
        self.last_innovations = np.zeros(n_regions)
        self.year_births = np.zeros(n_regions)  # real firms born and died this year
        self.year_deaths = np.zeros(n_regions)
        self.year_links_formed = 0.0  # real partner relations formed this year
        # Mesa agents: one Python object per live firm is what Mesa's AgentSet needs. The
        # rules never read them, so they are made when Mesa's collections are read (see
        # firm_agents), not for every entrant of every step of a batch run.
        self._firm_views: dict[int, Firm] = {}
        self._viewed_rows = 0  # rows below this have had their chance of a view
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

    def _start_job_shares(self) -> np.ndarray:
        """Each initial agent's share of its region-sector's real jobs at the start."""
        firms = self.firms
        n = firms.n
        group = firms.region[:n].astype(np.int64) * len(SECTORS) + firms.sector[:n]
        real_jobs = firms.weight[:n] * firms.jobs[:n]
        return real_jobs / np.bincount(group, weights=real_jobs)[group]

    def _init_demography(self) -> None:
        """Each region's yearly death hazards (micro firms, firms of 10+ persons) and birth rate
        from its country's business demography (``business_demography.csv``).
        """
        death_pct, birth_pct, micro_share = facts.country_demography(
            tuple(self.world.regions["country"])
        )
        cfg = self.config.market
        death_rate = death_pct / 100.0
        self.micro_hazard, self.large_hazard = market.death_hazards(death_rate, micro_share, cfg)
        self.birth_rate = cfg.birth_rate_scale * birth_pct / 100.0
        # in the burn-in births equal deaths: each country keeps today's number of firms
        self.settling_birth_rate = cfg.death_rate_scale * death_rate

    def _burn_in(self) -> None:
        """Run the years before year 0: the network, knowledge, memberships and the size of
        every cohort settle under today's rules (regional budgets, cluster funding and today's
        programmes, INTERREG A) with no policy or framework, which act from year 0 on. Every
        scenario with the same programmes consumes the same keyed draws here, so two scenarios
        are identical at year 0 (exact pairs).
        """
        if self.year == 0:  # no burn-in: year 0 is the initial sample
            self._record_year()
            return
        # burn-in steps count up to 0 outside Mesa's clock, so Mesa's step count and time are
        # 0 at year 0 and every step of the run has its own keyed draws
        self.steps = self.year * self.steps_per_year
        while self.year < 0:
            self.steps += 1
            NSRModel.step(self)
        self.carry[:] = 0.0  # the programmes' budgets start afresh at year 0
        self._calibrate_propensity()

    def _update_travel(self) -> None:
        """(Re)build the travel-time kernels when the set of open transport projects changes."""
        calendar = self.config.run.start_year + self.year
        projects = self.world.open_projects(calendar) | frozenset(self.opened_projects)
        if projects == self._open_projects:
            return
        self._open_projects = projects
        hours = self.world.travel_hours(projects)
        km = hours * np.float32(self.config.world.road_speed_kmh)
        self.travel_h = hours
        self.proposal_kernel = partnering.proposal_kernel(
            km,
            self.region_country[self.cell_region],
            self.programmes[self.cell_region],
            self.config.partnering,
        )
        self.cell_sampler = CellSampler(self.proposal_kernel, self.cell_slots)
        self.spill_kernel = learning.SpilloverKernel(km, self.config.learning)
        hubs = self.region_hubs()
        self.region_km = km[np.ix_(hubs, hubs)].astype(np.float64)
        self.region_cross = self.region_country[:, None] != self.region_country[None, :]
        self.migration_terms = mobility.MigrationTerms.of(
            self.region_km, self.region_cross, self.config.mobility
        )

    # ------------------------------------------------------------------------- Mesa agents
    @property
    def firm_agents(self) -> dict[int, Firm]:
        """Mesa's view of each live firm, by row.

        Views are made for the rows that entered since the last read of this or of Mesa's
        agent collections, so that Mesa's AgentSet, DataCollector and visualisation see every
        live firm while batch runs, which never read them, make none (making and removing each
        entrant's view cost ~5 % of a run at the analysis resolution).
        """
        self._views_made()
        return self._firm_views

    def _views_made(self) -> None:
        if "_firm_views" not in self.__dict__:  # Mesa's set-up reads its collections first
            return
        firms = self.firms
        for row in range(self._viewed_rows, firms.n):
            if firms.alive[row]:
                self._firm_views[row] = Firm(self, row)
        self._viewed_rows = firms.n

    @property
    def agents(self) -> Any:
        """Mesa's set of all agents (the firms' views brought up to date first)."""
        self._views_made()
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's agents by type (the firms' views brought up to date first)."""
        self._views_made()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Mesa's agent types (Firm among them once a firm lives)."""
        self._views_made()
        return super().agent_types

    def region_hubs(self) -> np.ndarray:
        """Position (in World.cells) of each region's most populous cell."""
        return self.regions.hubs

    # ------------------------------------------------------------------------------------ step
    def step(self) -> None:
        """One step, in the order of ODD section 3."""
        if self.steps_in_year == 0:
            self._reset_year()
            self.governments_decide()
        self.clusters_act()
        # what R&D, subsidies, jobs and skills set is held from the partner search to
        # innovation: none of them changes in between
        self._step_terms, self._fixed_absorptive = self.effort_terms(), self.absorptive()
        self.firms_partner()
        self.firms_learn()
        self.firms_innovate()
        self._step_terms = self._fixed_absorptive = None
        self.market_selects()
        self.workers_move()
        self.firms.age[self.firms.live()] += self.dt
        self.links.age += self.dt
        if self.steps_in_year == self.steps_per_year - 1:
            self.investment_flows()
            # a burn-in year that leaves the survey window before year 0's record is not read
            counts = accounts.remember_partners(self) if self.year >= -SURVEY_YEARS else None
            self.year += 1
            if self.year == 0:  # the end of the burn-in: cumulative counts start now
                self.firms.innovations[: self.firms.n] = 0
            if self.year >= 0:
                self._record_year(counts)
            if self.year >= self.config.run.years:
                self.running = False

    @property
    def steps_per_year(self) -> int:
        """Steps in the current year: ``run.burn_in_steps_per_year`` (if set) in the burn-in,
        where it may be coarser, else ``run.steps_per_year``.
        """
        run = self.config.run
        if self.year < 0 and run.burn_in_steps_per_year:
            return run.burn_in_steps_per_year
        return run.steps_per_year

    @property
    def dt(self) -> float:
        """Length of a step in the current year [years]."""
        return 1.0 / self.steps_per_year

    @property
    def steps_in_year(self) -> int:
        """Steps already taken in the current year (0 at its start)."""
        return (self.steps - 1) % self.steps_per_year

    @property
    def framework_active(self) -> bool:
        """Whether the transnational framework runs this year: it exists, it is within its
        years, and its budget pays its secretariat.
        """
        fw = self.config.framework
        return (
            fw.enabled
            and fw.start_year <= self.year < fw.start_year + fw.duration_years
            and fw.budget_eur_per_year >= fw.secretariat_eur_per_year
        )

    def governments_decide(self) -> None:
        """Yearly: framework commitment and money, regional budgets (R&D projects, cluster
        management), the policy instruments, transport projects.
        """
        gov = self.config.governments
        fw = self.config.framework
        active = self.framework_active
        # R&D boosts of the projects that still run this year: a project that ended last year
        # no longer raises its firm's R&D when applicants are ranked by fit
        self.firms.rd_boost[: self.firms.n] = policy.rd_boost(
            self.firms, self.year, gov.additionality
        )
        benefit = accounts.framework_benefit(self) if active else None
        self.member, self.commitment = governance.framework_year(
            self.member,
            self.commitment,
            self.eligible,
            benefit,
            active,
            self.year == fw.start_year,
            fw.binding,
            gov,
        )
        self.framework_budget_eur = fw.budget_eur_per_year if active else 0.0
        self.framework_spent_eur = fw.secretariat_eur_per_year if active else 0.0
        self.framework_partnership_years = 0.0
        self.framework_slots = (
            int(
                (fw.budget_eur_per_year - fw.secretariat_eur_per_year)
                // fw.partnership_eur_per_year
            )
            if active
            else 0
        )
        self.budget_eur = self.regional_budgets()
        self.ledger = policy.Ledger(len(self.instruments))
        # absorptive capacity (R&D, its subsidy, regional skills) is fixed while the regions'
        # programmes and the instruments run: computed once for all of them
        self._fixed_absorptive = self.absorptive()
        try:
            given = self.policy_year(self._fixed_absorptive)
            spent_rd = policy.rd_projects(
                given,
                -1,
                "regional R&D subsidies",
                self.budget_eur * gov.rd_subsidy_share,
                self.priority_mask,
            )
            self.cluster_funding, spent_cl = self.regional_cluster_funding(self.budget_eur)
            self.spent_eur = spent_rd + spent_cl
            today = len(self.config.programmes)  # today's programmes run in the burn-in too
            for index, instrument in enumerate(self.instruments):
                if policy.active(instrument, self.year) or (self.year < 0 and index < today):
                    self.carry[index] = policy.apply(given, index, instrument, self.carry[index])
        finally:
            self._fixed_absorptive = None
        self.apply_changes(given.changes)
        self.firms.rd_boost[: self.firms.n] = policy.rd_boost(
            self.firms, self.year, gov.additionality
        )
        self.cluster_capacity = cluster_rules.capacity(
            self.cluster_base, self.cluster_funding, self.config.clusters
        )
        self._update_travel()

    def policy_year(self, fit: np.ndarray) -> policy.PolicyYear:
        """What this year's instruments are given (the seam between model and instruments)."""
        return policy.PolicyYear(
            year=self.year,
            step=self.steps,
            firms=self.firms,
            links=self.links,
            regions=self.regions,
            clusters=self.cluster_info,
            params=self.config.instruments,
            max_partners=self.config.partnering.max_partners,
            draws=self.draws,
            fit=fit,
            ledger=self.ledger,
            served=self.served,
            link_terms=self.link_terms,
            proposals=self.proposal_draws,
            scopes=self.scope_sampler,
            live_by_cell=self.live_by_cell,
        )

    def live_by_cell(self, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
        """The live rows by cell and the live firms per cell (:func:`~nsrsim.rules.partnering.
        cell_order`), made once while the live firms are the same (firms keep their cells):
        a year's brokers and the partner search after them read the same.
        """
        live = self.firms.live()
        if self._cell_orders_of is not live:
            self._cell_orders_of, self._cell_orders = live, {}
        if n_cells not in self._cell_orders:
            self._cell_orders[n_cells] = partnering.cell_order(
                live, self.firms.cell, self.firms.id, n_cells
            )
        return self._cell_orders[n_cells]

    def apply_changes(self, changes: policy.Changes) -> None:
        """The instruments' changes to the initiatives' funding, the regions' skilled workers
        and the transport network, in the order the instruments made them.
        """
        for funding in changes.funding:
            self.cluster_funding = self.cluster_funding + funding
        for recruits in changes.recruits:
            self.arrive(recruits)
            self.recruited += float(recruits.sum())
        self.opened_projects.update(changes.opened)

    def clusters_act(self) -> None:
        """Initiatives recruit and lose members and form (or lose) partnerships abroad."""
        cfg = self.config.clusters
        firms = self.firms
        live = firms.live()
        rows = live[firms.fine[live]]  # membership changes at firm resolution only
        ids = firms.id[rows]
        step = self.steps
        cluster_rules.change_membership(
            firms.cluster,
            rows,
            firms.region,
            firms.sector,
            self.cluster_info.by_group,
            self.recruitment_pull * self.cluster_capacity,
            cluster_rules.MembershipDraws(
                self.draws.uniform("clusters.choice", step, ids),
                self.draws.uniform("clusters.join", step, ids),
                self.draws.uniform("clusters.leave", step, ids),
            ),
            cfg,
            self.dt,
        )
        info = self.cluster_info
        pairs, abroad, shared = self.cluster_pairs
        reach = (
            self.cluster_complementarity
            * np.outer(self.cluster_capacity, self.cluster_capacity)
            * abroad
        )
        kind = cluster_rules.form_partnerships(
            self.cluster_partnership,
            cfg.interreg_partnering_rate * reach * shared,
            self.draws.uniform("clusters.interreg", step, pairs),
            cluster_rules.INTERREG,
            self.dt,
        )
        committed = self.member[info.region] & self.framework_active
        both = np.outer(committed, committed)
        if self.framework_active:  # otherwise no rate is above 0 and nothing forms
            kind = cluster_rules.form_partnerships(
                kind,
                cfg.framework_partnering_rate * reach * both * ~shared,  # beyond INTERREG A
                self.draws.uniform("clusters.framework", step, pairs),
                cluster_rules.FRAMEWORK,
                self.dt,
                # while the framework runs its money caps the partnerships; after it, none
                # form and the unfunded ones lapse below at partnership_lapse_rate
                room=self.framework_slots,
            )
        if (kind == cluster_rules.FRAMEWORK).any():  # otherwise none can lapse
            kind = cluster_rules.lapse_partnerships(
                kind,
                both,
                self.draws.uniform("clusters.lapse", step, pairs),
                cfg.partnership_lapse_rate,
                self.dt,
            )
        self.cluster_partnership = kind.astype(np.int8)
        if self.framework_active:  # partnerships are paid for the time they run
            fw = self.config.framework
            self.framework_partnership_years += self.dt * self.framework_partnerships()
            self.framework_spent_eur = (
                fw.secretariat_eur_per_year
                + fw.partnership_eur_per_year * self.framework_partnership_years
            )

    def firms_partner(self) -> None:
        """Links dissolve and firms search, in time order within the step; links form."""
        cfg = self.config.partnering
        firms = self.firms
        n = firms.n
        live = firms.live()
        step = self.steps
        # each link that dissolves this step does so at a time within it (its uniform over the
        # step's probability), and a firm may replace it by a later search of the same step
        links = self.links
        keys = partnering.link_keys(firms.id, links.a, links.b)  # order-free
        # a firm may search if it has room once the step's dissolutions are counted
        ends, degree, free = partnering.free_to_search(
            links.a,
            links.b,
            self.draws.uniform("partner.dissolve", step, keys),
            min(cfg.dissolve_rate * self.dt, 1.0),  # the step's probability to dissolve
            live,
            n,
            cfg.max_partners,
        )
        gone = np.isfinite(ends)
        rd_term, size_term = self.effort_terms()
        rate = partnering.search_rates(
            free,
            cfg.searches_per_project,
            self.search_culture,
            firms.country,
            firms.rural_until,
            self.year,
            self.config.instruments.rural_search_boost,
            rd_term,
            size_term,
            firms.knowledge,
            self.propensity,
            self.config.innovation.knowledge_floor,
        )
        # searches this step: Poisson by inversion (a firm searches at least once where its
        # uniform is below 1 - exp(-rate dt)), so yearly searches do not depend on the step
        u = self.draws.uniform("partner.search", step, firms.id[free])
        count = np.zeros(free.size, np.int64)
        some = u < -np.expm1(-rate * self.dt)
        count[some] = poisson_ppf(1.0 - u[some], rate[some] * self.dt).astype(np.int64)
        # a firm's first search keyed by its id, further ones by (id, n)
        searchers, search_key = partnering.search_keys(free, count, firms.id)
        ids = search_key.view(np.int64)
        m = cfg.candidates
        draws = partnering.CandidateDraws(
            mix=self.draws.uniform("partner.mix", step, ids, m),
            cell=self.proposal_draws("partner.cell", ids),
            firm=self.draws.uniform("partner.firm", step, ids, m),
            second=self.draws.uniform("partner.second", step, ids, m),
            priority=self.draws.uniform("partner.priority", step, ids),
        )
        n_clusters = len(self.cluster_info.name)
        offsets, members = partnering.cluster_pools(
            live,
            firms.cluster,
            firms.id,
            (self.cluster_partnership != 0) | np.eye(n_clusters, dtype=np.bool_),
        )
        candidates = partnering.sample_candidates(
            searchers,
            firms.cell,
            firms.id,
            live,
            self.cell_sampler,
            firms.cluster,
            offsets,
            members,
            partnering.adjacency(self.links.a, self.links.b, n, firms.id),
            cfg.cluster_share,
            cfg.referral_share,
            draws,
            self.live_by_cell(len(self.cell_sampler)),
        )
        gain_i, gain_j, cost = self.link_economics(searchers[:, None], candidates)
        new_a, new_b = partnering.choose_partners(
            searchers,
            candidates,
            gain_i,
            gain_j,
            cost,
            np.sort(self.links.keys(n)),
            degree,
            n,
            cfg.max_partners,
            draws.priority,  # a search's time within the step
            partnering.Dissolutions(self.links.a[gone], self.links.b[gone], ends[gone]),
        )
        self.links.keep(~gone)
        self.links.add(new_a, new_b)
        formed = Links(new_a, new_b, np.zeros(new_a.size))
        self.year_links_formed += float(formed.relations(firms.weight, self.pair_firms).sum())

    def firms_learn(self) -> None:
        """Research creates knowledge; knowledge flows along links and spills over locally;
        knowledge depreciates.
        """
        firms = self.firms
        live = firms.live()
        absorptive = self.absorptive()
        k = firms.knowledge[: firms.n]
        levels = learning.relative_levels(k, live)  # a row per live firm
        related = learning.prior_knowledge(levels, self.config.learning)
        from_links = learning.learn_from_links(
            k,
            self.links.a,
            self.links.b,
            firms.weight,
            self.pair_firms,
            absorptive,
            related,
            live,
            self.config.partnering.optimal_distance,
            self.config.learning,
            self.dt,
        )
        from_spillovers = learning.local_spillovers(
            k,
            live,
            firms.cell,
            firms.weight,
            self.spill_kernel,
            absorptive,
            related,
            self.config.learning,
            self.dt,
        )
        learning.update_knowledge(
            k, live, levels, absorptive, from_links, from_spillovers, self.config.learning, self.dt
        )

    def firms_innovate(self) -> None:
        """Innovation events raise productivity; a few open new knowledge fields. Real
        innovations are counted as weight x rate x dt, the expected number (a coarse agent of
        thousands of firms would otherwise add all or none of them at once); a firm agent's
        own count is its Poisson number of innovations in the step.
        """
        firms = self.firms
        live = firms.live()
        rd_term, size_term = self.effort_terms()
        rate = innovation.step_rates(
            live,
            self.partner_values(),
            self.coaching(),
            self.config.instruments.coaching_innovation_effect,
            self.config.innovation.partner_effect,
            rd_term,
            size_term,
            firms.knowledge,
            self.propensity,
            firms.country,
            self.config.innovation.knowledge_floor,
        )
        u = self.draws.uniform("innovation", self.steps, firms.id[live], 3)
        cohort = ~firms.fine[live]
        events, _ = innovation.innovate(
            firms.productivity,
            firms.knowledge,
            live,
            rate,
            innovation.InnovationDraws(u[:, 0], u[:, 1], u[:, 2]),
            self.config.innovation,
            self.dt,
            1.0 / self.effort_terms()[1][live],
            cohort,
        )
        # a cohort counts its expected innovations per firm, a firm agent its events; the
        # agent's w firms innovate independently at its rate: the real innovations are the
        # expected number, whatever the time step (its own event decides its representative
        # productivity path)
        by_region, by_class = innovation.count_innovations(
            firms, live, cohort, events, rate, self.dt, len(self.region_codes)
        )
        self.year_innovations += by_region
        self.year_innovations_class += by_class

    def market_selects(self) -> None:
        """Replicator growth; deaths (whole fine agents, a share of each cohort) destroy their
        jobs; births join the nursery cohorts and fine entrants replace the larger firms'
        deaths; the labour bound.
        """
        cfg = self.config.market
        firms = self.firms
        live = firms.live()
        n_regions, n_sectors = len(self.region_codes), len(SECTORS)
        n_groups = n_regions * n_sectors
        view = market.live_view(firms, live, n_sectors, len(SIZE_CLASSES), n_groups)
        weight, region, sector, size, productivity = (
            view.weight,
            view.region,
            view.sector,
            view.size,
            view.productivity,
        )
        group, fine = view.group, view.fine
        # firms compete for labour with firms of their size class in their region and sector
        local_mean, sector_mean, relative = market.productivity_means(
            view.real_jobs,
            productivity,
            group,
            sector,
            view.peers,
            n_groups,
            n_sectors,
            n_groups * len(SIZE_CLASSES),
        )
        jobs = market.replicate(view.jobs, relative, cfg, self.dt)
        fate = market.fates(
            jobs,
            productivity,
            sector_mean,
            sector,
            fine,
            weight,
            region,
            group,
            size,
            (self.micro_hazard, self.large_hazard),
            self.draws.uniform("market.exit", self.steps, firms.id[live]),
            cfg,
            self.dt,
            (n_regions, n_groups),
        )
        out, nursery, cohort = fate.out, fate.nursery, ~fine
        self.year_deaths += fate.deaths
        # the larger classes' expected deaths are replaced by firms growing out of the nursery:
        # a larger cohort keeps its firms; fine entrants replace fine agents
        replaced, weight = fate.replaced, fate.weight
        firms.jobs[live] = jobs
        base = market.entrant_productivity(local_mean, sector_mean)
        grown = replaced + self._enter_firms(  # real firms leaving the nursery
            live[~cohort], fate.died[~cohort], group[~cohort], base
        )
        births = self._births(view.firms_by_group, n_regions, n_sectors)
        births *= np.bincount(group[nursery], minlength=n_groups) > 0  # a nursery takes them
        self.year_births += births.reshape(n_regions, n_sectors).sum(axis=1)
        rows = live[nursery]
        firms.weight[rows], firms.jobs[rows], firms.productivity[rows] = market.renew_nursery(
            market.Nursery(weight, jobs, productivity, group, nursery),
            births,
            grown,
            base * ENTRANT_PRODUCTIVITY,
            self.start_job_share[rows],
            cfg,
            self.dt,
        )
        self._remove_firms(live[out])
        live = firms.live()
        skill = self.config.market.skill_intensity
        labour = self.labour0 * (1.0 - skill + skill * self.skilled / self.skilled0)
        market.clear_labour(firms.jobs, firms.weight, firms.region, live, labour, cfg, self.dt)

    def workers_move(self) -> None:
        """Skilled workers move toward attractive regions (flows conserve their total; the
        population moves with them).
        """
        cfg = self.config.mobility
        output, jobs, firms_r = accounts.region_market(self)
        productivity = accounts.region_productivity(output, jobs)
        per_firm = np.divide(
            self.last_innovations, firms_r, out=np.zeros_like(firms_r), where=firms_r > 0
        )
        mean = per_firm.mean() if per_firm.mean() > 0 else 1.0
        utility = mobility.attractiveness(
            productivity / productivity.mean(),
            per_firm / mean,
            self.urban_share,
            self.population / self.population0,
            cfg,
        )
        flows = mobility.migration_flows(self.skilled, utility, self.migration_terms, cfg, self.dt)
        self.arrive(mobility.net_inflow(flows))
        self.migrated += float(flows.sum())
        if self.year >= 0:  # graduates replace retirees: the workforce's tertiary share rises
            years = self.year + self.steps_in_year * self.dt
            rise = (
                self.workforce
                * self.dt
                * mobility.tertiary_rise(self.tertiary_trend, self.tertiary_gap, years, cfg)
            )
            self.skilled = self.skilled + rise
            self.graduated = self.graduated + rise

    def arrive(self, skilled: np.ndarray) -> None:
        """Skilled workers arrive in (or, negative, leave) each region, with their households."""
        self.skilled = self.skilled + skilled
        self.workforce = self.workforce + skilled
        self.population = self.population + self.config.mobility.household_size * skilled

    def investment_flows(self) -> None:
        """Yearly: mobile investment, paid from every firm's output in proportion, goes to the
        region-sectors where its industry is concentrated and lifts their firms' productivity.
        """
        cfg = self.config.mobility
        firms = self.firms
        live = firms.live()
        n_groups = len(self.region_codes) * len(SECTORS)
        group = firms.region[: firms.n].astype(np.int64) * len(SECTORS) + firms.sector[: firms.n]
        output, mass, _ = accounts.market_sums(firms, live, group, n_groups)
        invested = mobility.allocate_investment(cfg.investment_share * output.sum(), mass, cfg)
        lift = np.divide(invested, output, out=np.zeros(n_groups), where=output > 0)
        mobility.lift_productivity(
            firms.productivity,
            live,
            group,
            lift,
            1.0 - cfg.investment_return * cfg.investment_share,
            cfg.investment_return,
        )
        self.year_investment = invested.reshape(len(self.region_codes), -1).sum(axis=1)

    # ------------------------------------------------------------------------------- helpers
    def absorptive(self) -> np.ndarray:
        """Absorptive capacity of every firm row (R&D, subsidised R&D and regional skills)."""
        if self._fixed_absorptive is not None:
            return self._fixed_absorptive
        firms, n = self.firms, self.firms.n
        return learning.absorptive_capacity(
            firms.rd[:n],
            firms.rd_boost[:n],
            self.skilled / self.workforce,
            firms.region[:n],
            self.config.population.rd_reference,
            self.config.learning.skill_floor,
        )

    def innovation_effort(self, rows: np.ndarray) -> np.ndarray:
        """Own innovation rate of firm ``rows`` (R&D with subsidies, size, knowledge, the
        country's propensity).
        """
        rd, size = self.effort_terms()
        return innovation.effort_rows(
            rd,
            size,
            self.firms.knowledge,
            self.propensity,
            self.firms.country,
            np.asarray(rows, np.int64),
            self.config.innovation.knowledge_floor,
        )

    def effort_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Every row's R&D term and size term of its innovation effort (rules/innovation):
        held in a step from the partner search to innovation, as R&D, its subsidies and jobs
        do not change in between (subsidies change at the year's start, jobs in the market).
        """
        if self._step_terms is not None:
            return self._step_terms
        firms, n = self.firms, self.firms.n
        return innovation.effort_terms(
            firms.rd[:n],
            firms.rd_boost[:n],
            firms.jobs[:n],
            self.config.population.rd_reference,
            self.config.innovation,
        )

    def _calibrate_propensity(self) -> None:
        """Each country's innovation propensity: its firms with 10+ persons, in their state now
        (partners included), innovate within the survey window as often as the Community
        Innovation Survey finds (innovation_survey.csv; rules/innovation). Set at the start
        and again at the end of the burn-in, before any policy: the survey is of today.
        """
        firms = self.firms
        self.propensity = np.ones(len(self.countries))  # the rates below at propensity 1
        live = firms.live()
        surveyed = live[accounts.surveyed(firms.fine[live], firms.jobs[live], firms.size[live])]
        brought = self.partner_values()[surveyed]
        innovators = facts.innovation_survey()["innovators_pct"].reindex(self.countries)
        self.propensity = innovation.country_propensity(
            innovation.innovation_rate(
                self.innovation_effort(surveyed), brought, self.config.innovation
            ),
            firms.weight[surveyed],
            firms.country[surveyed].astype(np.int64),
            innovators.to_numpy(float) / 100.0,
            SURVEY_YEARS,
        )

    def partner_values(self) -> np.ndarray:
        """The summed value of what each firm row's partners bring (rules/learning)."""
        firms = self.firms
        return learning.partner_values(
            firms.knowledge[: firms.n],
            self.links.a,
            self.links.b,
            firms.weight,
            self.pair_firms,
            self.config.partnering.optimal_distance,
        )

    def regional_budgets(self) -> np.ndarray:
        """Each region's yearly innovation budget: a share of its GDP [EUR]."""
        gdp = accounts.region_market(self)[0] / self.config.population.business_share
        return self.config.governments.budget_share_gdp * gdp

    def regional_cluster_funding(self, budget_eur: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """EUR per initiative from the regions' budgets (the part not for R&D projects, shared
        by the initiatives of priority sectors) and EUR spent per region.
        """
        rest = budget_eur * (1.0 - self.config.governments.rd_subsidy_share)
        return governance.fund_clusters(rest, self.cluster_info.region, self.funded_clusters)

    def _init_recruitment(self) -> None:
        """Each initiative's pull: its members at the start are the steady state at the
        capacity today's regional funding gives it (rules/clusters.recruitment_pull).
        """
        firms, info = self.firms, self.cluster_info
        live = firms.live()
        rows = live[firms.cluster[live] >= 0]
        n = len(info.name)
        members = np.bincount(firms.cluster[rows], weights=firms.weight[rows], minlength=n)
        region = firms.region[rows]
        hazard = market.death_hazard(
            firms.jobs[rows], self.micro_hazard[region], self.large_hazard[region]
        )
        dying = np.bincount(firms.cluster[rows], weights=firms.weight[rows] * hazard, minlength=n)
        outflow = self.config.clusters.leave_rate + np.divide(
            dying, members, out=np.zeros(n), where=members > 0
        )
        # real non-member firm agents of each region-sector, spread over its initiatives
        n_groups = len(self.region_codes) * len(SECTORS)
        key = info.region.astype(np.int64) * len(SECTORS) + info.sector
        open_rows = live[firms.fine[live] & (firms.cluster[live] < 0)]
        group = firms.region[open_rows].astype(np.int64) * len(SECTORS) + firms.sector[open_rows]
        open_firms = np.bincount(group, weights=firms.weight[open_rows], minlength=n_groups)
        initiatives = np.bincount(key, minlength=n_groups)
        today = cluster_rules.capacity(
            self.cluster_base,
            self.regional_cluster_funding(self.regional_budgets())[0],
            self.config.clusters,
        )
        self.recruitment_pull = cluster_rules.recruitment_pull(
            members, open_firms[key] / initiatives[key], today, outflow
        )

    def coaching(self) -> np.ndarray:
        """Effect of innovation-management coaching per firm row: 1 when fresh, fading."""
        coached_year = self.firms.coached_year[: self.firms.n]
        rows = np.flatnonzero(coached_year > -np.inf)  # never coached: -inf
        effect = np.zeros(coached_year.size)
        if rows.size:  # the exponentials of the coached rows only
            since = self.year - coached_year[rows]
            persistence = self.config.instruments.coaching_persistence_years
            effect[rows] = np.exp(-np.maximum(since, 0.0) / persistence)
        return effect

    def rural_support(self) -> np.ndarray:
        """1 for firm rows whose rural-inclusion support runs this year, else 0."""
        return (self.firms.rural_until[: self.firms.n] > self.year).astype(float)

    def proposal_draws(self, stream: str, ids: np.ndarray) -> partnering.ProposalDraws:
        """Uniforms of a partner search's proposal rounds, keyed by (searcher id, candidate slot)
        and the round, so a firm's proposals never depend on other firms' rejections.
        """
        step = self.steps
        bases = self.draws.round_bases(stream, step, MAX_ROUNDS)

        def replay(rounds: np.ndarray, searcher: np.ndarray, slot: np.ndarray) -> None:
            for r in range(int(rounds.max(initial=0))):
                taken = rounds > r
                keys = pair_keys(ids[searcher[taken]], slot[taken])
                self.draws.uniform(f"{stream}.{r}", step, keys, 3)

        return partnering.ProposalDraws(ids, bases, replay if self.draws.log else None)

    def scope_sampler(self, scope: str) -> CellSampler:
        """Proposal of a broker's scope (built once per run: the scope kernel is static)."""
        if scope not in self._scope_samplers:
            self._scope_samplers[scope] = CellSampler(
                policy.scope_kernel(self.regions, scope), self.cell_slots, self.regions.cell_region
            )
        return self._scope_samplers[scope]

    def link_economics(
        self, i: np.ndarray, j: np.ndarray, broker_cut: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each side's gain and the cost of links between firm rows ``i`` and ``j``
        (broadcastable; ``j`` -1 for no candidate), a broker cutting ``broker_cut``.
        """
        j = np.asarray(j, np.int64)
        gains = partnering.pair_economics(
            (np.asarray(i, np.int64) + np.zeros_like(j)).ravel(),  # broadcast, cheaper
            j.ravel(),
            self.link_terms(broker_cut),
        )
        gain_i, gain_j, cost = (g.reshape(j.shape) for g in gains)
        return gain_i, gain_j, cost

    def link_terms(self, broker_cut: float) -> tuple:
        """What a link's gains and cost read (:func:`~nsrsim.rules.partnering.economics_into`).

        Gain = absorptive capacity x value of the cognitive distance. Cost = a fixed part, cut
        by coaching (the stronger side's), plus travel and border parts; travel counts less for
        supported rural firms; a framework partnership between the two firms' initiatives and
        a broker's introduction (``broker_cut``) each remove a share of the variable part
        (multiplicatively, so both effects show).
        """
        firms = self.firms
        cfg = self.config.partnering
        inst = self.config.instruments
        n = firms.n
        return (
            firms.knowledge[:n],
            cfg.optimal_distance,
            self.absorptive(),
            firms.country[:n],
            firms.cell[:n],
            self.travel_h,
            inst.rural_access_cut,
            self.rural_support(),
            inst.coaching_cost_cut,
            self.coaching(),
            firms.cluster[:n],
            self.cluster_partnership == cluster_rules.FRAMEWORK,
            self.config.framework.cost_reduction,
            broker_cut,
            cfg.link_cost,
            cfg.travel_cost_per_h,
            cfg.border_cost,
        )

    def framework_partnerships(self) -> int:
        """Cluster partnerships the framework runs now."""
        kind = self.cluster_partnership
        return int(
            ((kind == cluster_rules.FRAMEWORK) & cluster_rules.above_diagonal(len(kind))).sum()
        )

    def _remove_firms(self, rows: np.ndarray) -> None:
        if rows.size == 0:
            return
        self.firms.exit(rows)
        dead = ~self.firms.alive
        self.links.keep(~(dead[self.links.a] | dead[self.links.b]))
        if self._firm_views:  # Mesa views made so far leave with their firms
            for row in rows:
                view = self._firm_views.pop(int(row), None)
                if view is not None:
                    view.remove()

    def _births(self, firms_g: np.ndarray, n_regions: int, n_sectors: int) -> np.ndarray:
        """Expected births this step per region x sector (flat): the country's birth rate x
        the group's firms, pulled toward innovative regions with skilled workers (in the
        burn-in at the death rate, so year 0 has today's number of firms).
        """
        rate = market.birth_rates(
            self.birth_rate if self.year >= 0 else self.settling_birth_rate,
            firms_g.reshape(n_regions, n_sectors).sum(axis=1),
            self.region_country,
            self.last_innovations,
            self.skilled / self.skilled0,
            self.config.market,
        )
        return (rate[:, None] * self.dt * firms_g.reshape(n_regions, n_sectors)).ravel()

    def _enter_firms(
        self, rows: np.ndarray, died: np.ndarray, group: np.ndarray, productivity: np.ndarray
    ) -> np.ndarray:
        """Fine entrants: a firm growing into its class takes the place of each fine firm agent
        ``rows`` that ``died`` (same region, sector, size class and real firms), at the class's
        mean size there; returns the entrants' real firms per region x sector (flat).
        """
        firms = self.firms
        shape = (len(self.region_codes), len(SECTORS), len(SIZE_CLASSES))
        n_cells = math.prod(shape)
        cell = group * len(SIZE_CLASSES) + firms.size[rows]
        weight = firms.weight[rows]
        held = np.bincount(cell, weights=weight, minlength=n_cells)
        jobs = np.divide(
            np.bincount(cell, weights=weight * firms.jobs[rows], minlength=n_cells),
            held,
            out=np.zeros(n_cells),
            where=held > 0,
        )
        mean_rd, local = regional_means(
            firms.region, firms.weight, firms.rd, firms.knowledge, firms.live(), shape[0]
        )
        entrants = draw_entrants(
            self.draws,
            self.steps,
            cell[died],
            weight[died],
            jobs[cell[died]],
            shape,
            self.placement,
            mean_rd,
            local,
            productivity,
        )
        firms.append(**entrants)
        entered = entrants["region"].astype(np.int64) * shape[1] + entrants["sector"]
        return np.bincount(entered, weights=entrants["weight"], minlength=n_cells // shape[2])

    # ----------------------------------------------------------------------------- recording
    def latest_indicator(self, name: str) -> float:
        """The most recent yearly value of an indicator (for Mesa's DataCollector)."""
        return self.indicator_rows[-1][name]

    def _record_year(self, counts: accounts.PartnerCounts | None = None) -> None:
        """The year's indicators, areas, panel, snapshot and policy money; ``counts`` are the
        partner counts of the state now, if already made.
        """
        if counts is None:
            counts = accounts.partner_counts(self)
        agg = accounts.aggregates(self, counts)
        row = {"year": self.year, "calendar_year": self.config.run.start_year + self.year}
        row.update({o.name: o.compute(agg) for o in OUTCOMES})
        self.indicator_rows.append(row)
        if self.config.run.area_tables:
            self.region_rows.append(
                area_columns(agg.regions, self.year, "region", self.region_codes)
            )
            self.class_rows.append(
                area_columns(agg.classes, self.year, "urban_class", list(accounts.URBAN_CLASSES))
            )
        if self.config.run.firm_panel:
            self.panel_rows.append(accounts.panel_rows(self, counts))
        if self.year in self.config.run.snapshot_years:
            self.snapshots.append(accounts.firm_table(self))
        if self.year > 0:  # money of the year just ended
            self.policy_rows.extend(
                policy.budget_rows(
                    self.instruments,
                    self.ledger,
                    self.config.instruments,
                    self.config.framework,
                    self.framework_budget_eur,
                    self.framework_partnership_years,
                    self.year - 1,
                )
            )
            self.participant_rows.extend(self.ledger.rows)
        self.datacollector.collect(self)

    def _reset_year(self) -> None:
        """Start the yearly flows afresh (innovations, births, deaths) at a year's first step,
        so that after a run its last year's flows are still there to read.
        """
        self.last_innovations = self.year_innovations
        self.firms.roll_survey_window()
        self.year_innovations = np.zeros(len(self.region_codes))
        self.firms.year_innovations[: self.firms.n] = 0.0
        self.year_births = np.zeros(len(self.region_codes))
        self.year_deaths = np.zeros(len(self.region_codes))
        self.year_links_formed = 0.0
        self.year_innovations_class = np.zeros(3)
