"""Policy instruments: whom they reach, what their money buys, and the record of it (ODD 7.9).

Money buys countable units at a unit cost, so a budget's effect is what it can pay for:

- ``matchmaking``: a brokered partner match for one firm; a broker introduces the firm to a
  partner in scope (transnational, INTERREG A or any other country) and a link forms if both
  gain from it;
- ``innovation_management``: one coached firm; lower fixed link cost and a higher innovation
  rate, fading over ``coaching_persistence_years``;
- ``rd_subsidy``: one co-funded firm R&D project; the project's R&D spending for
  ``rd_project_years`` (x additionality);
- ``cluster_management``: one cluster-manager FTE-year; initiative funding, so capacity
  (recruiting, partnerships);
- ``rural_inclusion``: one rural firm brought into cluster activities; membership, more search
  and cheaper travel for ``rural_support_years``;
- ``talent_attraction``: one supported recruitment; one skilled worker more in the region;
- ``infrastructure``: one year of the project's budget; the transport project opens at
  ``start_year`` and stays open.

Participants are chosen by one documented rule: firms of the target set that are sampled
finely (an agent of a targeted stratum or a fine entrant, ``FirmArrays.fine``), not served by
the same instrument in the last ``repeat_after_years``, apply (a keyed draw, probability
``apply_share``) and are taken in order of fit (absorptive capacity) while the money lasts. An
agent is one participant per real firm it stands for. Spent = units x unit cost <= the year's
budget plus what earlier years left (budgets are multi-annual); what is left at the end is
unspent. Budget 0 or an empty target set draws nothing and changes nothing.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nsrsim.config import InstrumentsConfig, PolicyInstrument
from nsrsim.population import initiative_choice
from nsrsim.rules.partnering import (
    CandidateDraws,
    choose_partners,
    sample_candidates,
)
from nsrsim.sectors import SECTORS
from nsrsim.world.grid import URBAN_CLASSES

if TYPE_CHECKING:
    from nsrsim.model import NSRModel

PARTICIPANT_COLUMNS = [
    "year",
    "instrument",
    "name",
    "kind",
    "firm",
    "region",
    "real_firms",
    "units",
    "eur",
    "partner",
]


def active(instrument: PolicyInstrument, year: int) -> bool:
    """Whether the instrument runs in simulated ``year``."""
    return instrument.start_year <= year < instrument.start_year + instrument.duration_years


def label(instrument: PolicyInstrument) -> str:
    """The instrument's name in reports."""
    return instrument.name or instrument.kind


def unit_cost(instrument: PolicyInstrument, params: InstrumentsConfig) -> float:
    """EUR of one unit the instrument buys (its own ``unit_cost_eur`` or the kind's)."""
    if instrument.unit_cost_eur is not None:
        return instrument.unit_cost_eur
    return {
        "matchmaking": params.match_eur,
        "innovation_management": params.coaching_eur,
        "rd_subsidy": params.rd_funding_rate * params.rd_project_eur,
        "cluster_management": params.management_fte_eur,
        "rural_inclusion": params.rural_eur,
        "talent_attraction": params.recruitment_eur,
        "infrastructure": instrument.budget_eur_per_year,
        "cluster_partnership": params.match_eur,
    }[instrument.kind]


def targeted(
    instrument: PolicyInstrument,
    region_codes: list[str],
    region: np.ndarray,
    sector: np.ndarray,
    urban: np.ndarray,
) -> np.ndarray:
    """Mask of the rows the instrument's region, sector and urban-class filters admit."""
    mask = np.ones(len(region), bool)
    if instrument.regions:  # target regions the scenario does not model reach no one
        codes = [region_codes.index(r) for r in instrument.regions if r in region_codes]
        mask &= admitted(codes, len(region_codes))[region]
    if instrument.sectors:
        mask &= admitted([SECTORS.index(s) for s in instrument.sectors], len(SECTORS))[sector]
    if instrument.urban_class:
        codes = [URBAN_CLASSES.index(u) for u in instrument.urban_class]
        mask &= admitted(codes, len(URBAN_CLASSES))[urban]
    return mask


def admitted(codes: list[int], n_codes: int) -> np.ndarray:
    """A lookup mask over ``n_codes`` codes, True for ``codes`` (cheaper than ``np.isin``)."""
    mask = np.zeros(n_codes, bool)
    mask[codes] = True
    return mask


def select(
    applicants: np.ndarray,
    fit: np.ndarray,
    firm_id: np.ndarray,
    weight: np.ndarray,
    cost: float,
    budget: np.ndarray,
    group: np.ndarray | None = None,
) -> np.ndarray:
    """Rows chosen from ``applicants``: in order of fit (then id), each taken if its cost
    (weight x ``cost``) fits in what is left of its group's budget (one budget if ``group``
    is None), skipped otherwise.
    """
    if applicants.size == 0 or cost <= 0:
        return applicants[:0]
    groups = np.zeros(applicants.size, np.int64) if group is None else group[applicants]
    order = np.lexsort((firm_id[applicants], -fit[applicants], groups))
    rows, groups = applicants[order], groups[order]
    spend = (weight[rows] * cost).tolist()
    left = (np.atleast_1d(budget).astype(float) * (1 + 1e-12)).tolist()
    keep = np.zeros(rows.size, bool)
    for k, g in enumerate(groups.tolist()):  # sequential: each pick spends what is left
        if spend[k] <= left[g]:
            keep[k] = True
            left[g] -= spend[k]
    return rows[keep]


@dataclass
class Ledger:
    """One year of policy money and participants, filled instrument by instrument."""

    n_instruments: int
    budget_eur: np.ndarray = field(init=False)  # this year's allocation
    carried_eur: np.ndarray = field(init=False)  # unspent money of earlier years
    spent_eur: np.ndarray = field(init=False)
    units: np.ndarray = field(init=False)
    rows: list[dict[str, np.ndarray]] = field(default_factory=list)  # columns per call

    def __post_init__(self) -> None:
        self.budget_eur = np.zeros(self.n_instruments)
        self.carried_eur = np.zeros(self.n_instruments)
        self.spent_eur = np.zeros(self.n_instruments)
        self.units = np.zeros(self.n_instruments)

    def available(self, index: int) -> float:
        """Money instrument ``index`` may still spend this year."""
        return float(self.budget_eur[index] + self.carried_eur[index] - self.spent_eur[index])

    def pay(self, index: int, units: float, cost: float) -> None:
        """Record units bought by instrument ``index`` (negative index: not an instrument)."""
        if index >= 0:
            self.units[index] += units
            self.spent_eur[index] += units * cost

    def participants(
        self,
        year: int,
        index: int,
        instrument_name: str,
        kind: str,
        firm_id: np.ndarray,
        region: np.ndarray,
        real_firms: np.ndarray,
        cost: float,
        partner: np.ndarray | None = None,
    ) -> None:
        """Record the firms an instrument reached this year (one row per agent), as columns."""
        n = len(firm_id)
        if n == 0:
            return
        real_firms = np.asarray(real_firms)
        self.rows.append(
            {
                "year": np.full(n, year, np.int64),
                "instrument": np.full(n, index, np.int64),
                "name": np.full(n, instrument_name, object),
                "kind": np.full(n, kind, object),
                "firm": np.asarray(firm_id, np.int64),
                "region": np.asarray(region, np.int64),
                "real_firms": real_firms.astype(float),
                "units": real_firms.astype(float),
                "eur": (real_firms * cost).astype(float),
                "partner": np.full(n, -1, np.int64)
                if partner is None
                else partner.astype(np.int64),
            }
        )


def participant_table(rows: list[dict], region_codes: list[str]) -> pd.DataFrame:
    """The participants of a run as a table (``participants.parquet``) from the ledgers'
    columns (:meth:`Ledger.participants`).
    """
    if not rows:
        return pd.DataFrame([], columns=PARTICIPANT_COLUMNS)
    table = pd.DataFrame({c: np.concatenate([row[c] for row in rows]) for c in PARTICIPANT_COLUMNS})
    table["region"] = np.asarray(region_codes, dtype=object)[table["region"].to_numpy(int)]
    return table


def served_recently(
    served: dict[int, np.ndarray], index: int, firm_id: np.ndarray, year: int, repeat: int
) -> np.ndarray:
    """Whether each firm was served by instrument ``index`` in the last ``repeat`` years.

    ``served[index]`` holds (id, year) pairs as a 2-column array.
    """
    record = served.get(index)
    if record is None or len(record) == 0:
        return np.zeros(len(firm_id), bool)
    recent = np.sort(record[record[:, 1] > year - repeat, 0])
    if recent.size == 0:
        return np.zeros(len(firm_id), bool)
    at = np.minimum(np.searchsorted(recent, firm_id), recent.size - 1)
    return recent[at] == firm_id


def remember(served: dict[int, np.ndarray], index: int, firm_id: np.ndarray, year: int) -> None:
    """Add this year's participants to ``served``."""
    new = np.column_stack([firm_id, np.full(len(firm_id), year)])
    served[index] = new if index not in served else np.concatenate([served[index], new])


# ------------------------------------------------------------------------------ per kind
def fine_firms(model: "NSRModel") -> np.ndarray:
    """Rows of live firm agents at participant resolution (the targeted strata's agents)."""
    firms = model.firms
    live = firms.live()
    return live[firms.fine[live]]


def applicants(
    model: "NSRModel", index: int, instrument: PolicyInstrument, extra: np.ndarray | None = None
) -> np.ndarray:
    """Rows that are eligible for the instrument this year and apply to it.

    Eligible: fine-resolution live firms in the target set (and ``extra``, a mask over rows),
    members of an initiative if the instrument says so, not served by it in the last
    ``repeat_after_years``. Each applies with probability ``apply_share`` (a draw keyed by the
    firm and the instrument's kind and name, so the same instrument draws the same in every
    scenario).
    """
    firms = model.firms
    rows = fine_firms(model)
    mask = targeted(
        instrument, model.region_codes, firms.region[rows], firms.sector[rows], firms.urban[rows]
    )
    if extra is not None:
        mask &= extra[rows]
    if instrument.members_only:
        mask &= firms.cluster[rows] >= 0
    rows = rows[mask]
    params = model.config.instruments
    rows = rows[
        ~served_recently(model.served, index, firms.id[rows], model.year, params.repeat_after_years)
    ]
    stream = f"apply.{instrument.kind}.{label(instrument)}"
    u = model.draws.uniform(stream, model.steps, firms.id[rows])
    return rows[u < params.apply_share]


def participants(
    model: "NSRModel", index: int, instrument: PolicyInstrument
) -> tuple[np.ndarray, float]:
    """This year's participants of a firm-level instrument (applicants by fit while its budget
    lasts) and the cost of one unit.
    """
    cost = unit_cost(instrument, model.config.instruments)
    chosen = select(
        applicants(model, index, instrument),
        model.absorptive(),
        model.firms.id,
        model.firms.weight,
        cost,
        np.array([model.ledger.available(index)]),
    )
    return chosen, cost


def apply(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Spend one year of an active instrument's budget on its units.

    The budget is multi-annual, as programme budgets are: money an instrument could not spend
    in a year (a participant costs weight x unit cost, so a year's money may not reach the
    next one) stays available in its later years; what is left at its end is unspent.
    """
    ledger = model.ledger
    ledger.budget_eur[index] = instrument.budget_eur_per_year
    ledger.carried_eur[index] = model.carry[index]
    if ledger.available(index) > 0:
        KINDS[instrument.kind](model, index, instrument)
    model.carry[index] = ledger.available(index) if active(instrument, model.year + 1) else 0.0


def _record(
    model: "NSRModel",
    index: int,
    name: str,
    kind: str,
    rows: np.ndarray,
    cost: float,
    partner: np.ndarray | None = None,
) -> None:
    firms = model.firms
    model.ledger.pay(index, float(firms.weight[rows].sum()), cost)
    model.ledger.participants(
        model.year,
        index,
        name,
        kind,
        firms.id[rows],
        firms.region[rows],
        firms.weight[rows],
        cost,
        None if partner is None else firms.id[partner],
    )
    remember(model.served, index, firms.id[rows], model.year)  # -1: the regions' programmes


def _shortlist(
    model: "NSRModel", index: int, instrument: PolicyInstrument, eligible: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """A broker's list: applicants with free capacity (and ``eligible``, a mask over rows),
    fittest first, ``shortlist_factor`` times as many as the money buys (plus one); with the
    firms' degrees, the unit cost and every row's fit.
    """
    firms = model.firms
    cfg = model.config
    degree = model.links.degree(firms.n)
    free = degree < cfg.partnering.max_partners
    rows = applicants(model, index, instrument, free if eligible is None else free & eligible)
    cost = unit_cost(instrument, cfg.instruments)
    fit = model.absorptive()
    order = np.lexsort((firms.id[rows], -fit[rows]))
    affordable = int(model.ledger.available(index) // cost) + 1
    listed = cfg.instruments.shortlist_factor * affordable
    return rows[order][:listed], degree, cost, fit  # the fittest first


def _introduce(
    model: "NSRModel",
    index: int,
    instrument: PolicyInstrument,
    rows: np.ndarray,
    candidates: np.ndarray,
    degree: np.ndarray,
    cost: float,
    fit: np.ndarray,
) -> None:
    """Introduce each listed firm to its best candidate (both must gain more than the link's
    cost, the broker cutting ``broker_cost_cut`` of its travel and border part; the fittest
    claim partners first) and pay for the matches made while the money lasts.
    """
    firms = model.firms
    cfg = model.config
    n = firms.n
    gain_i, gain_j, link_cost = model.link_economics(
        rows[:, None], candidates, cfg.instruments.broker_cost_cut
    )
    a, b = choose_partners(
        rows,
        candidates,
        gain_i,
        gain_j,
        link_cost,
        np.sort(model.links.keys(n)),
        degree,
        n,
        cfg.partnering.max_partners,
        np.arange(rows.size, dtype=float),
    )
    paid = np.zeros(n, bool)  # a searcher proposes once: its row marks its match
    paid[
        select(a, fit, firms.id, firms.weight, cost, np.array([model.ledger.available(index)]))
    ] = True
    a, b = a[paid[a]], b[paid[a]]
    model.links.add(a, b)
    _record(model, index, label(instrument), instrument.kind, a, cost, partner=b)


def matchmaking(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Brokered matches: each selected applicant is introduced to the partner in scope that
    suits both best among ``broker_candidates`` firms the broker finds; a link forms where both
    gain more than its cost, with the broker's introduction removing ``broker_cost_cut`` of the
    travel and border cost. Only matches made are paid for.
    """
    rows, degree, cost, fit = _shortlist(model, index, instrument, None)
    if rows.size == 0:
        return
    firms = model.firms
    n = firms.n
    ids = firms.id[rows]
    stream = f"broker.{instrument.kind}.{label(instrument)}"
    k = model.config.instruments.broker_candidates
    draws = CandidateDraws(
        mix=np.ones((rows.size, k)),
        cell=model.proposal_draws(stream + ".cell", ids),
        firm=model.draws.uniform(stream + ".firm", model.steps, ids, k),
        second=np.zeros((rows.size, k)),
        priority=np.arange(rows.size, dtype=float),
    )
    candidates = sample_candidates(
        rows,
        firms.cell,
        firms.id,
        firms.live(),
        model.scope_sampler(instrument.scope),
        np.full(n, -1),
        np.zeros(1, np.int64),
        np.empty(0, np.int64),
        (np.zeros(n + 1, np.int64), np.empty(0, np.int64)),
        0.0,
        0.0,
        draws,
    )
    _introduce(model, index, instrument, rows, candidates, degree, cost, fit)


def cluster_partnership(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """A brokered partnership of two cluster initiatives: their member firms with free
    capacity apply, and each selected member is introduced to ``broker_candidates`` members of
    the other initiative (keyed draws by firm), then matched as in matchmaking. Only matches
    made are paid for, at the match cost: the budget is the partnership's strength, and a
    budget of 0 changes nothing.
    """
    firms = model.firms
    names = model.cluster_info.name
    pair = [names.index(c) for c in instrument.clusters if c in names]
    if len(pair) < 2:  # an initiative of a region the scenario does not model
        return
    live = firms.live()
    members = [live[firms.cluster[live] == c] for c in pair]
    members = [m[np.argsort(firms.id[m], kind="stable")] for m in members]
    if min(m.size for m in members) == 0:
        return
    eligible = np.zeros(firms.n, bool)
    eligible[np.concatenate(members)] = True
    rows, degree, cost, fit = _shortlist(model, index, instrument, eligible)
    if rows.size == 0:
        return
    k = model.config.instruments.broker_candidates
    u = model.draws.uniform(f"partnership.{label(instrument)}", model.steps, firms.id[rows], k)
    other = np.where(firms.cluster[rows] == pair[0], 1, 0)
    candidates = np.empty((rows.size, k), np.int64)
    for side in (0, 1):
        mine = other == side
        pool = members[side]
        candidates[mine] = pool[np.minimum((u[mine] * pool.size).astype(np.int64), pool.size - 1)]
    _introduce(model, index, instrument, rows, candidates, degree, cost, fit)


class ScopeKernel:
    """Cell-to-cell weights of a broker: 1 toward cells of regions in the instrument's scope
    (transnational, INTERREG A or any other country), 0 elsewhere; rows built on demand.
    """

    def __init__(self, model: "NSRModel", scope: str) -> None:
        country = model.region_country
        shared = model.interreg_tie
        other = country[:, None] != country[None, :]
        allowed = {
            "transnational": other & ~shared,
            "interreg_a": other & shared,
            "cross_border": other,
        }[scope]
        self.region_weight = allowed.astype(np.float32)
        self.cell_region = model.cell_region

    def __len__(self) -> int:
        return len(self.cell_region)

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        return self.region_weight[self.cell_region[rows]][:, self.cell_region]


def coaching(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Coached firms: selected applicants are coached this year."""
    chosen, cost = participants(model, index, instrument)
    model.firms.coached_year[chosen] = model.year
    _record(model, index, label(instrument), instrument.kind, chosen, cost)


def rd_projects(
    model: "NSRModel",
    index: int,
    name: str,
    budget: np.ndarray,
    eligible: np.ndarray,
    by_region: bool = False,
    instrument: PolicyInstrument | None = None,
) -> np.ndarray:
    """Co-funded R&D projects: selected applicants without a running project start one.

    ``budget`` is one amount, or one per region when ``by_region`` (the regions' own
    subsidies). Returns the EUR spent per region.
    """
    firms = model.firms
    params = model.config.instruments
    extra = eligible & (firms.project_until[: firms.n] <= model.year)
    if instrument is None:  # the regions' own programmes: every eligible firm of the region
        rows = fine_firms(model)
        rows = rows[extra[rows]]
        # not funded by them in the last repeat_after_years (section 7.9's rule)
        recent = served_recently(
            model.served, index, firms.id[rows], model.year, params.repeat_after_years
        )
        rows = rows[~recent]
        u = model.draws.uniform("apply.regional_rd", model.steps, firms.id[rows])
        rows = rows[u < params.apply_share]
        cost = params.rd_funding_rate * params.rd_project_eur
    else:
        rows = applicants(model, index, instrument, extra)
        cost = unit_cost(instrument, params)
    chosen = select(
        rows,
        model.absorptive(),
        firms.id,
        firms.weight,
        cost,
        np.atleast_1d(budget),
        firms.region.astype(np.int64) if by_region else None,
    )
    years = params.rd_project_years
    firms.project_eur[chosen] = params.rd_funding_rate * params.rd_project_eur / years
    firms.project_until[chosen] = model.year + years
    _record(model, index, name, "rd_subsidy", chosen, cost)
    return np.bincount(
        firms.region[chosen], weights=firms.weight[chosen] * cost, minlength=len(model.region_codes)
    )


def rd_subsidy(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """An R&D subsidy instrument: co-funded projects from its budget."""
    rd_projects(
        model,
        index,
        label(instrument),
        np.array([model.ledger.available(index)]),
        np.ones(model.firms.n, bool),
        instrument=instrument,
    )


def rd_boost(model: "NSRModel") -> np.ndarray:
    """Extra R&D share per firm row this year: ``additionality`` x the subsidy of its running
    project per year over the firm's revenue.
    """
    firms = model.firms
    n = firms.n
    running = firms.project_until[:n] > model.year
    revenue = np.maximum(firms.jobs[:n] * firms.productivity[:n], 1.0)
    extra = model.config.governments.additionality * firms.project_eur[:n] / revenue
    return np.where(running, extra, 0.0)


def cluster_management(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Cluster-manager FTE-years for the targeted initiatives, the budget shared equally."""
    info = model.cluster_info
    chosen = (
        targeted(
            instrument,
            model.region_codes,
            info.region,
            info.sector,
            np.zeros(len(info.region), int),
        )
        if not instrument.urban_class
        else np.zeros(len(info.region), bool)
    )
    if not chosen.any():
        return
    cost = unit_cost(instrument, model.config.instruments)
    budget = model.ledger.available(index)
    model.cluster_funding = model.cluster_funding + np.where(chosen, budget / chosen.sum(), 0.0)
    model.ledger.pay(index, budget / cost, cost)


def rural_inclusion(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Enrolled rural firms: they join an initiative of their region and sector (if there is
    one and they are not members) and get search and travel support for a few years.
    """
    firms = model.firms
    chosen, cost = participants(model, index, instrument)
    firms.rural_until[chosen] = model.year + model.config.instruments.rural_support_years
    join = chosen[firms.cluster[chosen] < 0]
    choice = initiative_choice(
        firms.region[join],
        firms.sector[join],
        model.cluster_info,
        model.draws.uniform("rural.join", model.steps, firms.id[join]),
    )
    firms.cluster[join] = np.where(choice >= 0, choice, firms.cluster[join])
    _record(model, index, label(instrument), instrument.kind, chosen, cost)


def talent_attraction(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """Supported recruitments: each selected firm recruits one skilled worker per real firm
    from outside the corridor into its region.
    """
    firms = model.firms
    chosen, cost = participants(model, index, instrument)
    recruits = np.bincount(
        firms.region[chosen], weights=firms.weight[chosen], minlength=len(model.region_codes)
    )
    model.arrive(recruits)
    model.recruited += float(recruits.sum())
    _record(model, index, label(instrument), instrument.kind, chosen, cost)


def infrastructure(model: "NSRModel", index: int, instrument: PolicyInstrument) -> None:
    """The transport project opens at the instrument's start and stays open."""
    model.opened_projects.add(instrument.project)
    model.ledger.pay(index, 1.0, model.ledger.available(index))


def budget_rows(model: "NSRModel", year: int) -> list[dict]:
    """``policies.parquet`` rows of a year: each instrument's and the framework's budget,
    units bought, unit cost and spending.
    """
    rows = []
    params = model.config.instruments
    for index, instrument in enumerate(model.instruments):
        rows.append(
            {
                "year": year,
                "instrument": index,
                "name": label(instrument),
                "kind": instrument.kind,
                "budget_eur": model.ledger.budget_eur[index],
                "carried_eur": model.ledger.carried_eur[index],
                "units": model.ledger.units[index],
                "unit_cost_eur": unit_cost(instrument, params),
                "spent_eur": model.ledger.spent_eur[index],
            }
        )
    fw = model.config.framework
    if fw.enabled:
        paid = model.framework_budget_eur > 0
        rows.append(
            {
                "year": year,
                "instrument": -1,
                "name": "framework secretariat",
                "kind": "framework",
                "budget_eur": fw.secretariat_eur_per_year if paid else 0.0,
                "carried_eur": 0.0,
                "units": 1.0 if paid else 0.0,
                "unit_cost_eur": fw.secretariat_eur_per_year,
                "spent_eur": fw.secretariat_eur_per_year if paid else 0.0,
            }
        )
        rows.append(
            {
                "year": year,
                "instrument": -1,
                "name": "framework partnerships",
                "kind": "framework",
                "budget_eur": model.framework_budget_eur - fw.secretariat_eur_per_year
                if paid
                else 0.0,
                "carried_eur": 0.0,
                "units": model.framework_partnership_years,
                "unit_cost_eur": fw.partnership_eur_per_year,
                "spent_eur": model.framework_partnership_years * fw.partnership_eur_per_year,
            }
        )
    return rows


KINDS = {  # what one year of each kind of instrument does with its money
    "matchmaking": matchmaking,
    "innovation_management": coaching,
    "rd_subsidy": rd_subsidy,
    "cluster_management": cluster_management,
    "rural_inclusion": rural_inclusion,
    "talent_attraction": talent_attraction,
    "infrastructure": infrastructure,
    "cluster_partnership": cluster_partnership,
}
