"""Smart-specialisation linkages: which region pairs could cooperate beyond INTERREG A.

For every pair of modelled regions: the priority sectors they share, the complementary ones
(one region's priority related to the other's, e.g. maritime and wind), the travel time
between their hubs, whether an INTERREG A programme already links them, and their firms'
cooperation in the baseline. The pairs with potential *beyond* INTERREG A are those in two
countries, with no programme tie and an overlap of priorities; they are ranked by overlap
(shared + related weight x complementary), then by least cooperation today, then by shortest
travel: a transparent order a project team can retrace.
"""

from itertools import combinations

import numpy as np
import pandas as pd

from nsrsim.rules.clusters import related
from nsrsim.sectors import Sector
from nsrsim.stats import mean_ci


def pair_table(
    codes: list[str],
    country: dict[str, str],
    priorities: dict[str, list[Sector]],
    travel_h: np.ndarray,
    interreg_tie: np.ndarray,
    related_value: float,
) -> pd.DataFrame:
    """Every unordered pair of regions (codes in alphabetical order within a pair) with its
    shared and complementary priorities, travel hours and INTERREG A tie (``travel_h`` and
    ``interreg_tie`` indexed like ``codes``).
    """
    rows = []
    for a, b in combinations(range(len(codes)), 2):
        mine, theirs = set(priorities[codes[a]]), set(priorities[codes[b]])
        shared = sorted(s.value for s in mine & theirs)
        complementary = sorted(
            f"{x.value}+{y.value}" for x in mine - theirs for y in theirs - mine if related(x, y)
        )
        first, second = sorted((codes[a], codes[b]))
        rows.append(
            {
                "region_a": first,
                "region_b": second,
                "cross_border": country[codes[a]] != country[codes[b]],
                "shared_priorities": ";".join(shared),
                "complementary_priorities": ";".join(complementary),
                "n_shared": len(shared),
                "n_complementary": len(complementary),
                "overlap": len(shared) + related_value * len(complementary),
                "travel_h": float(travel_h[a, b]),
                "interreg_a_tie": bool(interreg_tie[a, b]),
            }
        )
    return pd.DataFrame(rows)


def cooperation(region_links: list[pd.DataFrame]) -> pd.DataFrame:
    """Partner relations between each unordered region pair's targeted firms per 1,000 of
    them, mean and 95 % CI over replicates (one ``link_pairs`` table per replicate: ordered
    pairs, both directions, columns region_a, region_b, links, mass_a, mass_b).
    """
    per_replicate = []
    for table in region_links:
        upper = table[table["region_a"] < table["region_b"]]
        per_replicate.append(
            pd.Series(
                1000.0 * upper["links"].to_numpy() / (upper["mass_a"] + upper["mass_b"]).to_numpy(),
                index=pd.MultiIndex.from_arrays([upper["region_a"], upper["region_b"]]),
            )
        )
    values = pd.concat(per_replicate, axis=1)
    rows = []
    for (a, b), row in values.iterrows():
        mean, low, high = mean_ci(row.to_numpy(float))
        rows.append(
            {
                "region_a": a,
                "region_b": b,
                "links_per_1000_firms": mean,
                "links_ci_low": low,
                "links_ci_high": high,
            }
        )
    return pd.DataFrame(rows)


def rank(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs with ``links_per_1000_firms`` and a ``potential_rank``: 1, 2, ... for pairs
    in two countries with no INTERREG A tie and an overlap of priorities, in order of overlap
    (high first), cooperation today (low first) and travel time (short first); NaN for the
    others, with the reason in ``why_not``.
    """
    table = pairs.copy()
    table["why_not"] = np.select(
        [~table["cross_border"], table["interreg_a_tie"], table["overlap"] <= 0],
        [
            "same country",
            "INTERREG A programme already links them",
            "no shared or related priority",
        ],
        "",
    )
    eligible = table["why_not"] == ""
    order = table[eligible].sort_values(
        ["overlap", "links_per_1000_firms", "travel_h", "region_a", "region_b"],
        ascending=[False, True, True, True, True],
        kind="stable",
    )
    table["potential_rank"] = np.nan
    table.loc[order.index, "potential_rank"] = np.arange(1, len(order) + 1)
    return table.sort_values(["potential_rank", "overlap"], ascending=[True, False], kind="stable")
