"""Cluster partnership potentials: screened from the model's state, checked by simulation.

Screening scores every pair of cluster initiatives in two countries with the model's own
rules at the start of a run: the sector complementarity and both management capacities that
drive partnership formation (``rules/clusters.py``) times the mutual surplus of a brokered
introduction between their members: the smaller side's gain less the link's cost, where
positive, averaged over member pairs (``NSRModel.link_economics``: absorptive capacity x the
inverted U of knowledge distance against the fixed, travel and border cost, the broker
cutting the variable part). The top candidates are then simulated: a
``cluster_partnership`` instrument brokers introductions between the two initiatives' members
for the whole run, paired with the baseline under common random numbers, and the effect is
measured on the firms that were members of either initiative at the start.
"""

from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from nsrsim.effects import panel_matrix
from nsrsim.sectors import SECTORS
from nsrsim.stats import mean_ci

if TYPE_CHECKING:
    from nsrsim.model import NSRModel

SCREENING_COLUMNS = [
    "cluster_a", "cluster_b", "region_a", "region_b", "sector_a", "sector_b", "category",
    "interreg_a_tie", "complementarity", "knowledge_distance", "travel_h", "capacity_product",
    "members_a", "members_b", "mutual_gain_share", "mutual_surplus", "score",
]  # fmt: skip
EFFECT_OUTCOMES = {  # panel column -> how the cohort's effect is summed
    "partners": "total",
    "innovations": "total",
    "productivity_eur": "mean",
}


def category(experienced_a: bool, experienced_b: bool) -> str:
    """'experienced' when both initiatives are experienced, else 'pioneering' (at least one
    pioneering, creative-industry initiative): the two are reported separately.
    """
    return "experienced" if experienced_a and experienced_b else "pioneering"


def screening(model: "NSRModel") -> pd.DataFrame:
    """Every pair of initiatives in two countries, scored from the model's current state."""
    info = model.cluster_info
    firms = model.firms
    live = firms.live()
    members = live[firms.cluster[live] >= 0]
    broker_cut = model.config.instruments.broker_cost_cut
    rows = []
    for a, b in combinations(range(len(info.name)), 2):
        if model.cluster_country[a] == model.cluster_country[b]:
            continue
        mine = members[firms.cluster[members] == a]
        theirs = members[firms.cluster[members] == b]
        if mine.size and theirs.size:
            j = np.broadcast_to(theirs[None, :], (mine.size, theirs.size))
            gain_i, gain_j, cost = model.link_economics(mine[:, None], j, broker_cut)
            weight = np.outer(firms.weight[mine], firms.weight[theirs])
            mutual = float(np.average((gain_i > cost) & (gain_j > cost), weights=weight))
            surplus = float(
                np.average(np.maximum(np.minimum(gain_i, gain_j) - cost, 0.0), weights=weight)
            )
            hours = float(
                np.average(
                    model.travel_h[np.ix_(firms.cell[mine], firms.cell[theirs])], weights=weight
                )
            )
            distance = float(np.average(_distance(firms.knowledge, mine, theirs), weights=weight))
        else:
            mutual, surplus, hours, distance = 0.0, 0.0, np.nan, np.nan
        complementarity = float(model.cluster_complementarity[a, b])
        capacity = float(model.cluster_capacity[a] * model.cluster_capacity[b])
        rows.append(
            {
                "cluster_a": info.name[a],
                "cluster_b": info.name[b],
                "region_a": model.region_codes[info.region[a]],
                "region_b": model.region_codes[info.region[b]],
                "sector_a": SECTORS[info.sector[a]].value,
                "sector_b": SECTORS[info.sector[b]].value,
                "category": category(bool(info.experienced[a]), bool(info.experienced[b])),
                "interreg_a_tie": bool(model.interreg_tie[info.region[a], info.region[b]]),
                "complementarity": complementarity,
                "knowledge_distance": distance,
                "travel_h": hours,
                "capacity_product": capacity,
                "members_a": float(firms.weight[mine].sum()),
                "members_b": float(firms.weight[theirs].sum()),
                "mutual_gain_share": mutual,
                "mutual_surplus": surplus,
                "score": complementarity * capacity * surplus,
            }
        )
    table = pd.DataFrame(rows, columns=SCREENING_COLUMNS)
    return table.sort_values(["score", "cluster_a", "cluster_b"], ascending=[False, True, True])


def mean_screening(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Screenings of several starting states (the replicates') averaged pair by pair."""
    keys = SCREENING_COLUMNS[:8]  # the pair and what describes it; the rest are numbers
    table = pd.concat(tables).groupby(keys, as_index=False, sort=False).mean()
    return table.sort_values(["score", "cluster_a", "cluster_b"], ascending=[False, True, True])


def _distance(knowledge: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cognitive distance (1 - cosine similarity) of every pair of rows in ``a`` x ``b``."""
    unit = knowledge / np.maximum(np.linalg.norm(knowledge, axis=-1, keepdims=True), 1e-300)
    return 1.0 - unit[a] @ unit[b].T


def candidates(table: pd.DataFrame, top: int, beyond_interreg: bool = False) -> pd.DataFrame:
    """The ``top`` highest-scoring pairs of each category (positive scores only; with
    ``beyond_interreg`` only pairs whose regions share no INTERREG A programme).
    """
    scored = table[(table["score"] > 0) & ~(beyond_interreg & table["interreg_a_tie"])]
    return (
        scored.groupby("category", sort=True, group_keys=False)
        .head(top)
        .sort_values(["category", "score"], ascending=[True, False], kind="stable")
        .reset_index(drop=True)
    )


def cohort_effect(
    panel_base: pd.DataFrame, panel_alt: pd.DataFrame, clusters: tuple[int, int], year: int
) -> dict[str, float]:
    """One replicate's effect on the firms that were members of either initiative at the
    start: extra partner links and extra innovations (cumulative) summed over their real
    firms, and the change of mean productivity of those alive in both runs, at ``year``.
    """
    start = panel_base[(panel_base["year"] == 0) & panel_base["cluster"].isin(clusters)]
    ids = start["firm"].to_numpy()
    weight = start["real_firms"].to_numpy(float)
    result = {"cohort_real_firms": float(weight.sum())}
    for name, how in EFFECT_OUTCOMES.items():
        base = panel_matrix(panel_base, ids, year, name)[:, year]
        alt = panel_matrix(panel_alt, ids, year, name)[:, year]
        if how == "total":
            result[name] = float((weight * (alt - base)).sum())
        else:
            both = np.isfinite(base) & np.isfinite(alt)
            result[name] = (
                float(np.average(alt[both] - base[both], weights=weight[both]))
                if both.any()
                else np.nan
            )
    return result


def effect_table(per_replicate: pd.DataFrame) -> pd.DataFrame:
    """Mean effect and 95 % CI over replicates per candidate (columns of
    :func:`cohort_effect` plus ``candidate``).
    """
    rows = []
    for candidate, group in per_replicate.groupby("candidate", sort=True):
        row: dict[str, float] = {"candidate": candidate, "replicates": len(group)}
        row["cohort_real_firms"] = float(group["cohort_real_firms"].mean())
        for name in EFFECT_OUTCOMES:
            mean, low, high = mean_ci(group[name].to_numpy(float))
            row.update({name: mean, f"{name}_ci_low": low, f"{name}_ci_high": high})
        rows.append(row)
    return pd.DataFrame(rows)
