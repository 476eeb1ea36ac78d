"""A per-agent reference of NSRModel's step, written the way a Mesa user naturally would.

Every firm is a ``mesa.Agent`` with plain Python attributes and per-agent methods; each
sub-model is a loop over agents (staged activation, in row order). It implements the same
rules with the same parameters as ``nsrsim.model.NSRModel`` and consumes the same random
draws: it copies a model's state and random streams (:meth:`ReferenceModel.from_model`) and
then draws exactly what the vectorised step draws, in the same order. ``tests/test_reference.py``
checks both give the same state; ``make bench`` times them side by side.

Region- and cluster-level arithmetic (a few dozen numbers) reuses nsrsim's functions, and so
does drawing entrants (model-level population management, not a per-agent rule).
"""

import copy
import math
from collections import defaultdict

import mesa
import numpy as np

from nsrsim.model import NSRModel, Streams
from nsrsim.population import SECTORS, draw_entrants
from nsrsim.rules import clusters as cluster_rules
from nsrsim.rules import governance, mobility


class RefFirm(mesa.Agent):
    """A firm with its state in attributes."""

    def __init__(self, model: "ReferenceModel", row: int, **state) -> None:
        super().__init__(model)
        self.row = row
        self.cell = int(state["cell"])
        self.region = int(state["region"])
        self.country = int(state["country"])
        self.urban = int(state["urban"])
        self.sector = int(state["sector"])
        self.knowledge = [float(v) for v in state["knowledge"]]
        self.jobs = float(state["jobs"])
        self.productivity = float(state["productivity"])
        self.rd = float(state["rd"])
        self.rd_boost = float(state["rd_boost"])
        self.age = float(state["age"])
        self.cluster = int(state["cluster"])
        self.innovations = int(state["innovations"])
        self.partners = 0  # links, kept up to date by the model

    # --- helpers -------------------------------------------------------------------------
    def absorptive(self) -> float:
        model = self.model
        skilled_share = model.skilled[self.region] / model.workforce[self.region]
        rd_ref = model.config.population.rd_reference
        return -math.expm1(-((self.rd + self.rd_boost) / rd_ref) * (0.5 + skilled_share))

    def distance_to(self, other: "RefFirm") -> float:
        dot = sum(x * y for x, y in zip(self.knowledge, other.knowledge, strict=True))
        norm = math.sqrt(sum(x * x for x in self.knowledge)) * math.sqrt(
            sum(y * y for y in other.knowledge)
        )
        return 1.0 - (dot / norm if norm > 0 else 0.0)

    # --- staged per-agent rules ------------------------------------------------------------
    def recruit(self, u_choice: float, u_join: float) -> None:
        model = self.model
        options = model.initiatives.get((self.region, self.sector), [])
        if self.cluster >= 0 or not options:
            return
        choice = options[min(int(u_choice * len(options)), len(options) - 1)]
        rate = model.config.clusters.recruit_rate * model.cluster_capacity[choice]
        if u_join < -math.expm1(-rate * model.dt):
            self.cluster = choice

    def search(self, mix, u_cell, u_firm, cells, pools, neighbours):
        """Candidate firm rows (-1: none) drawn exactly as the vectorised rule draws them."""
        model = self.model
        cfg = model.config.partnering
        weights = [model.proposal_kernel[self.cell, c] * len(firms) for c, firms in cells]
        total = sum(weights)
        pool = pools.get(self.cluster, []) if self.cluster >= 0 else []
        mine = neighbours.get(self.row, [])
        found = []
        for k in range(len(mix)):
            if mix[k] < cfg.cluster_share and pool:
                pick = pool[min(int(u_firm[k] * len(pool)), len(pool) - 1)]
            elif cfg.cluster_share <= mix[k] < cfg.cluster_share + cfg.referral_share and mine:
                first = mine[min(int(u_firm[k] * len(mine)), len(mine) - 1)]
                theirs = neighbours[first]
                pick = theirs[min(int(u_cell[k] * len(theirs)), len(theirs) - 1)]
            else:
                running = 0.0
                chosen = len(cells) - 1
                for index, weight in enumerate(weights):
                    running += weight
                    if running / total > u_cell[k]:
                        chosen = index
                        break
                firms = cells[chosen][1]
                pick = firms[min(int(u_firm[k] * len(firms)), len(firms) - 1)]
            found.append(-1 if pick == self.row else pick)
        return found

    def best_partner(self, candidates, linked):
        """The candidate with the highest own net gain that both sides accept, or None."""
        model = self.model
        cfg = model.config.partnering
        best, best_net = None, -math.inf
        mine = self.absorptive()
        for row in candidates:
            if row < 0 or (min(self.row, row), max(self.row, row)) in linked:
                continue
            other = model.by_row[row]
            x = self.distance_to(other) / cfg.optimal_distance
            value = x * math.exp(1.0 - x)
            cross = self.country != other.country
            discount = model.matchmaking(self, other) if cross else 0.0
            cost = cfg.link_cost + (
                cfg.travel_cost_per_h * float(model.travel_h[self.cell, other.cell])
                + cfg.border_cost * cross
            ) * (1 - discount)
            net, theirs = mine * value - cost, other.absorptive() * value - cost
            if net > 0 and theirs > 0 and net > best_net:
                best, best_net = row, net
        return best

    def innovate(self, u_event: float, u_radical: float, u_field: float) -> bool:
        model = self.model
        cfg = model.config.innovation
        rd_term = (
            max(self.rd + self.rd_boost, 0.0) / model.config.population.rd_reference
        ) ** cfg.rd_elasticity
        mean_k = sum(self.knowledge) / len(self.knowledge)
        rate = cfg.base_rate * rd_term * (0.5 + mean_k) * (1 + cfg.partner_effect * self.partners)
        if u_event >= -math.expm1(-rate * model.dt):
            return False
        radical = u_radical < cfg.radical_share
        gain = cfg.productivity_gain * (cfg.radical_multiplier if radical else 1.0)
        self.productivity *= 1.0 + gain
        if radical:
            field = min(int(u_field * len(self.knowledge)), len(self.knowledge) - 1)
            self.knowledge[field] = max(self.knowledge[field], 0.5)
        self.innovations += 1
        return True


class ReferenceModel(mesa.Model):
    """The per-agent reference; build it with :meth:`from_model`."""

    @classmethod
    def from_model(cls, source: NSRModel) -> "ReferenceModel":
        """Copy a vectorised model's state and random streams into per-agent form."""
        if source.config.policies:
            raise NotImplementedError(
                "the reference covers scenarios without policy "
                "instruments (the benchmark runs the baseline)"
            )
        model = cls(rng=source.config.run.seed)
        model.config = source.config
        model.dt = source.dt
        model.source = source  # static tables only: kernels, travel times, region facts
        model.streams = Streams(*(copy.deepcopy(g) for g in vars(source.streams).values()))
        model.year = source.year
        model.step_count = source.steps
        for name in (
            "skilled",
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
        ):
            setattr(model, name, copy.deepcopy(getattr(source, name)))
        for name in (
            "skilled0",
            "workforce",
            "labour0",
            "scale",
            "proposal_kernel",
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
        ):
            setattr(model, name, getattr(source, name))
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
        in_year = self.step_count % self.config.run.steps_per_year
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
        self.step_count += 1
        if in_year == self.config.run.steps_per_year - 1:
            self.investment_flows()
            self.year += 1
            self.last_innovations = self.year_innovations
            self.year_innovations = np.zeros(len(self.scale))

    def firms(self) -> list[RefFirm]:
        """Live firms in row order (the order the shared draws are indexed in)."""
        return [self.by_row[row] for row in sorted(self.by_row)]

    @property
    def framework_active(self) -> bool:
        fw = self.config.framework
        return fw.enabled and fw.start_year <= self.year < fw.start_year + fw.duration_years

    def count_partners(self) -> None:
        for firm in self.by_row.values():
            firm.partners = 0
        for a, b, _ in self.links:
            self.by_row[a].partners += 1
            self.by_row[b].partners += 1

    def matchmaking(self, i: RefFirm, j: RefFirm) -> float:
        if not self.framework_active:
            return 0.0
        inside_i = i.cluster >= 0 and self.member[i.region]
        inside_j = j.cluster >= 0 and self.member[j.region]
        return self.config.framework.cost_reduction if inside_i and inside_j else 0.0

    def region_totals(self):
        output = np.zeros(len(self.scale))
        jobs = np.zeros(len(self.scale))
        count = np.zeros(len(self.scale))
        for firm in self.firms():
            output[firm.region] += firm.jobs * firm.productivity * self.scale[firm.region]
            jobs[firm.region] += firm.jobs * self.scale[firm.region]
            count[firm.region] += 1
        return output, jobs, count

    # ------------------------------------------------------------------------- sub-models
    def governments_decide(self) -> None:
        gov = self.config.governments
        output, _, _ = self.region_totals()
        self.budget_eur = gov.budget_share_gdp * output
        budget_rd = self.budget_eur * gov.rd_subsidy_share
        real_targets = np.zeros(len(self.scale))
        for firm in self.firms():
            if self.priority_mask[firm.region, firm.sector]:
                real_targets[firm.region] += self.scale[firm.region]
        for firm in self.firms():
            firm.rd_boost = 0.0
            if self.priority_mask[firm.region, firm.sector]:
                per_firm = budget_rd[firm.region] / real_targets[firm.region]
                firm.rd_boost = (
                    gov.additionality * per_firm / max(firm.jobs * firm.productivity, 1.0)
                )
        spent_rd = np.where(real_targets > 0, budget_rd, 0.0)
        info = self.cluster_info
        eligible = governance.eligible_clusters(self.priority_mask, info.region, info.sector)
        self.cluster_funding, spent_cl = governance.fund_clusters(
            self.budget_eur * (1.0 - gov.rd_subsidy_share), info.region, eligible
        )
        self.cluster_capacity = cluster_rules.capacity(
            self.cluster_base, self.cluster_funding, self.config.clusters
        )
        self.spent_eur = spent_rd + spent_cl
        fw = self.config.framework
        benefit = None
        if self.framework_active:
            per_region = np.zeros(len(self.scale))
            for a, b, _ in self.links:
                fa, fb = self.by_row[a], self.by_row[b]
                if fa.country != fb.country and not (
                    self.programmes[fa.region] & self.programmes[fb.region]
                ):
                    per_region[fa.region] += 1
                    per_region[fb.region] += 1
            _, _, count = self.region_totals()
            benefit = per_region / np.maximum(count, 1.0)
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

    def clusters_act(self) -> None:
        rng = self.streams.clusters
        firms = self.firms()
        u_choice, u_join = rng.random(len(firms)), rng.random(len(firms))
        for k, firm in enumerate(firms):
            firm.recruit(u_choice[k], u_join[k])
        cfg = self.config.clusters
        n = len(self.cluster_info.name)
        u_interreg, u_framework, u_lapse = (rng.random((n, n)) for _ in range(3))
        committed = self.member[self.cluster_info.region] & self.framework_active
        kind = self.cluster_partnership.copy()
        for u, rate_of, origin in (
            (
                u_interreg,
                lambda i, j: (
                    cfg.interreg_partnering_rate
                    * (
                        (
                            self.programmes[self.cluster_info.region[i]]
                            & self.programmes[self.cluster_info.region[j]]
                        )
                        != 0
                    )
                ),
                cluster_rules.INTERREG,
            ),
            (
                u_framework,
                lambda i, j: cfg.framework_partnering_rate * (committed[i] and committed[j]),
                cluster_rules.FRAMEWORK,
            ),
        ):
            new = kind.copy()
            for i in range(n):
                for j in range(i + 1, n):
                    if self.cluster_country[i] == self.cluster_country[j] or kind[i, j]:
                        continue
                    rate = (
                        rate_of(i, j)
                        * self.cluster_complementarity[i, j]
                        * (self.cluster_capacity[i] * self.cluster_capacity[j])
                    )
                    if u[i, j] < -math.expm1(-rate * self.dt):
                        new[i, j] = new[j, i] = origin
            kind = new
        for i in range(n):
            for j in range(i + 1, n):
                active = committed[i] and committed[j]
                if (
                    kind[i, j] == cluster_rules.FRAMEWORK
                    and not active
                    and u_lapse[i, j] < (-math.expm1(-0.5 * self.dt))
                ):
                    kind[i, j] = kind[j, i] = cluster_rules.NONE
        self.cluster_partnership = kind

    def firms_partner(self) -> None:
        cfg = self.config.partnering
        rng = self.streams.partnering
        firms = self.firms()
        free = [f for f in firms if f.partners < cfg.max_partners]
        u_search = rng.random(len(free))
        searchers = [
            f for k, f in enumerate(free) if u_search[k] < -math.expm1(-cfg.search_rate * self.dt)
        ]
        m = cfg.candidates
        mix, u_cell, u_firm = (rng.random((len(searchers), m)) for _ in range(3))
        priority = rng.random(len(searchers))
        by_cell = defaultdict(list)
        for firm in firms:
            by_cell[firm.cell].append(firm.row)
        cells = sorted(by_cell.items())
        members = defaultdict(list)
        for firm in firms:
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
        for a, b, _ in self.links:
            neighbours[b].append(a)
        linked = {(a, b) for a, b, _ in self.links}
        proposals = []
        for k, firm in enumerate(searchers):
            candidates = firm.search(mix[k], u_cell[k], u_firm[k], cells, pools, neighbours)
            best = firm.best_partner(candidates, linked)
            if best is not None:
                proposals.append((priority[k], firm.row, best))
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
        u_dissolve = rng.random(len(self.links))
        hazard = -math.expm1(-cfg.dissolve_rate * self.dt)
        self.links = [link for k, link in enumerate(self.links) if u_dissolve[k] >= hazard]
        self.links += [[min(i, j), max(i, j), 0.0] for i, j in accepted]
        self.count_partners()

    def firms_learn(self) -> None:
        cfg = self.config.learning
        optimal = self.config.partnering.optimal_distance
        firms = self.firms()
        absorptive = {f.row: f.absorptive() for f in firms}
        gain = {f.row: [0.0] * len(f.knowledge) for f in firms}
        for a, b, _ in self.links:
            fa, fb = self.by_row[a], self.by_row[b]
            x = fa.distance_to(fb) / optimal
            rate = cfg.link_rate * self.dt * x * math.exp(1.0 - x)
            for f in range(len(fa.knowledge)):
                lead = fb.knowledge[f] - fa.knowledge[f]
                gain[a][f] += rate * absorptive[a] * max(lead, 0.0)
                gain[b][f] += rate * absorptive[b] * max(-lead, 0.0)
        for firm in firms:  # unintended spillovers from every other firm, by travel decay
            weight_sum, local = 0.0, [0.0] * len(firm.knowledge)
            for other in firms:
                w = float(self.spill_kernel.full[firm.cell, other.cell])
                weight_sum += w
                for f in range(len(local)):
                    local[f] += w * other.knowledge[f]
            for f in range(len(local)):
                lead = local[f] / weight_sum - firm.knowledge[f]
                gain[firm.row][f] += (
                    cfg.spillover_rate * self.dt * absorptive[firm.row] * max(lead, 0.0)
                )
        decay = math.exp(-cfg.depreciation * self.dt)
        for firm in firms:
            firm.knowledge = [
                min(max((k + g) * decay, 0.0), 1.0)
                for k, g in zip(firm.knowledge, gain[firm.row], strict=True)
            ]

    def firms_innovate(self) -> None:
        rng = self.streams.innovation
        firms = self.firms()
        u_event, u_radical, u_field = (rng.random(len(firms)) for _ in range(3))
        for k, firm in enumerate(firms):
            if firm.innovate(u_event[k], u_radical[k], u_field[k]):
                self.year_innovations[firm.region] += self.scale[firm.region]

    def market_selects(self) -> None:
        cfg = self.config.market
        firms = self.firms()
        output, jobs = defaultdict(float), defaultdict(float)
        for firm in firms:
            for key in ((firm.region, firm.sector), firm.sector):
                output[key] += firm.jobs * firm.productivity
                jobs[key] += firm.jobs
        u_exit = self.streams.market.random(len(firms))
        grown, exiting, local = {}, [], {}
        for k, firm in enumerate(firms):
            group = (firm.region, firm.sector)
            local[firm.row] = firm.productivity / (output[group] / jobs[group])
            grown[firm.row] = firm.jobs * math.exp(
                cfg.selection_speed * self.dt * (local[firm.row] - 1.0)
            )
            relative = firm.productivity / (output[firm.sector] / jobs[firm.sector])
            churn = u_exit[k] < -math.expm1(-cfg.exit_hazard * self.dt)
            if relative < cfg.exit_threshold or churn or grown[firm.row] < 0.5:
                exiting.append(firm)
        released, weight = defaultdict(float), defaultdict(float)
        gone = {f.row for f in exiting}
        for firm in firms:
            group = (firm.region, firm.sector)
            if firm.row in gone:
                released[group] += grown[firm.row]
            else:
                weight[group] += grown[firm.row] * local[firm.row]
        for firm in firms:
            if firm.row in gone:
                continue
            group = (firm.region, firm.sector)
            share = grown[firm.row] * local[firm.row] / weight[group] if weight[group] > 0 else 0
            firm.jobs = grown[firm.row] + released[group] * share
        for firm in exiting:
            del self.by_row[firm.row]
            firm.remove()
        self.links = [link for link in self.links if link[0] not in gone and link[1] not in gone]
        self.count_partners()
        self.enter_firms(output, jobs)
        labour = self.labour0 * self.skilled / self.skilled0
        demand = np.zeros(len(self.scale))
        for firm in self.firms():
            demand[firm.region] += firm.jobs * self.scale[firm.region]
        for firm in self.firms():
            if demand[firm.region] > 0:
                firm.jobs *= min(1.0, labour[firm.region] / demand[firm.region])

    def enter_firms(self, output, jobs) -> None:
        firms = self.firms()
        n_regions = len(self.scale)
        count = np.zeros(n_regions)
        rd = np.zeros(n_regions)
        local = np.zeros((n_regions, len(firms[0].knowledge)))
        for firm in firms:
            count[firm.region] += 1
            rd[firm.region] += firm.rd
            local[firm.region] += firm.knowledge
        real = count * self.scale
        innov = np.divide(self.last_innovations, real, out=np.zeros(n_regions), where=count > 0)
        relative = innov / innov.mean() if innov.mean() > 0 else np.ones_like(innov)
        pull = (0.5 + 0.5 * relative) * self.skilled / self.skilled0
        expected = self.config.market.entry_rate * self.dt * count * pull
        safe = np.maximum(count, 1)
        sector_mean = np.array(
            [output[s] / jobs[s] if jobs[s] > 0 else 0.0 for s in range(len(SECTORS))]
        )
        entrants = draw_entrants(
            self.streams.entry,
            expected,
            self.source.entry_context(),
            rd / safe,
            local / safe[:, None],
            sector_mean,
            self.config.market.entrant_jobs,
        )
        if entrants is None:
            return
        for k in range(len(entrants["cell"])):
            row = self.n_rows
            self.n_rows += 1
            self.by_row[row] = RefFirm(
                self, row, **{name: values[k] for name, values in entrants.items()}
            )

    def workers_move(self) -> None:
        output, jobs, count = self.region_totals()
        productivity = np.divide(output, jobs, out=np.zeros_like(jobs), where=jobs > 0)
        real = count * self.scale
        per_firm = np.divide(self.last_innovations, real, out=np.zeros_like(real), where=real > 0)
        mean = per_firm.mean() if per_firm.mean() > 0 else 1.0
        cfg = self.config.mobility
        utility = mobility.attractiveness(
            productivity / productivity.mean(), per_firm / mean, self.urban_share, cfg
        )
        flows = mobility.migration_flows(
            self.skilled, utility, self.region_km, self.region_cross, cfg, self.dt
        )
        self.skilled = mobility.apply_flows(self.skilled, flows)

    def investment_flows(self) -> None:
        cfg = self.config.mobility
        n = len(self.cluster_info.name)
        mass, output = np.zeros(n), np.zeros(n)
        firms = self.firms()
        for firm in firms:
            if firm.cluster >= 0:
                real_jobs = firm.jobs * self.scale[firm.region]
                mass[firm.cluster] += real_jobs
                output[firm.cluster] += real_jobs * firm.productivity
        pool = cfg.investment_share * self.region_totals()[0].sum()
        invested = mobility.allocate_investment(pool, mass, cfg)
        for firm in firms:
            if firm.cluster >= 0 and output[firm.cluster] > 0:
                firm.productivity *= 1.0 + cfg.investment_return * (
                    invested[firm.cluster] / output[firm.cluster]
                )
        self.year_investment = np.bincount(
            self.cluster_info.region, weights=invested, minlength=len(self.scale)
        )

    # ---------------------------------------------------------------------- comparison
    def state(self) -> dict[str, np.ndarray]:
        """Firm state as arrays in row order, for comparison with NSRModel."""
        firms = self.firms()
        return {
            "rows": np.array([f.row for f in firms]),
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
