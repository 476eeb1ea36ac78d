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
from nsrsim.population import draw_entrants
from nsrsim.random import KeyedRandom, pair_keys
from nsrsim.rules import clusters as cluster_rules
from nsrsim.rules import governance, mobility
from nsrsim.rules.cell_sampler import MAX_ROUNDS
from nsrsim.sectors import Sector

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
        self.cell = int(state["cell"])
        self.region = int(state["region"])
        self.country = int(state["country"])
        self.urban = int(state["urban"])
        self.sector = int(state["sector"])
        self.knowledge = [float(v) for v in state["knowledge"]]
        self.jobs = float(state["jobs"])
        self.productivity = float(state["productivity"])
        self.rd = float(state["rd"])
        self.rd_boost = float(state.get("rd_boost", 0.0))
        self.age = float(state.get("age", 0.0))
        self.cluster = int(state.get("cluster", -1))
        self.innovations = int(state.get("innovations", 0))
        self.project_eur = float(state.get("project_eur", 0.0))
        self.project_until = int(state.get("project_until", 0))
        self.coached_year = float(state.get("coached_year", -math.inf))
        self.rural_until = int(state.get("rural_until", 0))
        self.partners = 0  # links, kept up to date by the model

    # --- helpers -------------------------------------------------------------------------
    @property
    def fine(self) -> bool:
        return self.weight <= self.model.config.population.targeted_firms_per_agent

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
            rate = cfg.recruit_rate * model.cluster_capacity[choice]
            if u_join < -math.expm1(-rate * model.dt):
                self.cluster = choice
        if self.cluster >= 0 and self.fine and u_leave < -math.expm1(-cfg.leave_rate * model.dt):
            self.cluster = -1

    def search(self, cells, pools, neighbours):
        """Candidate firm rows (-1: none) drawn exactly as the vectorised rule draws them."""
        model = self.model
        cfg = model.config.partnering
        m = cfg.candidates
        mix = u1(model, "partner.mix", self.id, m)
        u_firm = u1(model, "partner.firm", self.id, m)
        u_second = u1(model, "partner.second", self.id, m)
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
                pick = self.nearby(cells, k)
                if pick is None:
                    found.append(-1)
                    continue
            found.append(-1 if pick == self.row else pick)
        return found

    def nearby(self, cells, k):
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
        key = pair_keys(np.array([self.id]), np.array([k]))
        for round_ in range(MAX_ROUNDS):
            stream = f"partner.cell.{round_}"
            u_part, u_cell, u_slot = model.draws.uniform(stream, model.step_count, key, 3)[0]
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

    def best_partner(self, candidates, linked):
        """The candidate with the highest own net gain that both sides accept, or None."""
        best, best_net = None, -math.inf
        for row in candidates:
            if row < 0 or (min(self.row, row), max(self.row, row)) in linked:
                continue
            mine, theirs, cost = self.link_terms(self.model.by_row[row])
            net = mine - cost
            if net > 0 and theirs - cost > 0 and net > best_net:
                best, best_net = row, net
        return best

    def innovate(self) -> float:
        """Innovate or not; returns the firm's innovation probability this step."""
        model = self.model
        cfg = model.config.innovation
        u_event, u_radical, u_field = u1(model, "innovation", self.id, 3)
        rd_term = (
            max(self.rd + self.rd_boost, 0.0) / model.config.population.rd_reference
        ) ** cfg.rd_elasticity
        mean_k = sum(self.knowledge) / len(self.knowledge)
        coaching = model.config.instruments.coaching_innovation_effect * self.coaching()
        rate = (1.0 + coaching) * (
            cfg.base_rate
            * rd_term
            * (cfg.knowledge_floor + mean_k)
            * (1 + cfg.partner_effect * self.brought)
        )
        probability = -math.expm1(-rate * model.dt)
        if u_event >= probability:
            return probability
        radical = u_radical < cfg.radical_share
        gain = cfg.productivity_gain * (cfg.radical_multiplier if radical else 1.0)
        self.productivity *= 1.0 + gain
        if radical:
            field = min(int(u_field * len(self.knowledge)), len(self.knowledge) - 1)
            self.knowledge[field] = max(self.knowledge[field], cfg.radical_level)
        self.innovations += 1
        return probability


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
            "programmes",
            "urban_share",
            "priority_mask",
            "cluster_info",
            "cluster_base",
            "cluster_country",
            "cluster_complementarity",
            "eligible",
            "mix",
            "entrant_weight",
            "entrant_share",
            "placement",
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
            self.last_innovations = self.year_innovations
            self.year_innovations = np.zeros(self.n_regions)

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
                            per_region[firm.region] += firm.weight
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
        info = self.cluster_info
        eligible = governance.eligible_clusters(self.priority_mask, info.region, info.sector)
        self.cluster_funding, spent_cl = governance.fund_clusters(
            self.budget_eur * (1.0 - gov.rd_subsidy_share), info.region, eligible
        )
        self.spent_eur = spent_rd + spent_cl
        for firm in self.firms():
            running = firm.project_until > self.year
            revenue = max(firm.jobs * firm.productivity, 1.0)
            firm.rd_boost = gov.additionality * firm.project_eur / revenue if running else 0.0
        self.cluster_capacity = cluster_rules.capacity(
            self.cluster_base, self.cluster_funding, self.config.clusters
        )

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
            room=self.framework_slots,
        )
        self.cluster_partnership = cluster_rules.lapse_partnerships(
            kind, both, u_lapse, cfg.partnership_lapse_rate, self.dt
        ).astype(np.int8)

    def firms_partner(self) -> None:
        cfg = self.config.partnering
        inst = self.config.instruments
        firms = self.firms()
        searchers = []
        for firm in firms:
            if firm.partners >= cfg.max_partners:
                continue
            rate = cfg.search_rate * (1.0 + inst.rural_search_boost * firm.rural())
            if u1(self, "partner.search", firm.id) < -math.expm1(-rate * self.dt):
                searchers.append(firm)
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
        proposals = []
        for firm in searchers:
            candidates = firm.search(cells, pools, neighbours)
            best = firm.best_partner(candidates, linked)
            if best is not None:
                proposals.append((u1(self, "partner.priority", firm.id), firm.row, best))
        proposals.sort(key=lambda p: p[0])
        seen, unique = set(), []
        for _, i, j in proposals:
            key = (min(i, j), max(i, j))
            if key not in seen:
                seen.add(key)
                unique.append((i, j))
        proposing = defaultdict(int)
        for i, _ in unique:
            proposing[i] += 1
        claimed = defaultdict(int)
        accepted = []
        for i, j in unique:
            free_j = cfg.max_partners - self.by_row[j].partners - proposing[j]
            if claimed[j] < free_j and self.by_row[i].partners < cfg.max_partners:
                accepted.append((i, j))
            claimed[j] += 1
        hazard = -math.expm1(-cfg.dissolve_rate * self.dt)
        kept = []
        for link in self.links:
            ids = sorted((self.by_row[link[0]].id, self.by_row[link[1]].id))
            key = pair_keys(np.array(ids[:1]), np.array(ids[1:]))
            if self.draws.uniform("partner.dissolve", self.step_count, key)[0] >= hazard:
                kept.append(link)
        self.links = kept + [[min(i, j), max(i, j), 0.0] for i, j in accepted]
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
        for a, b, _ in self.links:
            fa, fb = self.by_row[a], self.by_row[b]
            x = fa.distance_to(fb) / optimal
            rate = cfg.link_rate * self.dt * x * math.exp(1.0 - x)
            for f in range(len(fa.knowledge)):
                lead = fb.knowledge[f] - fa.knowledge[f]
                gain[a][f] += rate * absorptive[a] * related[a][f] * max(lead, 0.0)
                gain[b][f] += rate * absorptive[b] * related[b][f] * max(-lead, 0.0)
        for firm in firms:  # unintended spillovers from every other real firm, by travel decay
            weight_sum, local = 0.0, [0.0] * len(firm.knowledge)
            for other in firms:
                w = float(self.spill_kernel.full[firm.cell, other.cell]) * other.weight
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
        for a, b, _ in self.links:  # what partners bring: the value of their distance
            x = self.by_row[a].distance_to(self.by_row[b]) / optimal
            self.by_row[a].brought += x * math.exp(1.0 - x)
            self.by_row[b].brought += x * math.exp(1.0 - x)
        for firm in self.firms():
            self.year_innovations[firm.region] += firm.weight * firm.innovate()

    def market_selects(self) -> None:
        cfg = self.config.market
        firms = self.firms()
        output, jobs = defaultdict(float), defaultdict(float)
        for firm in firms:
            for key in ((firm.region, firm.sector), firm.sector):
                output[key] += firm.weight * firm.jobs * firm.productivity
                jobs[key] += firm.weight * firm.jobs
        grown, exiting, local = {}, [], {}
        for firm in firms:
            group = (firm.region, firm.sector)
            local[firm.row] = firm.productivity / (output[group] / jobs[group])
            grown[firm.row] = firm.jobs * math.exp(
                cfg.selection_speed * self.dt * (local[firm.row] - 1.0)
            )
            relative = firm.productivity / (output[firm.sector] / jobs[firm.sector])
            churn = u1(self, "market.exit", firm.id) < -math.expm1(-cfg.exit_hazard * self.dt)
            if relative < cfg.exit_threshold or churn or grown[firm.row] < 0.5:
                exiting.append(firm)
        released, pull = defaultdict(float), defaultdict(float)
        gone = {f.row for f in exiting}
        for firm in firms:
            group = (firm.region, firm.sector)
            if firm.row in gone:
                released[group] += firm.weight * grown[firm.row]
            else:
                pull[group] += firm.weight * grown[firm.row] * local[firm.row]
        for firm in firms:
            if firm.row in gone:
                continue
            group = (firm.region, firm.sector)
            mine = firm.weight * grown[firm.row] * local[firm.row]
            share = mine / pull[group] if pull[group] > 0 else 0.0
            firm.jobs = grown[firm.row] + released[group] * share / firm.weight
        for firm in exiting:
            del self.by_row[firm.row]
            firm.remove()
        self.links = [link for link in self.links if link[0] not in gone and link[1] not in gone]
        self.count_partners()
        sector_mean = [output[s] / jobs[s] if jobs[s] > 0 else 0.0 for s in range(N_SECTORS)]
        entrant_base = np.array(
            [
                output[(r, s)] / jobs[(r, s)] if jobs[(r, s)] > 0 else sector_mean[s]
                for r in range(self.n_regions)
                for s in range(N_SECTORS)
            ]
        )
        self.enter_firms(entrant_base)
        skill = self.config.market.skill_intensity
        labour = self.labour0 * (1.0 - skill + skill * self.skilled / self.skilled0)
        demand = np.zeros(self.n_regions)
        for firm in self.firms():
            demand[firm.region] += firm.weight * firm.jobs
        for firm in self.firms():
            if demand[firm.region] > 0:
                firm.jobs *= min(1.0, labour[firm.region] / demand[firm.region])

    def enter_firms(self, entrant_base) -> None:
        firms = self.firms()
        real = np.zeros(self.n_regions)
        rd = np.zeros(self.n_regions)
        local = np.zeros((self.n_regions, len(firms[0].knowledge)))
        for firm in firms:
            real[firm.region] += firm.weight
            rd[firm.region] += firm.weight * firm.rd
            local[firm.region] += firm.weight * np.array(firm.knowledge)
        innov = np.divide(self.last_innovations, real, out=np.zeros(self.n_regions), where=real > 0)
        relative = innov / innov.mean() if innov.mean() > 0 else np.ones_like(innov)
        w = self.config.market.entry_innovation_pull
        pull = (1.0 - w + w * relative) * self.skilled / self.skilled0
        expected_real = self.config.market.entry_rate * self.dt * real * pull
        expected = (
            expected_real[None, :, None] * self.mix[None] * self.entrant_share / self.entrant_weight
        )
        mass = np.maximum(real, 1e-12)
        entrants = draw_entrants(
            self.draws,
            self.step_count,
            expected,
            self.entrant_weight,
            self.placement,
            rd / mass,
            local / mass[:, None],
            entrant_base,
            self.config.market.entrant_jobs,
        )
        if entrants is None:
            return
        for k in range(len(entrants["id"])):
            row = self.n_rows
            self.n_rows += 1
            self.by_row[row] = RefFirm(
                self, row, **{name: values[k] for name, values in entrants.items()}
            )

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
        flows = mobility.migration_flows(
            self.skilled, utility, self.region_km, self.region_cross, cfg, self.dt
        )
        arriving = mobility.net_inflow(flows)
        self.skilled = self.skilled + arriving
        self.workforce = self.workforce + arriving
        self.population = self.population + cfg.household_size * arriving

    def investment_flows(self) -> None:
        cfg = self.config.mobility
        n = len(self.cluster_info.name)
        mass, output = np.zeros(n), np.zeros(n)
        firms = self.firms()
        for firm in firms:
            if firm.cluster >= 0:
                real_jobs = firm.weight * firm.jobs
                mass[firm.cluster] += real_jobs
                output[firm.cluster] += real_jobs * firm.productivity
        pool = cfg.investment_share * self.region_totals()[0].sum()
        invested = mobility.allocate_investment(pool, mass, cfg)
        for firm in firms:
            firm.productivity *= 1.0 - cfg.investment_return * cfg.investment_share
            if firm.cluster >= 0 and output[firm.cluster] > 0:
                firm.productivity *= 1.0 + cfg.investment_return * (
                    invested[firm.cluster] / output[firm.cluster]
                )
        self.year_investment = np.bincount(
            self.cluster_info.region, weights=invested, minlength=self.n_regions
        )

    # ---------------------------------------------------------------------- comparison
    def state(self) -> dict[str, np.ndarray]:
        """Firm state as arrays in row order, for comparison with NSRModel."""
        firms = self.firms()
        return {
            "rows": np.array([f.row for f in firms]),
            "ids": np.array([f.id for f in firms]),
            "jobs": np.array([f.jobs for f in firms]),
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
        "productivity": firms.productivity[live],
        "knowledge": firms.knowledge[live],
        "cluster": firms.cluster[live],
        "innovations": firms.innovations[live],
        "rd_boost": firms.rd_boost[live],
        "links": np.column_stack([model.links.a, model.links.b]),
        "skilled": model.skilled.copy(),
        "partnerships": model.cluster_partnership.copy(),
    }
