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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from nsrsim.config import FrameworkConfig, InstrumentsConfig, PolicyInstrument
from nsrsim.population import ClusterTable, initiative_choice
from nsrsim.random import KeyedRandom, keyed_uniform
from nsrsim.rules.cell_sampler import MAX_ROUNDS, CellSampler
from nsrsim.rules.partnering import (
    NO_SCOPE,
    ON_DEMAND,
    ProposalDraws,
    by_id,
    introduce,
)
from nsrsim.sectors import SECTORS
from nsrsim.state import NEVER, FirmArrays, Links
from nsrsim.world.grid import URBAN_CLASSES
from nsrsim.world.regions import Regions

NOT_SERVED = np.zeros(0, np.int32)  # ``served`` of an instrument that served no one yet
NOT_SERVED.flags.writeable = False
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


def target_lookups(
    instrument: PolicyInstrument, region_codes: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup masks over region, sector and urban-class codes, True where the instrument's
    filters admit the code (an empty filter admits all; target regions the scenario does not
    model reach no one). Read-only: made once per set of filters.
    """
    return _lookups(
        tuple(instrument.regions),
        tuple(instrument.sectors),
        tuple(instrument.urban_class),
        tuple(region_codes),
    )


@cache
def _lookups(
    regions: tuple[str, ...],
    sectors: tuple[str, ...],
    classes: tuple[str, ...],
    region_codes: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def lookup(chosen: tuple[str, ...], codes: Sequence[str]) -> np.ndarray:
        mask = admitted([codes.index(c) for c in chosen if c in codes], len(codes))
        if not chosen:
            mask[:] = True
        mask.flags.writeable = False
        return mask

    return lookup(regions, region_codes), lookup(sectors, SECTORS), lookup(classes, URBAN_CLASSES)


def targeted(
    instrument: PolicyInstrument,
    region_codes: list[str],
    region: np.ndarray,
    sector: np.ndarray,
    urban: np.ndarray,
) -> np.ndarray:
    """Mask of the rows the instrument's region, sector and urban-class filters admit."""
    regions, sectors, classes = target_lookups(instrument, region_codes)
    return regions[region] & sectors[sector] & classes[urban]


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
    left = np.atleast_1d(budget).astype(float) * (1 + 1e-12)
    return rows[_affordable(weight[rows] * cost, np.asarray(groups, np.int64), left)]


@njit(cache=True)
def _affordable(spend, groups, left):
    """Sequential picks: each takes its ``spend`` from what is left of its group's money if it
    fits (``left`` is used up in place).
    """
    keep = np.zeros(len(spend), np.bool_)
    for k in range(len(spend)):
        if spend[k] <= left[groups[k]]:
            keep[k] = True
            left[groups[k]] -= spend[k]
    return keep


@dataclass
class Ledger:
    """One year of policy money and participants, filled instrument by instrument."""

    n_instruments: int
    budget_eur: np.ndarray = field(init=False)  # this year's allocation
    carried_eur: np.ndarray = field(init=False)  # unspent money of earlier years
    spent_eur: np.ndarray = field(init=False)
    units: np.ndarray = field(init=False)
    rows: list[dict[str, Any]] = field(default_factory=list)  # per call: year, instrument,
    # name and kind once, then columns (:func:`participant_table` repeats the first four)

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
        """Record the firms an instrument reached this year (one row per agent), as columns;
        the burn-in's years (before year 0) record nothing, as they keep no other records.
        """
        n = len(firm_id)
        if n == 0 or year < 0:
            return
        real_firms = np.asarray(real_firms)
        self.rows.append(
            {  # the call's own values once: participant_table repeats them per row
                "year": year,
                "instrument": index,
                "name": instrument_name,
                "kind": kind,
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


@dataclass
class Changes:
    """What a year's instruments change beyond the firms, links and ledger they are given, in
    the order they ran; the model applies it after them (nothing an instrument reads depends
    on it within the year).
    """

    funding: list[np.ndarray] = field(default_factory=list)  # EUR added per initiative
    recruits: list[np.ndarray] = field(default_factory=list)  # skilled arrivals per region
    opened: list[str] = field(default_factory=list)  # transport projects opened for good


@dataclass(frozen=True)
class PolicyYear:
    """Everything the instruments of one year are given, instead of the model: the firm
    arrays and links they act on, the regions and initiatives, their parameters, keyed draws,
    every firm's fit (absorptive capacity, fixed while they run), this year's ledger, whom
    each instrument served, and the model's partner-search economics (what a link's gains and
    cost read, a search's proposal draws, a broker scope's cell sampler). Instruments write the
    firms, links, ledger and ``served`` they are given and report everything else in
    ``changes``.
    """

    year: int
    step: int
    firms: FirmArrays
    links: Links
    regions: Regions
    clusters: ClusterTable
    params: InstrumentsConfig
    max_partners: int
    draws: KeyedRandom
    fit: np.ndarray
    ledger: Ledger
    served: dict[int, np.ndarray]
    link_terms: Callable[[float], tuple]
    proposals: Callable[[str, np.ndarray], ProposalDraws]
    scopes: Callable[[str], CellSampler]
    live_by_cell: Callable[[int], tuple[np.ndarray, np.ndarray]]
    changes: Changes = field(default_factory=Changes)
    _fine: list[np.ndarray] = field(default_factory=list)
    _terms: dict[float, tuple] = field(default_factory=dict)
    _network: list[np.ndarray] = field(default_factory=list)

    def fine_rows(self) -> np.ndarray:
        """Rows of live firm agents at participant resolution (the targeted strata's agents),
        once a year: no firm enters, leaves or moves while the instruments run.
        """
        if not self._fine:
            live = self.firms.live()
            self._fine.append(live[self.firms.fine[live]])
        return self._fine[0]

    def broker_terms(self) -> tuple:
        """``link_terms`` with a broker's cost cut, once while only brokers run (a broker's
        matches change links and money, nothing a link's economics read): each year's
        INTERREG A programmes are five brokers in a row. :func:`apply` forgets them after any
        other instrument.
        """
        cut = self.params.broker_cost_cut
        if cut not in self._terms:
            self._terms[cut] = self.link_terms(cut)
        return self._terms[cut]

    def network(self) -> tuple[np.ndarray, np.ndarray]:
        """Each firm row's links (int64) and the links' sorted keys (``Links.keys``): made once
        a year and kept up to date by :meth:`link`, as five or more brokers read them a year.
        """
        if not self._network:
            n = self.firms.n
            self._network.extend(
                [self.links.degree(n).astype(np.int64), np.sort(self.links.keys(n))]
            )
        return self._network[0], self._network[1]

    def link(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add the new links (a, b) between firm rows, and to :meth:`network` once it is made."""
        if a.size == 0:
            return
        self.links.add(a, b)
        if self._network:
            degree, keys = self._network
            added = self.links.keys(self.firms.n, start=len(self.links) - a.size)  # appended
            self._network[1] = _with_links(degree, keys, a, b, added)

    def forget_terms(self) -> None:
        """An instrument other than a broker ran: :meth:`broker_terms` reads the firms anew."""
        self._terms.clear()


@njit(cache=True)
def _with_links(degree, keys, a, b, added):
    """Count links (a, b) in ``degree`` (in place) and merge their keys ``added`` into the
    sorted ``keys``: returns the merged keys.
    """
    for e in range(len(a)):
        degree[a[e]] += 1
        degree[b[e]] += 1
    added = np.sort(added)
    out = np.empty(len(keys) + len(added), keys.dtype)
    i = j = 0
    for m in range(len(out)):
        if j == len(added) or (i < len(keys) and keys[i] <= added[j]):
            out[m] = keys[i]
            i += 1
        else:
            out[m] = added[j]
            j += 1
    return out


def participant_table(rows: list[dict], region_codes: list[str]) -> pd.DataFrame:
    """The participants of a run as a table (``participants.parquet``) from the ledgers'
    columns (:meth:`Ledger.participants`).
    """
    if not rows:
        return pd.DataFrame([], columns=PARTICIPANT_COLUMNS)
    sizes = [len(row["firm"]) for row in rows]
    once = {"year": np.int64, "instrument": np.int64, "name": object, "kind": object}
    table = pd.DataFrame(
        {
            c: np.repeat(np.array([row[c] for row in rows], once[c]), sizes)
            if c in once
            else np.concatenate([row[c] for row in rows])
            for c in PARTICIPANT_COLUMNS
        }
    )
    table["region"] = np.asarray(region_codes, dtype=object)[table["region"].to_numpy(int)]
    return table


def remember(served: dict[int, np.ndarray], index: int, rows: np.ndarray, year: int) -> None:
    """Mark firm ``rows`` as served by instrument ``index`` in ``year``: ``served[index]``
    holds the last year each firm row was served (``NEVER`` where it was not; rows are a
    firm's for good), all that :func:`unserved` reads. Rows past its end were never served.
    """
    if rows.size == 0:
        return
    last = served.get(index, NOT_SERVED)
    if rows.max() >= len(last):
        grown = np.full(max(2 * len(last), int(rows.max()) + 1), NEVER, np.int32)
        grown[: len(last)] = last
        last = served[index] = grown
    last[rows] = year


# ------------------------------------------------------------------------------ per kind
def applicants(
    ctx: PolicyYear, index: int, instrument: PolicyInstrument, extra: np.ndarray | None = None
) -> np.ndarray:
    """Rows that are eligible for the instrument this year and apply to it.

    Eligible: fine-resolution live firms in the target set (and ``extra``, a mask over rows),
    members of an initiative if the instrument says so, not served by it in the last
    ``repeat_after_years``. Each applies with probability ``apply_share`` (a draw keyed by the
    firm and the instrument's kind and name, so the same instrument draws the same in every
    scenario).
    """
    rows = unserved(ctx, index, extra, instrument)
    stream = f"apply.{instrument.kind}.{label(instrument)}"
    u = ctx.draws.uniform(stream, ctx.step, ctx.firms.id[rows])
    return rows[u < ctx.params.apply_share]


def unserved(
    ctx: PolicyYear,
    index: int,
    extra: np.ndarray | None,
    instrument: PolicyInstrument | None = None,
) -> np.ndarray:
    """Fine-resolution live rows in ``instrument``'s target set (every such row if None) and
    ``extra`` (a mask over rows, if given), members if it asks for them, that instrument
    ``index`` did not serve in the last ``repeat_after_years`` (section 7.9's rule).
    """
    firms = ctx.firms
    if instrument is None:
        lookups = tuple(
            np.ones(len(c), np.bool_) for c in (ctx.regions.codes, SECTORS, URBAN_CLASSES)
        )
    else:
        lookups = target_lookups(instrument, ctx.regions.codes)
    return _eligible(
        ctx.fine_rows(),
        firms.region,
        firms.sector,
        firms.urban,
        firms.cluster,
        *lookups,
        np.ones(0, np.bool_) if extra is None else extra,
        instrument is not None and instrument.members_only,
        ctx.served.get(index, NOT_SERVED),
        ctx.year - ctx.params.repeat_after_years,
    )


@njit(cache=True)
def _eligible(rows, region, sector, urban, cluster, regions, sectors, classes, extra,
              members_only, served, before):  # fmt: skip
    """The ``rows`` an instrument's filters admit (lookups by region, sector and urban class;
    ``extra``, a mask over rows, unless empty; membership if ``members_only``) that it did not
    serve after year ``before`` (``served``: the last year it served each row, see
    :func:`remember`), in their order, in one pass.
    """
    out = np.empty(len(rows), np.int64)
    m = 0
    for row in rows:
        if not (regions[region[row]] and sectors[sector[row]] and classes[urban[row]]):
            continue
        if (len(extra) and not extra[row]) or (members_only and cluster[row] < 0):
            continue
        if row < len(served) and served[row] > before:
            continue
        out[m] = row
        m += 1
    return out[:m]


def participants(
    ctx: PolicyYear, index: int, instrument: PolicyInstrument
) -> tuple[np.ndarray, float]:
    """This year's participants of a firm-level instrument (applicants by fit while its budget
    lasts) and the cost of one unit.
    """
    cost = unit_cost(instrument, ctx.params)
    chosen = select(
        applicants(ctx, index, instrument),
        ctx.fit,
        ctx.firms.id,
        ctx.firms.weight,
        cost,
        np.array([ctx.ledger.available(index)]),
    )
    return chosen, cost


def apply(ctx: PolicyYear, index: int, instrument: PolicyInstrument, carried: float) -> float:
    """Spend one year of an active instrument's budget (and the ``carried`` money of earlier
    years) on its units; what it may carry into next year.

    The budget is multi-annual, as programme budgets are: money an instrument could not spend
    in a year (a participant costs weight x unit cost, so a year's money may not reach the
    next one) stays available in its later years; what is left at its end is unspent.
    """
    ledger = ctx.ledger
    ledger.budget_eur[index] = instrument.budget_eur_per_year
    ledger.carried_eur[index] = carried
    if ledger.available(index) > 0:
        KINDS[instrument.kind](ctx, index, instrument)
        if instrument.kind != "matchmaking":  # it may change what a link's economics read
            ctx.forget_terms()
    return ledger.available(index) if active(instrument, ctx.year + 1) else 0.0


def _record(
    ctx: PolicyYear,
    index: int,
    name: str,
    kind: str,
    rows: np.ndarray,
    cost: float,
    partner: np.ndarray | None = None,
) -> None:
    firms = ctx.firms
    ctx.ledger.pay(index, float(firms.weight[rows].sum()), cost)
    ctx.ledger.participants(
        ctx.year,
        index,
        name,
        kind,
        firms.id[rows],
        firms.region[rows],
        firms.weight[rows],
        cost,
        None if partner is None else firms.id[partner],
    )
    remember(ctx.served, index, rows, ctx.year)


def _shortlist(
    ctx: PolicyYear, index: int, instrument: PolicyInstrument, eligible: np.ndarray | None
) -> tuple[np.ndarray, float]:
    """A broker's list: applicants (:func:`applicants`) with free capacity (and ``eligible``,
    a mask over rows), fittest first (then by id, the order in which :func:`select` pays),
    ``shortlist_factor`` times as many as the money buys (plus one); with the unit cost. One
    compiled pass (:func:`_listed`): five or more brokers a year ask for a list.
    """
    listing, cost, stream = _listing(ctx, index, instrument, eligible)
    rows, drawn, u = _listed(*listing)
    _log_applications(ctx, stream, drawn, u)
    return rows, cost


def _listing(
    ctx: PolicyYear, index: int, instrument: PolicyInstrument, eligible: np.ndarray | None
) -> tuple[tuple, float, str]:
    """What :func:`_listed` reads for the instrument's list, its unit cost and the stream of
    its applications' draws.
    """
    firms = ctx.firms
    cost = unit_cost(instrument, ctx.params)
    affordable = int(ctx.ledger.available(index) // cost) + 1
    stream = f"apply.{instrument.kind}.{label(instrument)}"
    listing = (
        ctx.fine_rows(),
        firms.region,
        firms.sector,
        firms.urban,
        firms.cluster,
        firms.id,
        *target_lookups(instrument, ctx.regions.codes),
        np.ones(0, np.bool_) if eligible is None else eligible,
        instrument.members_only,
        ctx.served.get(index, NOT_SERVED),
        ctx.year - ctx.params.repeat_after_years,
        ctx.network()[0],
        ctx.max_partners,
        ctx.draws.stream_base(stream, ctx.step),
        ctx.params.apply_share,
        ctx.fit,
        ctx.params.shortlist_factor * affordable,
    )
    return listing, cost, stream


def _log_applications(ctx: PolicyYear, stream: str, drawn: np.ndarray, u: np.ndarray) -> None:
    """Record the application draws, as :meth:`KeyedRandom.uniform` records its draws."""
    if ctx.draws.log is not None:
        ctx.draws.log.record(stream, ctx.step, ctx.firms.id[drawn], u)


@njit(cache=True)
def _listed(rows, region, sector, urban, cluster, firm_id, regions, sectors, classes, extra,
            members_only, served, before, degree, max_partners, base, apply_share, fit,
            listed):  # fmt: skip
    """:func:`_eligible` rows with fewer than ``max_partners`` links (``degree``), each
    applying where its keyed uniform (``KeyedRandom.uniform`` from the stream's ``base``) is
    below ``apply_share``, ordered by fit (highest first) and then id (``np.lexsort``'s order)
    and cut to the first ``listed``. Returns them, the rows that drew and their uniforms.
    """
    free = np.empty(len(rows), np.int64)
    m = 0
    for row in rows:
        if degree[row] < max_partners and (len(extra) == 0 or extra[row]):
            free[m] = row
            m += 1
    drawn = _eligible(free[:m], region, sector, urban, cluster, regions, sectors, classes,
                      extra[:0], members_only, served, before)  # fmt: skip
    u = np.empty(len(drawn))
    applied = np.empty(len(drawn), np.int64)
    m = 0
    for e in range(len(drawn)):
        u[e] = keyed_uniform(base, np.uint64(firm_id[drawn[e]]))
        if u[e] < apply_share:
            applied[m] = drawn[e]
            m += 1
    applied = by_id(applied[:m], firm_id)
    by_fit = np.argsort(-fit[applied], kind="mergesort")  # stable: ties stay in id order
    return applied[by_fit][:listed], drawn, u


def _introduce(
    ctx: PolicyYear,
    index: int,
    instrument: PolicyInstrument,
    rows: np.ndarray,
    candidates: np.ndarray,
    cost: float,
    scope: tuple[np.ndarray, tuple] = (np.empty(0, np.int64), NO_SCOPE),
) -> np.ndarray:
    """Introduce each listed firm to its best candidate (both must gain more than the link's
    cost, the broker cutting ``broker_cost_cut`` of its travel and border part; the fittest
    claim partners first) and pay for the matches made while the money lasts. Returns the
    proposal rounds each (listed firm, candidate slot) drew: ``scope`` is what
    :func:`~nsrsim.rules.partnering.introduce` draws the ``ON_DEMAND`` candidates from.

    One compiled pass, fittest first, that stops where the money left cannot pay any firm
    still listed: a firm's match never changes a fitter firm's, and a match that cannot be
    paid forms no link, so the links are those of choosing over the whole list at once and
    paying in its order (most lists are four times longer than the money buys).
    """
    firms = ctx.firms
    a = b = rows[:0]
    rounds = np.zeros(candidates.shape, np.int64)
    if cost > 0:
        degree, keys = ctx.network()
        a, b, rounds = introduce(
            rows,
            firms.id[rows],
            candidates,
            *scope,
            ctx.broker_terms(),
            keys,
            degree.copy(),  # the pass claims partners in it, paid or not
            ctx.max_partners,
            firms.n,
            firms.weight[rows] * cost,
            ctx.ledger.available(index) * (1 + 1e-12),  # as :func:`select`
        )
    ctx.link(a, b)
    _record(ctx, index, label(instrument), instrument.kind, a, cost, partner=b)
    return rounds


def matchmaking(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """Brokered matches: each selected applicant is introduced to the partner in scope that
    suits both best among ``broker_candidates`` firms the broker finds; a link forms where both
    gain more than its cost, with the broker's introduction removing ``broker_cost_cut`` of the
    travel and border cost. Only matches made are paid for.

    The list and the pass are one compiled call (:func:`_broker_pass`): five or more brokers
    a year, and the Python between two calls cost a third of a broker's time.
    """
    firms = ctx.firms
    listing, cost, stream = _listing(ctx, index, instrument, None)
    sampler = ctx.scopes(instrument.scope)
    cells = f"broker.{instrument.kind}.{label(instrument)}.cell"
    order, counts = ctx.live_by_cell(len(sampler))
    rows, drawn, u, a, b, rounds = _broker_pass(
        listing,
        firms.cell,
        firms.weight,
        sampler.source_row,
        (*sampler.arrays(), ctx.draws.round_bases(cells, ctx.step, MAX_ROUNDS), counts, order),
        ctx.params.broker_candidates,
        ctx.broker_terms(),
        ctx.network()[1],
        firms.n,
        cost,
        ctx.ledger.available(index) * (1 + 1e-12),  # as :func:`select`
    )
    _log_applications(ctx, stream, drawn, u)
    if rows.size == 0:
        return
    ctx.link(a, b)
    _record(ctx, index, label(instrument), instrument.kind, a, cost, partner=b)
    if ctx.draws.log is not None:  # the proposal rounds drawn, as a partner search logs them
        searcher, slot = np.nonzero(rounds)
        ctx.proposals(cells, firms.id[rows]).replay(rounds[searcher, slot], searcher, slot)


@njit(cache=True)
def _broker_pass(
    listing, cell, weight, source_row, scope, k, terms, keys, n_rows, cost, money
):  # fmt: skip
    """:func:`_listed` and :func:`~nsrsim.rules.partnering.introduce` in one call: the list,
    then each listed firm's ``k`` candidates drawn from the broker's ``scope`` as the pass
    reaches it, each match paid at ``cost`` per real firm while ``money`` lasts. Returns the
    list, the application draws (rows, uniforms), the pairs matched and the proposal rounds.
    """
    rows, drawn, u = _listed(*listing)
    firm_id, degree, max_partners = listing[5], listing[13], listing[14]
    n_list = len(rows)
    candidates = np.full((n_list, k), ON_DEMAND, np.int64)
    sources = np.empty(n_list, np.int64)
    ids = np.empty(n_list, np.int64)
    spend = np.empty(n_list)
    for s in range(n_list):
        sources[s] = source_row[cell[rows[s]]]
        ids[s] = firm_id[rows[s]]
        spend[s] = weight[rows[s]] * cost
    a, b, rounds = introduce(
        rows, ids, candidates, sources, scope, terms, keys, degree.copy(), max_partners, n_rows,
        spend, money,
    )  # fmt: skip
    return rows, drawn, u, a, b, rounds


def cluster_partnership(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """A brokered partnership of two cluster initiatives: their member firms with free
    capacity apply, and each selected member is introduced to ``broker_candidates`` members of
    the other initiative (keyed draws by firm), then matched as in matchmaking. Only matches
    made are paid for, at the match cost: the budget is the partnership's strength, and a
    budget of 0 changes nothing.
    """
    firms = ctx.firms
    names = ctx.clusters.name
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
    rows, cost = _shortlist(ctx, index, instrument, eligible)
    if rows.size == 0:
        return
    k = ctx.params.broker_candidates
    u = ctx.draws.uniform(f"partnership.{label(instrument)}", ctx.step, firms.id[rows], k)
    other = np.where(firms.cluster[rows] == pair[0], 1, 0)
    candidates = np.empty((rows.size, k), np.int64)
    for side in (0, 1):
        mine = other == side
        pool = members[side]
        candidates[mine] = pool[np.minimum((u[mine] * pool.size).astype(np.int64), pool.size - 1)]
    _introduce(ctx, index, instrument, rows, candidates, cost)


def scope_kernel(regions: Regions, scope: str) -> np.ndarray:
    """A broker's weights toward each cell, per source region (a proposal row per region, see
    :class:`~nsrsim.rules.cell_sampler.CellSampler`): 1 toward cells of regions in the
    instrument's scope (transnational, INTERREG A or any other country), 0 elsewhere.
    """
    country = regions.country
    shared = regions.interreg_tie
    other = country[:, None] != country[None, :]
    allowed = {
        "transnational": other & ~shared,
        "interreg_a": other & shared,
        "cross_border": other,
    }[scope]
    # in row order: the sampler reads a source region's weights as one row
    return np.ascontiguousarray(allowed.astype(np.float32)[:, regions.cell_region])


def coaching(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """Coached firms: selected applicants are coached this year."""
    chosen, cost = participants(ctx, index, instrument)
    ctx.firms.coached_year[chosen] = ctx.year
    _record(ctx, index, label(instrument), instrument.kind, chosen, cost)


def rd_projects(
    ctx: PolicyYear,
    index: int,
    name: str,
    budget: np.ndarray,
    priority: np.ndarray | None = None,
    instrument: PolicyInstrument | None = None,
) -> np.ndarray:
    """Co-funded R&D projects: selected applicants without a running project start one.

    The regions' own subsidies (``priority``: each region's priority sectors, a mask regions x
    sectors) take firms of their priority sectors, ``budget`` one amount per region; an
    instrument's, its applicants, from one ``budget``. Returns the EUR spent per region.
    """
    firms = ctx.firms
    params = ctx.params
    if instrument is None:  # the regions' own programmes: every eligible firm of the region
        stream = "apply.regional_rd"
        rows, drawn, u = _regional_applicants(
            ctx.fine_rows(),
            firms.region,
            firms.sector,
            np.ascontiguousarray(priority),
            firms.project_until,
            ctx.year,
            ctx.served.get(index, NOT_SERVED),
            ctx.year - params.repeat_after_years,
            firms.id,
            ctx.draws.stream_base(stream, ctx.step),
            params.apply_share,
        )
        _log_applications(ctx, stream, drawn, u)
        cost = params.rd_funding_rate * params.rd_project_eur
    else:
        rows = applicants(ctx, index, instrument, firms.project_until[: firms.n] <= ctx.year)
        cost = unit_cost(instrument, params)
    chosen = select(
        rows,
        ctx.fit,
        firms.id,
        firms.weight,
        cost,
        np.atleast_1d(budget),
        firms.region.astype(np.int64) if instrument is None else None,
    )
    years = params.rd_project_years
    firms.project_eur[chosen] = params.rd_funding_rate * params.rd_project_eur / years
    firms.project_until[chosen] = ctx.year + years
    _record(ctx, index, name, "rd_subsidy", chosen, cost)
    return np.bincount(
        firms.region[chosen], weights=firms.weight[chosen] * cost, minlength=len(ctx.regions.codes)
    )


@njit(cache=True)
def _regional_applicants(rows, region, sector, priority, project_until, year, served, before,
                         firm_id, base, apply_share):  # fmt: skip
    """The firm ``rows`` of their region's priority sectors without a running project that the
    regions' programme did not serve after year ``before`` (as :func:`_eligible`), each
    applying where its keyed uniform (``KeyedRandom.uniform`` from the stream's ``base``) is
    below ``apply_share``, in one pass. Returns them, the rows that drew and their uniforms.
    """
    applied = np.empty(len(rows), np.int64)
    drawn = np.empty(len(rows), np.int64)
    u = np.empty(len(rows))
    m = d = 0
    for row in rows:
        if not priority[region[row], sector[row]] or project_until[row] > year:
            continue
        if row < len(served) and served[row] > before:
            continue
        drawn[d] = row
        u[d] = keyed_uniform(base, np.uint64(firm_id[row]))
        if u[d] < apply_share:
            applied[m] = row
            m += 1
        d += 1
    return applied[:m], drawn[:d], u[:d]


def rd_subsidy(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """An R&D subsidy instrument: co-funded projects from its budget."""
    rd_projects(
        ctx, index, label(instrument), np.array([ctx.ledger.available(index)]), None, instrument
    )


def rd_boost(firms: FirmArrays, year: int, additionality: float) -> np.ndarray:
    """Extra R&D share per firm row in ``year``: ``additionality`` x the subsidy of its running
    project per year over the firm's revenue.
    """
    return _rd_boost(
        firms.project_until, firms.jobs, firms.productivity, firms.project_eur, firms.n, year,
        additionality,
    )  # fmt: skip


@njit(cache=True)
def _rd_boost(project_until, jobs, productivity, project_eur, n, year, additionality):
    """:func:`rd_boost` in one pass over the rows (NumPy's order of operations; a revenue
    below 1 EUR counts as 1, NaN stays NaN as ``np.maximum`` keeps it).
    """
    out = np.zeros(n)
    for r in range(n):
        if project_until[r] > year:
            revenue = jobs[r] * productivity[r]
            if not revenue >= 1.0 and revenue == revenue:
                revenue = 1.0
            out[r] = additionality * project_eur[r] / revenue
    return out


def cluster_management(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """Cluster-manager FTE-years for the targeted initiatives, the budget shared equally."""
    info = ctx.clusters
    chosen = (
        targeted(
            instrument,
            ctx.regions.codes,
            info.region,
            info.sector,
            np.zeros(len(info.region), int),
        )
        if not instrument.urban_class
        else np.zeros(len(info.region), bool)
    )
    if not chosen.any():
        return
    cost = unit_cost(instrument, ctx.params)
    budget = ctx.ledger.available(index)
    ctx.changes.funding.append(np.where(chosen, budget / chosen.sum(), 0.0))
    ctx.ledger.pay(index, budget / cost, cost)


def rural_inclusion(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """Enrolled rural firms: they join an initiative of their region and sector (if there is
    one and they are not members) and get search and travel support for a few years.
    """
    firms = ctx.firms
    chosen, cost = participants(ctx, index, instrument)
    firms.rural_until[chosen] = ctx.year + ctx.params.rural_support_years
    join = chosen[firms.cluster[chosen] < 0]
    choice = initiative_choice(
        firms.region[join],
        firms.sector[join],
        ctx.clusters,
        ctx.draws.uniform("rural.join", ctx.step, firms.id[join]),
    )
    firms.cluster[join] = np.where(choice >= 0, choice, firms.cluster[join])
    _record(ctx, index, label(instrument), instrument.kind, chosen, cost)


def talent_attraction(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """Supported recruitments: each selected firm recruits one skilled worker per real firm
    from outside the corridor into its region.
    """
    firms = ctx.firms
    chosen, cost = participants(ctx, index, instrument)
    recruits = np.bincount(
        firms.region[chosen], weights=firms.weight[chosen], minlength=len(ctx.regions.codes)
    )
    ctx.changes.recruits.append(recruits)
    _record(ctx, index, label(instrument), instrument.kind, chosen, cost)


def infrastructure(ctx: PolicyYear, index: int, instrument: PolicyInstrument) -> None:
    """The transport project opens at the instrument's start and stays open."""
    ctx.changes.opened.append(instrument.project)
    ctx.ledger.pay(index, 1.0, ctx.ledger.available(index))


def budget_rows(
    instruments: list[PolicyInstrument],
    ledger: Ledger,
    params: InstrumentsConfig,
    fw: FrameworkConfig,
    framework_budget_eur: float,
    framework_partnership_years: float,
    year: int,
) -> list[dict]:
    """``policies.parquet`` rows of a year: each instrument's and the framework's budget,
    units bought, unit cost and spending.
    """
    rows = []
    for index, instrument in enumerate(instruments):
        rows.append(
            {
                "year": year,
                "instrument": index,
                "name": label(instrument),
                "kind": instrument.kind,
                "budget_eur": ledger.budget_eur[index],
                "carried_eur": ledger.carried_eur[index],
                "units": ledger.units[index],
                "unit_cost_eur": unit_cost(instrument, params),
                "spent_eur": ledger.spent_eur[index],
            }
        )
    if fw.enabled:
        paid = framework_budget_eur > 0
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
                "budget_eur": framework_budget_eur - fw.secretariat_eur_per_year if paid else 0.0,
                "carried_eur": 0.0,
                "units": framework_partnership_years,
                "unit_cost_eur": fw.partnership_eur_per_year,
                "spent_eur": framework_partnership_years * fw.partnership_eur_per_year,
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
