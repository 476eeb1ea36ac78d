"""A per-agent reference of NSRModel's step, written the way a Mesa user naturally would.

Every firm is a ``mesa.Agent`` with plain Python attributes and per-agent methods; each
sub-model is a loop over agents (staged activation, in row order). It implements the same
rules with the same parameters as ``nsrsim.model.NSRModel`` and takes the same keyed random
draws, one firm at a time: it copies a model's state (:meth:`ReferenceModel.from_model`) and
asks the same keyed generator for each firm's numbers. ``tests/test_reference.py`` checks both
give the same state; ``make bench`` times them side by side.

Region- and cluster-level arithmetic (a few dozen numbers) reuses nsrsim's functions, and so
does drawing entrants (model-level population management, not a per-agent rule).
"""

import bisect
import copy
import math
from collections import defaultdict

import mesa
import numpy as np

from nsrsim.model import NSRModel
from nsrsim.population import ENTRANT_PRODUCTIVITY, draw_entrants
from nsrsim.random import KeyedRandom, pair_keys, poisson_ppf
from nsrsim.rules import clusters as cluster_rules
from nsrsim.rules import governance, innovation, market, mobility
from nsrsim.rules.cell_sampler import MAX_ROUNDS
from nsrsim.sectors import Sector
from nsrsim.state import NEVER

N_SECTORS = len(Sector)


def u1(model: "ReferenceModel", stream: str, key: int, slots: int | None = None):
    """One firm's keyed draw(s), exactly as the vectorised model asks for them in bulk."""
    values = model.draws.uniform(stream, model.step_count, np.array([key], np.int64), slots)
    return values[0]


class RefFirm(mesa.Agent):
    """A firm with its state in attributes."""

    def __init__(self, model: "ReferenceModel", row: int, **state) -> None:
        super().__init__(model)
        self.row = row
        self.id = int(state["id"])
        self.weight = float(state["weight"])
        self.fine = bool(state["fine"])
        self.cell = int(state["cell"])
        self.region = int(state["region"])
        self.country = int(state["country"])
        self.urban = int(state["urban"])
        self.sector = int(state["sector"])
        self.knowledge = [float(v) for v in state["knowledge"]]
        self.jobs = float(state["jobs"])
        self.size = int(state["size"])
        self.productivity = float(state["productivity"])
        self.rd = float(state["rd"])
        self.rd_boost = float(state.get("rd_boost", 0.0))
        self.age = float(state.get("age", 0.0))
        self.cluster = int(state.get("cluster", -1))
        self.innovations = float(state.get("innovations", 0.0))
        self.year_innovations = float(state.get("year_innovations", 0.0))
        self.project_eur = float(state.get("project_eur", 0.0))
        self.project_until = int(state.get("project_until", NEVER))
        self.coached_year = float(state.get("coached_year", -math.inf))
        self.rural_until = int(state.get("rural_until", NEVER))
        self.partners = 0  # links, kept up to date by the model

    # --- helpers -------------------------------------------------------------------------
    def absorptive(self) -> float:
        model = self.model
        skilled_share = model.skilled[self.region] / model.workforce[self.region]
        rd_ref = model.config.population.rd_reference
        floor = model.config.learning.skill_floor
        return -math.expm1(-((self.rd + self.rd_boost) / rd_ref) * (floor + skilled_share))

    def coaching(self) -> float:
        since = self.model.year - self.coached_year
        if not math.isfinite(since):
            return 0.0
        persistence = self.model.config.instruments.coaching_persistence_years
        return math.exp(-max(since, 0.0) / persistence)

    def rural(self) -> float:
        return 1.0 if self.rural_until > self.model.year else 0.0

    def distance_to(self, other: "RefFirm") -> float:
        dot = sum(x * y for x, y in zip(self.knowledge, other.knowledge, strict=True))
        norm = math.sqrt(sum(x * x for x in self.knowledge)) * math.sqrt(
            sum(y * y for y in other.knowledge)
        )
        return 1.0 - (dot / norm if norm > 0 else 0.0)

    # --- staged per-agent rules ------------------------------------------------------------
    def recruit_or_leave(self) -> None:
        model = self.model
        cfg = model.config.clusters
        u_choice = u1(model, "clusters.choice", self.id)
        u_join = u1(model, "clusters.join", self.id)
        u_leave = u1(model, "clusters.leave", self.id)
        options = model.initiatives.get((self.region, self.sector), [])
        if self.cluster < 0 and options and self.fine:
            choice = options[min(int(u_choice * len(options)), len(options) - 1)]
            rate = model.recruitment_pull[choice] * model.cluster_capacity[choice]
            if u_join < -math.expm1(-rate * model.dt):
                self.cluster = choice
        if self.cluster >= 0 and self.fine and u_leave < -math.expm1(-cfg.leave_rate * model.dt):
            self.cluster = -1

    def search(self, key, cells, pools, neighbours):
        """Candidate firm rows (-1: none) drawn exactly as the vectorised rule draws them, for
        the search keyed by ``key`` (the firm's id for its first search of a step).
        """
        model = self.model
        cfg = model.config.partnering
        m = cfg.candidates
        mix = u1(model, "partner.mix", key, m)
        u_firm = u1(model, "partner.firm", key, m)
        u_second = u1(model, "partner.second", key, m)
        pool = pools.get(self.cluster, []) if self.cluster >= 0 else []
        mine = neighbours.get(self.row, [])
        found = []
        for k in range(m):
            if mix[k] < cfg.cluster_share and pool:
                pick = pool[min(int(u_firm[k] * len(pool)), len(pool) - 1)]
            elif cfg.cluster_share <= mix[k] < cfg.cluster_share + cfg.referral_share and mine:
                first = mine[min(int(u_firm[k] * len(mine)), len(mine) - 1)]
                theirs = neighbours[first]
                pick = theirs[min(int(u_second[k] * len(theirs)), len(theirs) - 1)]
            else:
                pick = self.nearby(key, cells, k)
                if pick is None:
                    found.append(-1)
                    continue
            found.append(-1 if pick == self.row else pick)
        return found

    def nearby(self, key, cells, k):
        """A firm drawn in proportion to the proposal kernel from this firm's cell: a cell by
        kernel x slots, a slot, accepted if a firm sits in it (firms beyond a cell's slots by
        their own small distribution), as ``nsrsim.rules.cell_sampler`` does in bulk.
        """
        model = self.model
        kernel = model.proposal_kernel[self.cell]
        slots = model.cell_slots
        firms_in = dict(cells)
        cdf, running = [], 0.0
        for c in range(len(slots)):
            running += float(kernel[c]) * int(slots[c])
            cdf.append(running)
        total = running
        cdf = [value / total for value in cdf]
        over, excess_cdf, running = [], [], 0.0
        for c, firms in cells:
            excess = len(firms) - int(slots[c])
            if excess > 0:
                running += float(kernel[c]) * excess
                over.append((c, excess))
                excess_cdf.append(running)
        excess_mass = running
        mass = total + excess_mass
        if not mass > 0:
            return None
        slot_key = pair_keys(np.array([key]), np.array([k]))
        for round_ in range(MAX_ROUNDS):
            stream = f"partner.cell.{round_}"
            draws = model.draws.uniform(stream, model.step_count, slot_key, 3)
            u_part, u_cell, u_slot = draws[0]
            if excess_mass > 0 and u_part * mass >= total:
                index = bisect.bisect_right(excess_cdf, u_cell * excess_mass)
                c, excess = over[min(index, len(over) - 1)]
                return firms_in[c][int(slots[c]) + min(int(u_slot * excess), excess - 1)]
            c = bisect.bisect_right(cdf, u_cell)
            slot = min(int(u_slot * int(slots[c])), int(slots[c]) - 1)
            if slot < min(len(firms_in.get(c, [])), int(slots[c])):
                return firms_in[c][slot]
        return None

    def link_terms(self, other: "RefFirm") -> tuple[float, float, float]:
        """(own gain, other's gain, cost) of a link with ``other``."""
        model = self.model
        cfg = model.config.partnering
        inst = model.config.instruments
        x = self.distance_to(other) / cfg.optimal_distance
        value = x * math.exp(1.0 - x)
        cross = self.country != other.country
        access = 1.0 - inst.rural_access_cut * max(self.rural(), other.rural())
        fixed_cut = inst.coaching_cost_cut * max(self.coaching(), other.coaching())
        partnered = (
            self.cluster >= 0
            and other.cluster >= 0
            and model.cluster_partnership[self.cluster, other.cluster] == cluster_rules.FRAMEWORK
        )
        discount = model.config.framework.cost_reduction if partnered and cross else 0.0
        variable = (
            cfg.travel_cost_per_h * (float(model.travel_h[self.cell, other.cell]) * access)
            + cfg.border_cost * cross
        )
        cost = cfg.link_cost * (1.0 - fixed_cut) + variable * (1.0 - discount)
        return self.absorptive() * value, other.absorptive() * value, cost

    def ranked_partners(self, candidates):
        """The candidates both sides accept, best own net gain first (the first of equals)."""
        ranked = []
        for index, row in enumerate(candidates):
            if row < 0:
                continue
            mine, theirs, cost = self.link_terms(self.model.by_row[row])
            if mine - cost > 0 and theirs - cost > 0:
                ranked.append((-(mine - cost), index, row))
        return [row for _, _, row in sorted(ranked)]

    def size_term(self) -> float:
        cfg = self.model.config.innovation
        return (max(self.jobs, 1e-9) / 10.0) ** cfg.size_elasticity

    def effort(self) -> float:
        """Own innovation rate: the country's propensity, R&D, size and knowledge."""
        model = self.model
        cfg = model.config.innovation
        rd_term = (
            max(self.rd + self.rd_boost, 0.0) / model.config.population.rd_reference
        ) ** cfg.rd_elasticity
        mean_k = sum(self.knowledge) / len(self.knowledge)
        return (
            model.propensity[self.country]
            * rd_term
            * self.size_term()
            * (cfg.knowledge_floor + mean_k)
        )

    def innovate(self) -> float:
        """Innovate or not; returns the firm's expected innovations this step."""
        model = self.model
        cfg = model.config.innovation
        u_event, u_radical, u_field = u1(model, "innovation", self.id, 3)
        coaching = model.config.instruments.coaching_innovation_effect * self.coaching()
        rate = (1.0 + coaching) * (self.effort() * (1 + cfg.partner_effect * self.brought))
        reach = 1.0 / self.size_term()
        expected = rate * model.dt
        if not self.fine:  # a cohort: its firms' expected innovations, no event
            mean_gain = (
                reach
                * cfg.productivity_gain
                * (1 + cfg.radical_share * (cfg.radical_multiplier - 1))
            )
            self.productivity *= 1.0 + expected * mean_gain
            opened = expected * cfg.radical_share / len(self.knowledge)
            self.knowledge = [k + opened * max(cfg.radical_level - k, 0.0) for k in self.knowledge]
            self.innovations += expected
            return expected
        probability = -math.expm1(-expected)
        if u_event >= probability:
            return expected
        radical = u_radical < cfg.radical_share
        scale = expected / probability if probability > 0 else 1.0
        gain = (
            scale
            * reach
            * (cfg.productivity_gain * cfg.radical_multiplier if radical else cfg.productivity_gain)
        )
        self.productivity *= 1.0 + gain
        if radical:
            field = min(int(u_field * len(self.knowledge)), len(self.knowledge) - 1)
            self.knowledge[field] = max(self.knowledge[field], cfg.radical_level)
        self.innovations += innovation.events_given_one(u_event, probability, expected)
        return expected


class ReferenceModel(mesa.Model):
    """The per-agent reference; build it with :meth:`from_model`."""

    @classmethod
    def from_model(cls, source: NSRModel) -> "ReferenceModel":
        """Copy a vectorised model's state into per-agent form."""
        if source.instruments:
            raise NotImplementedError(
                "the reference covers scenarios without policy instruments "
                "(the benchmark runs a baseline without them)"
            )
        model = cls(rng=source.config.run.seed)
        model.config = source.config
        model.dt = source.dt
        model.source = source  # static tables only: kernels, travel times, region facts
        model.draws = KeyedRandom(source.config.run.seed)
        model.year = source.year
        model.step_count = source.steps
        funded = source.served.get(-1, np.zeros(0, np.int32))  # last year served, per row
        model.regional_funded = {
            int(source.firms.id[row]): int(funded[row]) for row in np.flatnonzero(funded > NEVER)
        }
        for name in (
            "skilled",
            "workforce",
            "population",
            "commitment",
            "member",
            "budget_eur",
            "spent_eur",
            "cluster_capacity",
            "cluster_funding",
            "cluster_partnership",
            "year_innovations",
            "last_innovations",
            "year_investment",
            "year_births",
            "year_deaths",
            "framework_slots",
        ):
            setattr(model, name, copy.deepcopy(getattr(source, name)))
        for name in (
            "skilled0",
            "population0",
            "labour0",
            "proposal_kernel",
            "cell_slots",
            "spill_kernel",
            "travel_h",
            "region_km",
            "region_cross",
            "region_country",
            "countries",
            "programmes",
            "urban_share",
            "priority_mask",
            "cluster_info",
            "cluster_base",
            "cluster_country",
            "cluster_complementarity",
            "eligible",
            "mix",
            "placement",
            "micro_hazard",
            "large_hazard",
            "birth_rate",
            "settling_birth_rate",
            "start_job_share",
            "tertiary_trend",
            "tertiary_gap",
            "pair_firms",
            "propensity",
            "recruitment_pull",
        ):
            setattr(model, name, getattr(source, name))
        model.n_regions = len(source.region_codes)
        firms = source.firms
        model.n_rows = firms.n
        model.by_row = {}
        for row in firms.live():
            model.by_row[int(row)] = RefFirm(
                model, int(row), **{name: getattr(firms, name)[row] for name in firms.columns()}
            )
        model.links = [
            [int(a), int(b), float(age)]
            for a, b, age in zip(source.links.a, source.links.b, source.links.age, strict=True)
        ]
        model.initiatives = defaultdict(list)
        info = model.cluster_info
        for c in range(len(info.name)):
            model.initiatives[(int(info.region[c]), int(info.sector[c]))].append(c)
        model.count_partners()
        return model

    # ---------------------------------------------------------------------------- schedule
    def step(self) -> None:
        """The same schedule as NSRModel.step, agent by agent."""
        self.step_count += 1  # Mesa counts the step before running it
        in_year = (self.step_count - 1) % self.config.run.steps_per_year
        if in_year == 0:
            self.last_innovations = self.year_innovations
            self.year_innovations = np.zeros(self.n_regions)
            self.year_births = np.zeros(self.n_regions)
            self.year_deaths = np.zeros(self.n_regions)
            for firm in self.firms():
                firm.year_innovations = 0.0
            self.governments_decide()
        self.clusters_act()
        self.firms_partner()
        self.firms_learn()
        self.firms_innovate()
        self.market_selects()
        self.workers_move()
        for firm in self.firms():
            firm.age += self.dt
        for link in self.links:
            link[2] += self.dt
        if in_year == self.config.run.steps_per_year - 1:
            self.investment_flows()
            self.year += 1
            if self.year == 0:
                for firm in self.firms():
                    firm.innovations = 0

    def firms(self) -> list[RefFirm]:
        """Live firms in row order."""
        return [self.by_row[row] for row in sorted(self.by_row)]

    @property
    def framework_active(self) -> bool:
        fw = self.config.framework
        return (
            fw.enabled
            and fw.start_year <= self.year < fw.start_year + fw.duration_years
            and fw.budget_eur_per_year >= fw.secretariat_eur_per_year
        )

    def count_partners(self) -> None:
        for firm in self.by_row.values():
            firm.partners = 0
        for a, b, _ in self.links:
            self.by_row[a].partners += 1
            self.by_row[b].partners += 1

    def region_totals(self):
        output = np.zeros(self.n_regions)
        jobs = np.zeros(self.n_regions)
        real = np.zeros(self.n_regions)
        for firm in self.firms():
            output[firm.region] += firm.weight * firm.jobs * firm.productivity
            jobs[firm.region] += firm.weight * firm.jobs
            real[firm.region] += firm.weight
        return output, jobs, real

    # ------------------------------------------------------------------------- sub-models
    def governments_decide(self) -> None:
        gov = self.config.governments
        fw = self.config.framework
        inst = self.config.instruments
        self.refresh_rd_boost()  # projects that ended last year no longer count
        benefit = None
        if self.framework_active:
            per_region = np.zeros(self.n_regions)
            members = np.zeros(self.n_regions)
            for firm in self.firms():
                if firm.cluster >= 0:
                    members[firm.region] += firm.weight
            for a, b, _ in self.links:
                fa, fb = self.by_row[a], self.by_row[b]
                if fa.country != fb.country and not (
                    self.programmes[fa.region] & self.programmes[fb.region]
                ):
                    for firm in (fa, fb):
                        if firm.cluster >= 0:
                            per_region[firm.region] += min(fa.weight, fb.weight, self.pair_firms)
            benefit = per_region / np.maximum(members, 1.0)
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
        self.framework_slots = (
            int(
                (fw.budget_eur_per_year - fw.secretariat_eur_per_year)
                // fw.partnership_eur_per_year
            )
            if self.framework_active
            else 0
        )
        output, _, _ = self.region_totals()
        self.budget_eur = gov.budget_share_gdp * output / self.config.population.business_share
        # the regions' R&D projects: applicants in order of fit, while the budget lasts
        left = (self.budget_eur * gov.rd_subsidy_share * (1 + 1e-12)).tolist()
        cost = inst.rd_funding_rate * inst.rd_project_eur
        applicants = []
        for firm in self.firms():
            eligible = (
                firm.fine
                and self.priority_mask[firm.region, firm.sector]
                and firm.project_until <= self.year
                and self.year - self.regional_funded.get(firm.id, -(10**9))
                >= inst.repeat_after_years
            )
            if eligible and u1(self, "apply.regional_rd", firm.id) < inst.apply_share:
                applicants.append(firm)
        applicants.sort(key=lambda f: (f.region, -f.absorptive(), f.id))
        spent_rd = np.zeros(self.n_regions)
        for firm in applicants:
            if firm.weight * cost <= left[firm.region]:
                left[firm.region] -= firm.weight * cost
                spent_rd[firm.region] += firm.weight * cost
                firm.project_eur = cost / inst.rd_project_years
                firm.project_until = self.year + inst.rd_project_years
                self.regional_funded[firm.id] = self.year
        info = self.cluster_info
        eligible = governance.eligible_clusters(self.priority_mask, info.region, info.sector)
        self.cluster_funding, spent_cl = governance.fund_clusters(
            self.budget_eur * (1.0 - gov.rd_subsidy_share), info.region, eligible
        )
        self.spent_eur = spent_rd + spent_cl
        self.refresh_rd_boost()
        self.cluster_capacity = cluster_rules.capacity(
            self.cluster_base, self.cluster_funding, self.config.clusters
        )

    def refresh_rd_boost(self) -> None:
        """Each firm's extra R&D share from its project running this year."""
        gov = self.config.governments
        for firm in self.firms():
            running = firm.project_until > self.year
            revenue = max(firm.jobs * firm.productivity, 1.0)
            firm.rd_boost = gov.additionality * firm.project_eur / revenue if running else 0.0

    def clusters_act(self) -> None:
        for firm in self.firms():
            firm.recruit_or_leave()
        cfg = self.config.clusters
        info = self.cluster_info
        n = len(info.name)
        pairs = np.arange(n * n)
        u_interreg, u_framework, u_lapse = (
            self.draws.uniform(s, self.step_count, pairs).reshape(n, n)
            for s in ("clusters.interreg", "clusters.framework", "clusters.lapse")
        )
        reach = np.zeros((n, n))
        shared = np.zeros((n, n), bool)
        for i in range(n):
            for j in range(n):
                if self.cluster_country[i] != self.cluster_country[j]:
                    reach[i, j] = (
                        self.cluster_complementarity[i, j]
                        * self.cluster_capacity[i]
                        * self.cluster_capacity[j]
                    )
                shared[i, j] = (
                    self.programmes[info.region[i]] & self.programmes[info.region[j]]
                ) != 0
        kind = cluster_rules.form_partnerships(
            self.cluster_partnership,
            cfg.interreg_partnering_rate * reach * shared,
            u_interreg,
            cluster_rules.INTERREG,
            self.dt,
        )
        committed = self.member[info.region] & self.framework_active
        both = np.outer(committed, committed)
        kind = cluster_rules.form_partnerships(
            kind,
            cfg.framework_partnering_rate * reach * both * ~shared,
            u_framework,
            cluster_rules.FRAMEWORK,
            self.dt,
            room=self.framework_slots if self.framework_active else None,
        )
        self.cluster_partnership = cluster_rules.lapse_partnerships(
            kind, both, u_lapse, cfg.partnership_lapse_rate, self.dt
        ).astype(np.int8)

    def firms_partner(self) -> None:
        cfg = self.config.partnering
        inst = self.config.instruments
        p = min(cfg.dissolve_rate * self.dt, 1.0)
        gone = []  # (time within the step, a, b) of the links that dissolve this step
        freed = defaultdict(int)
        for a, b, _ in self.links:
            ids = sorted((self.by_row[a].id, self.by_row[b].id))
            key = pair_keys(np.array(ids[:1]), np.array(ids[1:]))
            u = self.draws.uniform("partner.dissolve", self.step_count, key)[0]
            if u < p:
                gone.append((u / p, a, b))
                freed[a] += 1
                freed[b] += 1
        firms = self.firms()
        searches = []  # (key, firm) per search this step
        for firm in firms:
            if firm.partners - freed[firm.row] >= cfg.max_partners:
                continue
            rate = (
                cfg.searches_per_project
                * cfg.search_culture.get(self.countries[firm.country], 1.0)
                * firm.effort()
                * (1.0 + inst.rural_search_boost * firm.rural())
            )
            u = u1(self, "partner.search", firm.id)
            if u < -math.expm1(-rate * self.dt):
                count = int(poisson_ppf(np.array([1.0 - u]), np.array([rate * self.dt]))[0])
                for nth in range(count):
                    key = (
                        firm.id
                        if nth == 0
                        else int(pair_keys(np.array([firm.id]), np.array([nth])).view(np.int64)[0])
                    )
                    searches.append((key, firm))
        by_cell = defaultdict(list)
        for firm in sorted(firms, key=lambda f: f.id):
            by_cell[firm.cell].append(firm.row)
        cells = sorted(by_cell.items())
        members = defaultdict(list)
        for firm in sorted(firms, key=lambda f: f.id):
            if firm.cluster >= 0:
                members[firm.cluster].append(firm.row)
        pools = {}
        n_clusters = len(self.cluster_info.name)
        for c in range(n_clusters):
            pools[c] = [
                row
                for p in range(n_clusters)
                if p == c or self.cluster_partnership[c, p] != 0
                for row in members[p]
            ]
        neighbours = defaultdict(list)
        for a, b, _ in self.links:
            neighbours[a].append(b)
            neighbours[b].append(a)
        for row in neighbours:
            neighbours[row].sort(key=lambda r: self.by_row[r].id)
        linked = {(a, b) for a, b, _ in self.links}
        ranked = []
        for order, (key, firm) in enumerate(searches):
            candidates = firm.search(key, cells, pools, neighbours)
            priority = u1(self, "partner.priority", key)
            ranked.append((priority, order, firm, firm.ranked_partners(candidates)))
        ranked.sort(key=lambda r: (r[0], r[1]))
        gone.sort(key=lambda g: g[0])  # stable: links in list order at equal times
        used = {row: firm.partners for row, firm in self.by_row.items()}
        formed, d = [], 0
        for time, _, firm, partners in ranked:  # searches in time order, after dissolutions
            while d < len(gone) and gone[d][0] < time:
                used[gone[d][1]] -= 1
                used[gone[d][2]] -= 1
                d += 1
            if used[firm.row] >= cfg.max_partners:
                continue
            for row in partners:
                pair = (min(firm.row, row), max(firm.row, row))
                if used[row] >= cfg.max_partners or pair in linked:
                    continue
                linked.add(pair)
                used[firm.row] += 1
                used[row] += 1
                formed.append(pair)
                break
        dissolved = {(a, b) for _, a, b in gone}
        self.links = [link for link in self.links if (link[0], link[1]) not in dissolved]
        self.links += [[i, j, 0.0] for i, j in formed]
        self.count_partners()

    def firms_learn(self) -> None:
        cfg = self.config.learning
        optimal = self.config.partnering.optimal_distance
        firms = self.firms()
        absorptive = {f.row: f.absorptive() for f in firms}
        gain, related = {}, {}
        for firm in firms:  # own research, in the firm's strongest fields
            strongest = max(firm.knowledge)
            share = [k / strongest if strongest > 0 else 0.0 for k in firm.knowledge]
            related[firm.row] = [s**cfg.absorption_focus for s in share]  # prior knowledge
            gain[firm.row] = [
                cfg.research_rate * self.dt * absorptive[firm.row] * s**cfg.research_focus * (1 - k)
                for k, s in zip(firm.knowledge, share, strict=True)
            ]
        for a, b, _ in self.links:  # each side learns for the share of its firms in the link
            fa, fb = self.by_row[a], self.by_row[b]
            x = fa.distance_to(fb) / optimal
            rate = cfg.link_rate * self.dt * x * math.exp(1.0 - x)
            pairs = min(fa.weight, fb.weight, self.pair_firms)
            rate_a, rate_b = rate * (pairs / fa.weight), rate * (pairs / fb.weight)
            for f in range(len(fa.knowledge)):
                lead = fb.knowledge[f] - fa.knowledge[f]
                gain[a][f] += rate_a * absorptive[a] * related[a][f] * max(lead, 0.0)
                gain[b][f] += rate_b * absorptive[b] * related[b][f] * max(-lead, 0.0)
        for firm in firms:  # unintended spillovers from every other real firm, by travel decay
            weight_sum, local = 0.0, [0.0] * len(firm.knowledge)
            for other in firms:
                w = self.spill_kernel.weight(firm.cell, other.cell) * other.weight
                weight_sum += w
                for f in range(len(local)):
                    local[f] += w * other.knowledge[f]
            agglomeration = weight_sum / (weight_sum + cfg.spillover_mass)
            for f in range(len(local)):
                lead = local[f] / weight_sum - firm.knowledge[f]
                gain[firm.row][f] += (
                    cfg.spillover_rate
                    * self.dt
                    * agglomeration
                    * absorptive[firm.row]
                    * related[firm.row][f]
                    * max(lead, 0.0)
                )
        decay = math.exp(-cfg.depreciation * self.dt)
        for firm in firms:
            firm.knowledge = [
                min(max((k + g) * decay, 0.0), 1.0)
                for k, g in zip(firm.knowledge, gain[firm.row], strict=True)
            ]

    def firms_innovate(self) -> None:
        optimal = self.config.partnering.optimal_distance
        for firm in self.firms():
            firm.brought = 0.0
        for a, b, _ in self.links:  # what partners bring, per real firm of each side
            fa, fb = self.by_row[a], self.by_row[b]
            x = fa.distance_to(fb) / optimal
            pairs = min(fa.weight, fb.weight, self.pair_firms)
            fa.brought += x * math.exp(1.0 - x) * (pairs / fa.weight)
            fb.brought += x * math.exp(1.0 - x) * (pairs / fb.weight)
        for firm in self.firms():
            real = firm.weight * firm.innovate()
            firm.year_innovations += real
            self.year_innovations[firm.region] += real

    def market_selects(self) -> None:
        cfg = self.config.market
        firms = self.firms()
        output, jobs, real = defaultdict(float), defaultdict(float), defaultdict(float)
        for firm in firms:
            for key in (
                (firm.region, firm.sector),
                firm.sector,
                (firm.region, firm.sector, firm.size),
            ):
                output[key] += firm.weight * firm.jobs * firm.productivity
                jobs[key] += firm.weight * firm.jobs
            real[(firm.region, firm.sector)] += firm.weight
        grown, dying, died, out = {}, {}, {}, set()
        for firm in firms:
            peers = (firm.region, firm.sector, firm.size)
            relative = firm.productivity / (output[peers] / jobs[peers])
            grown[firm.row] = firm.jobs * math.exp(cfg.selection_speed * self.dt * (relative - 1.0))
            rate = (self.micro_hazard if grown[firm.row] < 10.0 else self.large_hazard)[firm.region]
            dying[firm.row] = min(rate * self.dt, 1.0)
            died[firm.row] = u1(self, "market.exit", firm.id) < dying[firm.row]
            unviable = firm.productivity / (output[firm.sector] / jobs[firm.sector]) < (
                cfg.exit_threshold
            )
            if unviable or (firm.fine and (died[firm.row] or grown[firm.row] < 0.5)):
                out.add(firm.row)
        smallest = {}
        for firm in firms:
            if not firm.fine and firm.row not in out:
                group = (firm.region, firm.sector)
                smallest[group] = min(smallest.get(group, 99), firm.size)
        nursery = [
            firm
            for firm in firms
            if not firm.fine
            and firm.row not in out
            and firm.size == smallest[(firm.region, firm.sector)]
        ]
        nursery_rows = {firm.row for firm in nursery}
        grown_out = defaultdict(float)  # real firms growing out of each group's nursery
        for firm in firms:
            group = (firm.region, firm.sector)
            if firm.row in out:
                self.year_deaths[firm.region] += firm.weight
            elif not firm.fine:
                self.year_deaths[firm.region] += firm.weight * dying[firm.row]
                if firm.row not in nursery_rows:
                    grown_out[group] += firm.weight * dying[firm.row]
            firm.jobs = grown[firm.row]
        sector_mean = [output[s] / jobs[s] if jobs[s] > 0 else 0.0 for s in range(N_SECTORS)]
        entrant_base = np.array(
            [
                output[(r, s)] / jobs[(r, s)] if jobs[(r, s)] > 0 else sector_mean[s]
                for r in range(self.n_regions)
                for s in range(N_SECTORS)
            ]
        )
        entered = self.enter_firms(firms, died, entrant_base)
        for group, firms_in in entered.items():
            grown_out[group] += firms_in
        births = self.births(real)
        mass = defaultdict(float)
        for firm in nursery:
            firm.weight *= 1.0 - dying[firm.row]
            mass[(firm.region, firm.sector)] += firm.weight
        for group, value in births.items():
            if mass[group] > 0:
                self.year_births[group[0]] += value
        group_jobs = defaultdict(float)
        for firm in firms:
            group_jobs[(firm.region, firm.sector)] += firm.weight * firm.jobs
        for firm in nursery:  # births join, firms grow out, young firms grow
            group = (firm.region, firm.sector)
            share = firm.weight / mass[group]
            born, leaving = births[group] * share, grown_out[group] * share
            stay = max(firm.weight - leaving, 0.0)
            new_weight = stay + born
            old_jobs = stay * firm.jobs
            new_jobs = born * min(cfg.entrant_jobs, firm.jobs)
            newborn = entrant_base[group[0] * N_SECTORS + group[1]] * ENTRANT_PRODUCTIVITY
            if old_jobs + new_jobs > 0:
                firm.productivity = (old_jobs * firm.productivity + new_jobs * newborn) / (
                    old_jobs + new_jobs
                )
            if new_weight > 0:
                firm.jobs = (old_jobs + new_jobs) / new_weight
            target = self.start_job_share[firm.row] * group_jobs[group] / new_weight
            firm.jobs += (target - firm.jobs) * -math.expm1(-cfg.young_growth * self.dt)
            firm.weight = new_weight
        for firm in firms:
            if firm.row in out:
                del self.by_row[firm.row]
                firm.remove()
        self.links = [link for link in self.links if link[0] not in out and link[1] not in out]
        self.count_partners()
        skill = self.config.market.skill_intensity
        labour = self.labour0 * (1.0 - skill + skill * self.skilled / self.skilled0)
        demand = np.zeros(self.n_regions)
        for firm in self.firms():
            demand[firm.region] += firm.weight * firm.jobs
        factor = np.ones(self.n_regions)
        for r in range(self.n_regions):
            employed = labour[r] / (1.0 + cfg.labour_slack)
            if demand[r] > 0 and employed > demand[r]:
                factor[r] = (employed / demand[r]) ** -math.expm1(-cfg.hiring_rate * self.dt)
            elif demand[r] > labour[r]:
                factor[r] = labour[r] / demand[r]
        for firm in self.firms():
            firm.jobs *= factor[firm.region]

    def births(self, real) -> dict:
        """Expected births this step per region and sector (``real``: firms at the start)."""
        firms_r = np.zeros(self.n_regions)
        for (r, _), value in real.items():
            firms_r[r] += value
        rate = market.birth_rates(
            self.birth_rate if self.year >= 0 else self.settling_birth_rate,
            firms_r,
            self.region_country,
            self.last_innovations,
            self.skilled / self.skilled0,
            self.config.market,
        )
        return {group: rate[group[0]] * self.dt * value for group, value in real.items()}

    def enter_firms(self, firms, died, entrant_base) -> dict:
        """A firm growing into its class replaces each fine firm that died; returns the real
        firms entering per region and sector.
        """
        n_sizes = 4
        shape = (self.n_regions, N_SECTORS, n_sizes)
        held, held_jobs = defaultdict(float), defaultdict(float)
        real = np.zeros(self.n_regions)
        rd = np.zeros(self.n_regions)
        local = np.zeros((self.n_regions, len(firms[0].knowledge)))
        for firm in self.firms():
            real[firm.region] += firm.weight
            rd[firm.region] += firm.weight * firm.rd
            local[firm.region] += firm.weight * np.array(firm.knowledge)
        cells, weights = [], []
        for firm in firms:
            if not firm.fine:
                continue
            cell = (firm.region * N_SECTORS + firm.sector) * n_sizes + firm.size
            held[cell] += firm.weight
            held_jobs[cell] += firm.weight * firm.jobs
            if died[firm.row]:
                cells.append(cell)
                weights.append(firm.weight)
        cells = np.array(cells, np.int64)
        mass = np.maximum(real, 1e-12)
        entrants = draw_entrants(
            self.draws,
            self.step_count,
            cells,
            np.array(weights),
            np.array([held_jobs[c] / held[c] for c in cells.tolist()]),
            shape,
            self.placement,
            rd / mass,
            local / mass[:, None],
            entrant_base,
        )
        entered = defaultdict(float)
        for k in range(len(entrants["id"])):
            row = self.n_rows
            self.n_rows += 1
            state = {name: values[k] for name, values in entrants.items()}
            self.by_row[row] = RefFirm(self, row, **state)
            entered[(int(state["region"]), int(state["sector"]))] += float(state["weight"])
        return entered

    def workers_move(self) -> None:
        output, jobs, real = self.region_totals()
        productivity = np.divide(output, jobs, out=np.zeros_like(jobs), where=jobs > 0)
        per_firm = np.divide(self.last_innovations, real, out=np.zeros_like(real), where=real > 0)
        mean = per_firm.mean() if per_firm.mean() > 0 else 1.0
        cfg = self.config.mobility
        utility = mobility.attractiveness(
            productivity / productivity.mean(),
            per_firm / mean,
            self.urban_share,
            self.population / self.population0,
            cfg,
        )
        terms = mobility.MigrationTerms.of(self.region_km, self.region_cross, cfg)
        flows = mobility.migration_flows(self.skilled, utility, terms, cfg, self.dt)
        arriving = mobility.net_inflow(flows)
        self.skilled = self.skilled + arriving
        self.workforce = self.workforce + arriving
        self.population = self.population + cfg.household_size * arriving
        if self.year >= 0:
            in_year = (self.step_count - 1) % self.config.run.steps_per_year
            rise = mobility.tertiary_rise(
                self.tertiary_trend, self.tertiary_gap, self.year + in_year * self.dt, cfg
            )
            self.skilled = self.skilled + self.workforce * self.dt * rise

    def investment_flows(self) -> None:
        cfg = self.config.mobility
        n = self.n_regions * N_SECTORS
        mass, output = np.zeros(n), np.zeros(n)
        firms = self.firms()
        for firm in firms:
            group = firm.region * N_SECTORS + firm.sector
            mass[group] += firm.weight * firm.jobs
            output[group] += firm.weight * firm.jobs * firm.productivity
        invested = mobility.allocate_investment(cfg.investment_share * output.sum(), mass, cfg)
        for firm in firms:
            group = firm.region * N_SECTORS + firm.sector
            lift = invested[group] / output[group] if output[group] > 0 else 0.0
            firm.productivity *= (1.0 - cfg.investment_return * cfg.investment_share) * (
                1.0 + cfg.investment_return * lift
            )
        self.year_investment = invested.reshape(self.n_regions, -1).sum(axis=1)

    # ---------------------------------------------------------------------- comparison
    def state(self) -> dict[str, np.ndarray]:
        """Firm state as arrays in row order, for comparison with NSRModel."""
        firms = self.firms()
        return {
            "rows": np.array([f.row for f in firms]),
            "ids": np.array([f.id for f in firms]),
            "jobs": np.array([f.jobs for f in firms]),
            "weight": np.array([f.weight for f in firms]),
            "productivity": np.array([f.productivity for f in firms]),
            "knowledge": np.array([f.knowledge for f in firms]),
            "cluster": np.array([f.cluster for f in firms]),
            "innovations": np.array([f.innovations for f in firms]),
            "rd_boost": np.array([f.rd_boost for f in firms]),
            "links": np.array([(a, b) for a, b, _ in self.links]).reshape(-1, 2),
            "skilled": self.skilled.copy(),
            "partnerships": self.cluster_partnership.copy(),
        }


def vectorised_state(model: NSRModel) -> dict[str, np.ndarray]:
    """The same view of a vectorised model."""
    firms = model.firms
    live = firms.live()
    return {
        "rows": live,
        "ids": firms.id[live],
        "jobs": firms.jobs[live],
        "weight": firms.weight[live],
        "productivity": firms.productivity[live],
        "knowledge": firms.knowledge[live],
        "cluster": firms.cluster[live],
        "innovations": firms.innovations[live],
        "rd_boost": firms.rd_boost[live],
        "links": np.column_stack([model.links.a, model.links.b]),
        "skilled": model.skilled.copy(),
        "partnerships": model.cluster_partnership.copy(),
    }
