"""Policy effects of one pair of runs (same seed, same world): on the firms an alternative's
instruments reached (against the same firms in the base run, weighted by real firms) and at
the corridor, a region or an urban class. Below the runner, which computes them per pair in a
sensitivity analysis; nsrsim.compare aggregates them over replicates.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nsrsim.world.grid import URBAN_CLASSES

PARTICIPANT_OUTCOMES = (
    "innovations",
    "output_eur",
    "jobs",
    "productivity_eur",
    "partners",
    "cross_border_partners",
    "transnational_partners",
    "has_transnational_partner",
    "survival",
)
CUMULATIVE = ("innovations",)  # carried forward after a firm exits


def panel_matrix(panel: pd.DataFrame, ids: np.ndarray, years: int, name: str) -> np.ndarray:
    """Firms x years of one outcome for ``ids`` (exited firms: 0, or the last value for
    cumulative outcomes; NaN for productivity, which an exited firm does not have).
    """
    return panel_matrices(panel, ids, years, [name])[name]


def panel_matrices(
    panel: pd.DataFrame, ids: np.ndarray, years: int, names: list[str]
) -> dict[str, np.ndarray]:
    """:func:`panel_matrix` of several outcomes, selecting the firms' rows once (a lookup of
    each panel row's firm among ``ids``: a sensitivity analysis asks this of every pair).
    """
    if len(ids) == 0:
        return {name: np.full((0, years + 1), np.nan) for name in names}
    ids = np.asarray(ids)
    order = np.argsort(ids, kind="stable")
    firm = panel["firm"].to_numpy()
    at = np.minimum(np.searchsorted(ids[order], firm), len(ids) - 1)
    mine = ids[order][at] == firm
    position, year = order[at[mine]], panel["year"].to_numpy(int)[mine]
    matrices = {}
    for name in names:
        out = np.full((len(ids), years + 1), np.nan)
        if name == "survival":
            values = np.ones(len(position))
        elif name == "has_transnational_partner":
            values = (panel["transnational_partners"].to_numpy()[mine] > 0).astype(float)
        else:
            values = panel[name].to_numpy(float)[mine]
        out[position, year] = values
        if name in CUMULATIVE:  # the last value carried forward (0 before the first)
            seen = np.where(np.isnan(out), 0, np.arange(years + 1))
            out = np.take_along_axis(out, np.maximum.accumulate(seen, axis=1), axis=1)
            out[np.isnan(out)] = 0.0
        elif name != "productivity_eur":
            out = np.nan_to_num(out, nan=0.0)
        matrices[name] = out
    return matrices


@dataclass(frozen=True)
class Treated:
    """One replicate's effect on the treated: per outcome and year the weighted mean
    difference (alternative - base) over the firms reached before that year, the base level,
    and the real firms reached and EUR paid.
    """

    effect: dict[str, np.ndarray]
    level: dict[str, np.ndarray]
    real_firms: float
    eur: float


@dataclass(frozen=True)
class Reached:
    """The participant records of an alternative's own instruments: per record the firm id,
    the simulated year and the real firms it stands for, in record order; and the EUR paid.
    """

    firm: np.ndarray
    year: np.ndarray
    real_firms: np.ndarray
    eur: float


def own_participants(participants: pd.DataFrame, programmes: set[str]) -> Reached:
    """The records of the firms an alternative's own instruments reached: not ``programmes``
    (today's funded programmes) nor the regions' R&D subsidies (instrument -1).
    """
    who = participants[(participants["instrument"] >= 0) & ~participants["name"].isin(programmes)]
    return Reached(
        who["firm"].to_numpy(),
        who["year"].to_numpy(),
        who["real_firms"].to_numpy(float),
        float(who["eur"].sum()),
    )


def treated_effects(
    participants: pd.DataFrame | Reached,
    panel_alt: pd.DataFrame,
    panel_base: pd.DataFrame,
    programmes: set[str],
    years: int,
    outcomes: tuple[str, ...] = PARTICIPANT_OUTCOMES,
) -> Treated:
    """The effect on an alternative's participants in one pair of runs (same seed): the
    firms its own instruments reached (:func:`own_participants`, or already ``Reached``)
    against the same firms in the base run, weighted by real firms; for ``outcomes`` (all by
    default; a sensitivity analysis asks for one or two).
    """
    who = (
        participants
        if isinstance(participants, Reached)
        else own_participants(participants, programmes)
    )
    ids, since, weight = first_reached(who.firm, who.year, who.real_firms)
    effect, level = {}, {}
    alt = panel_matrices(panel_alt, ids, years, list(outcomes))
    base = panel_matrices(panel_base, ids, years, list(outcomes))
    for name in outcomes:
        a, b = alt[name], base[name]
        effect[name], level[name] = np.full(years + 1, np.nan), np.full(years + 1, np.nan)
        for year in range(years + 1):
            take = (since < year) & np.isfinite(a[:, year]) & np.isfinite(b[:, year])
            w = weight[take]
            if w.sum() > 0:
                effect[name][year] = np.average(a[take, year] - b[take, year], weights=w)
                level[name][year] = np.average(b[take, year], weights=w)
    return Treated(effect, level, float(weight.sum()), who.eur)


def first_reached(
    firm: np.ndarray, year: np.ndarray, real_firms: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per firm reached (ids in ascending order): the first year it was reached and the real
    firms of its first record, from participant records (what a pandas ``groupby`` of the
    firm's ``year.min()`` and ``real_firms.first()`` gives, at a tenth of its cost).
    """
    ids, first = np.unique(firm, return_index=True)
    order = np.argsort(firm, kind="stable")
    since = (
        np.minimum.reduceat(year[order], np.searchsorted(firm[order], ids))
        if ids.size
        else year[:0]
    )
    return ids, since, real_firms[first]


def paired_effects(base: Any, alt: Any, wanted: list[dict[str, Any]]) -> dict[str, float]:
    """Policy effects of one pair of runs (same seed and parameters; ``RunResult`` objects
    with firm panels): each wanted ``{"name", "indicator", "year", "level"}`` as alternative -
    base at the corridor, a region or urban class, or on the alternative's participants
    (:func:`treated_effects`, NaN before anyone was reached).
    """
    row: dict[str, float] = {}
    treated = None
    outcomes = tuple(dict.fromkeys(i["indicator"] for i in wanted if i["level"] == "participants"))
    for item in wanted:
        indicator, year, level = item["indicator"], item["year"], item["level"]
        if level == "participants":
            if treated is None:
                programmes = {p.name or p.kind for p in alt.scenario.programmes}
                treated = treated_effects(
                    alt.own_participants(programmes), alt.panel, base.panel, programmes,
                    alt.last_year, outcomes,
                )  # fmt: skip
            row[item["name"]] = float(treated.effect[indicator][year])
            continue
        if level == "corridor":  # read from the yearly rows: no table built for one number
            a, b = (run.indicator(year, indicator) for run in (alt, base))
            row[item["name"]] = float(a - b)
            continue
        key = "urban_class" if level in URBAN_CLASSES else "region"
        tables = (
            (alt.urban_classes, base.urban_classes)
            if key == "urban_class"
            else (alt.regions, base.regions)
        )
        a, b = (t.set_index(["year", key]).at[(year, level), indicator] for t in tables)
        row[item["name"]] = float(a - b)
    return row
