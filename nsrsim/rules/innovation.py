"""Incremental and radical innovation (ODD 7.5 "Innovation").

The innovation rate rises with R&D effort and with the firm's size (each with an elasticity:
larger firms run more projects, as the innovation survey's shares of innovators rise with
size), with the firm's knowledge and with what its partners bring: each partner counts by the
value of its cognitive distance (complementary knowledge within the inverted U), not as one
more link. An innovation raises productivity, and a small share are radical: they open a
knowledge field and raise productivity by a multiple. As in Klette & Kortum (2004), a larger
firm's more numerous innovations each reach a smaller part of it: the gain of one innovation
falls with size as its rate rises, so expected productivity growth does not depend on size
(Gibrat's law) while the chance to innovate does.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from nsrsim.config import InnovationConfig

if TYPE_CHECKING:
    from nsrsim.state import FirmArrays


@dataclass(frozen=True)
class InnovationDraws:
    """Uniform draws, one per firm row."""

    event: np.ndarray
    radical: np.ndarray
    field: np.ndarray


REFERENCE_JOBS = 10.0  # persons of the firm whose size term is 1: the smallest the survey counts


def innovation_effort(
    rd_share: np.ndarray,
    capability: np.ndarray,
    jobs: np.ndarray,
    propensity: np.ndarray,
    rd_reference: float,
    params: InnovationConfig,
) -> np.ndarray:
    """Yearly innovation rate of a firm on its own: its country's propensity [1/year] x
    (R&D/typical)^R&D elasticity x (persons/10)^size elasticity x (floor + mean capability,
    ``capability``: the mean of its fields). It also sets how often a firm looks for partners
    (the model's ``firms_partner``).
    """
    return effort_of(
        rd_term(rd_share, rd_reference, params), size_term(jobs, params), capability, propensity,
        params,
    )  # fmt: skip


def effort_of(
    rd: np.ndarray,
    size: np.ndarray,
    capability: np.ndarray,
    propensity: np.ndarray,
    params: InnovationConfig,
) -> np.ndarray:
    """:func:`innovation_effort` from its R&D term (:func:`rd_term`) and size term
    (:func:`size_term`), which a step makes once for the partner search and innovation.
    """
    return propensity * rd * size * (params.knowledge_floor + capability)


def effort_terms(
    rd: np.ndarray,
    rd_boost: np.ndarray,
    jobs: np.ndarray,
    rd_reference: float,
    params: InnovationConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Every row's :func:`rd_term` (R&D its own plus its subsidy's, ``rd_boost``) and
    :func:`size_term`: both powers' bases in one compiled pass, the powers in NumPy (whose
    results the model's numbers are).
    """
    bases = _term_bases(rd, rd_boost, jobs, rd_reference, REFERENCE_JOBS)
    rd_part, size_part = bases[0], bases[1]
    np.power(rd_part, params.rd_elasticity, out=rd_part)
    np.power(size_part, params.size_elasticity, out=size_part)
    return rd_part, size_part


@njit(cache=True)
def _term_bases(rd, rd_boost, jobs, rd_reference, reference_jobs):
    """max(rd + boost, 0) / reference and max(jobs, 1e-9) / reference jobs per row, as
    ``np.maximum`` (NaN kept) and the division give them.
    """
    out = np.empty((2, len(rd)))
    for r in range(len(rd)):
        share = rd[r] + rd_boost[r]
        out[0, r] = (share if share >= 0.0 or share != share else 0.0) / rd_reference
        persons = jobs[r]
        out[1, r] = (persons if persons >= 1e-9 or persons != persons else 1e-9) / reference_jobs
    return out


def rd_term(rd_share: np.ndarray, rd_reference: float, params: InnovationConfig) -> np.ndarray:
    """(R&D / typical R&D)^R&D elasticity."""
    return np.power(np.maximum(rd_share, 0.0) / rd_reference, params.rd_elasticity)


def size_term(jobs: np.ndarray, params: InnovationConfig) -> np.ndarray:
    """(persons / 10)^size elasticity: how many more innovation projects a firm runs than one
    of 10 persons, and how much less of it each one reaches.
    """
    return np.power(np.maximum(jobs, 1e-9) / REFERENCE_JOBS, params.size_elasticity)


def country_propensity(
    rate: np.ndarray,
    weight: np.ndarray,
    country: np.ndarray,
    innovators: np.ndarray,
    years: float,
) -> np.ndarray:
    """Each country's innovation propensity [1/year]: the multiplier of the rows' ``rate``
    (their rates at propensity 1) with which the expected share of the country's real firms
    (``weight``) that innovate within ``years`` is the survey's share of innovators
    (``innovators`` per country, 0-1). Rows are the firms the survey counts.
    """
    n = len(innovators)
    low, high = np.full(n, -20.0), np.full(n, 20.0)  # log multiplier, by bisection
    scaled = -years * rate  # a bisection step's exponential is one per country, not per row
    country = np.asarray(country, np.int64)
    exponent = np.empty_like(scaled)

    def share(log_factor: np.ndarray) -> np.ndarray:
        # 1 - exp(-years x rate x factor) per row, summed by country in row order (compiled
        # passes around NumPy's expm1, whose results the model's numbers are)
        _times_factor(scaled, np.exp(log_factor), country, exponent)
        np.expm1(exponent, out=exponent)
        return _innovating(exponent, weight, country, n) / firms

    firms = np.maximum(np.bincount(country, weights=weight, minlength=n), 1e-300)
    for _ in range(80):
        middle = 0.5 * (low + high)
        if ((middle == low) | (middle == high)).all():
            break  # halved to the last bit: a further halving keeps the middle where it is
        above = share(middle) > innovators
        high = np.where(above, middle, high)
        low = np.where(above, low, middle)
    return np.exp(0.5 * (low + high))


@njit(cache=True)
def _times_factor(scaled, factor, country, out):
    """``scaled x factor[country]`` per row, into ``out``."""
    for i in range(len(scaled)):
        out[i] = scaled[i] * factor[country[i]]


@njit(cache=True)
def _innovating(expm1, weight, country, n):
    """Real firms that innovate per country: weight x -expm1 summed in row order."""
    out = np.zeros(n)
    for i in range(len(expm1)):
        out[country[i]] += weight[i] * -expm1[i]
    return out


def innovation_rate(effort: np.ndarray, partner_value: np.ndarray, params: InnovationConfig):
    """Yearly innovation rate: the firm's own effort x (1 + partner effect x the summed value
    of what partners bring).
    """
    return effort * (1.0 + params.partner_effect * partner_value)


@njit(cache=True)
def effort_rows(rd_term, size_term, knowledge, propensity, country, rows, knowledge_floor):
    """:func:`effort_of` for firm ``rows`` from every row's terms, their country's
    ``propensity`` and its mean capability, in one pass without gathering the rows (the
    partner search, innovation and the propensity's calibration ask for it): the same
    products in the same order, to the bit.
    """
    out = np.empty(len(rows))
    for i in range(len(rows)):
        out[i] = row_effort(
            rows[i], rd_term, size_term, knowledge, propensity, country, knowledge_floor
        )
    return out


@njit(cache=True)
def row_effort(r, rd_term, size_term, knowledge, propensity, country, knowledge_floor):
    """:func:`effort_of` of row ``r`` (for compiled loops); the mean capability as
    ``knowledge[r].mean()`` gives it for 8 fields (``add.reduce`` sums 8 values pairwise,
    then one division).
    """
    k = knowledge[r]
    capability = (((k[0] + k[1]) + (k[2] + k[3])) + ((k[4] + k[5]) + (k[6] + k[7]))) / 8.0
    return propensity[country[r]] * rd_term[r] * size_term[r] * (knowledge_floor + capability)


@njit(cache=True)
def step_rates(
    rows, partner_value, coached, coaching_effect, partner_effect, rd_term, size_term,
    knowledge, propensity, country, knowledge_floor,
):  # fmt: skip
    """Innovation rates of firm ``rows`` in a step: (1 + ``coaching_effect`` x its coaching's
    effect now) x :func:`innovation_rate` of its own effort and what its partners bring
    (``partner_value`` and ``coached`` per row), in NumPy's order of operations.
    """
    out = np.empty(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        effort = row_effort(r, rd_term, size_term, knowledge, propensity, country, knowledge_floor)
        coaching = coaching_effect * coached[r]
        out[i] = (1.0 + coaching) * (effort * (1.0 + partner_effect * partner_value[r]))
    return out


def innovate(
    productivity: np.ndarray,
    knowledge: np.ndarray,
    rows: np.ndarray,
    rate: np.ndarray,
    draws: InnovationDraws,
    params: InnovationConfig,
    dt: float,
    reach: np.ndarray,
    cohort: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One step of innovation of firm ``rows`` (arrays aligned with them: ``rate``, draws,
    ``reach``, ``cohort``), updating ``productivity`` and ``knowledge`` in place; returns each
    row's number of innovations (0 for a cohort) and the radical mask.

    A firm agent's innovations are a Poisson process at its rate: it innovates in a step with
    probability 1 - exp(-rate dt), and then :func:`events_given_one` counts how many (so its
    count does not depend on the time step); the step's event carries the productivity gain of
    the step's expected number of innovations (rate dt over that probability), so productivity
    grows at rate x gain a year whatever the time step; one innovation's gain is
    ``productivity_gain`` x ``reach`` (the share of the firm it reaches, 1 /
    :func:`size_term`). A cohort (``cohort`` rows) has no events: its firms' expected
    innovations raise its productivity by rate dt x the mean gain, and the expected share of
    them that are radical raises each field toward ``radical_level`` by that share over the
    number of fields. One compiled pass, in NumPy's order of operations.
    """
    return _innovate(
        productivity,
        knowledge,
        np.asarray(rows, np.int64),
        -np.expm1(-rate * dt),
        rate * dt,
        draws.event,
        draws.radical,
        draws.field,
        reach,
        cohort,
        params.radical_share,
        params.productivity_gain,
        params.productivity_gain * params.radical_multiplier,
        1.0 + params.radical_share * (params.radical_multiplier - 1.0),
        params.radical_level,
    )


@njit(cache=True)
def _innovate(productivity, knowledge, rows, chance, expected, event, radical_draw, field,
              reach, cohort, radical_share, gain, radical_gain, mean_factor,
              radical_level):  # fmt: skip
    n_fields = knowledge.shape[1]
    events = np.zeros(len(rows))
    radical = np.empty(len(rows), np.bool_)
    for i in range(len(rows)):
        r = rows[i]
        innovated = event[i] < chance[i] and not cohort[i]
        radical[i] = innovated and radical_draw[i] < radical_share
        if innovated:
            events[i] = events_given_one(event[i], chance[i], expected[i])
            scale = expected[i] / chance[i] if chance[i] > 0 else 1.0
            productivity[r] = productivity[r] * (
                1.0 + scale * reach[i] * (radical_gain if radical[i] else gain)
            )
        elif cohort[i]:
            mean_gain = reach[i] * gain * mean_factor
            productivity[r] = productivity[r] * (1.0 + expected[i] * mean_gain)
        if radical[i]:
            f = min(np.int64(field[i] * n_fields), n_fields - 1)
            knowledge[r, f] = max(knowledge[r, f], radical_level)
        if cohort[i]:
            opened = expected[i] * radical_share / n_fields
            for f in range(n_fields):
                knowledge[r, f] += opened * max(radical_level - knowledge[r, f], 0.0)
    return events, radical


@njit(cache=True)
def events_given_one(u, chance, mean):
    """The number of a Poisson(``mean``) process's events in a step that has at least one
    (``u`` < ``chance`` = 1 - exp(-mean), the event draw): u / chance is uniform and
    independent of the event, so the count is the inverse of the Poisson distribution at
    P(0) + u, summed up from 1 (at least 1 where rounding puts it at P(0)).
    """
    none = 1.0 - chance
    q = min(none + u, 1.0)
    count, term = 1, none * mean
    total = none + term
    while total < q and term > 1e-17 * total:  # rounding may keep the sum below q near 1
        count += 1
        term *= mean / count
        total += term
    return float(count)


def count_innovations(
    firms: "FirmArrays",
    live: np.ndarray,
    cohort: np.ndarray,
    events: np.ndarray,
    rate: np.ndarray,
    dt: float,
    n_regions: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Book a step's innovations of the ``live`` rows in place: per firm (a cohort's expected
    rate x dt, a firm agent's ``events``) into its cumulative count and this year's survey
    slot, and the real innovations (real firms x rate x dt) into the year's; returns the real
    innovations per region and per urban class. One compiled pass, in the order NumPy's
    fancy-index additions and bincounts add.
    """
    return _count_innovations(
        firms.innovations, firms.recent_innovations, firms.year_innovations, firms.weight,
        firms.region, firms.urban, live, cohort, events, rate, dt, n_regions,
    )  # fmt: skip


@njit(cache=True)
def _count_innovations(
    innovations, recent, year_innovations, weight, region, urban, live, cohort, events, rate, dt,
    n_regions,
):  # fmt: skip
    by_region, by_class = np.zeros(n_regions), np.zeros(3)
    for i in range(len(live)):
        r = live[i]
        per_firm = rate[i] * dt if cohort[i] else events[i]
        innovations[r] += per_firm
        recent[r, 0] += per_firm
        real = weight[r] * rate[i] * dt
        year_innovations[r] += real
        by_region[region[r]] += real
        by_class[urban[r]] += real
    return by_region, by_class
