"""The innovation gap outside the hot-spots: observed (shipped regional data) beside simulated.

Observed innovation per job is not published per NUTS-2 region for this corridor; what ships
is the Regional Innovation Scoreboard's index (RIS 2019, ``ris.csv``), R&D intensity and
business R&D (``regions.csv``), each with its source. The simulated side is the baseline's
innovations per 1,000 jobs and year, per region and urban class, with 95 % CIs over
replicates and its trend over the run.
"""

import numpy as np
import pandas as pd
from scipy import stats

from nsrsim.columns import column
from nsrsim.stats import mean_ci
from nsrsim.validate import trend_per_decade
from nsrsim.world import facts
from nsrsim.world.grid import URBAN_CLASSES

OBSERVED = {  # column here: (column of the shipped table, its source column)
    "ris_2019_rii": ("ris_2019_rii", "source"),
    "ris_group": ("ris_group", "ris_source"),
    "rd_intensity_pct_gdp": ("rd_intensity_pct_gdp", "rd_source"),
    "berd_pct_gdp": ("berd_pct_gdp", "berd_source"),
}


def observed_regions(regions: pd.DataFrame, hotspot: pd.Series) -> pd.DataFrame:
    """The shipped regional facts of the modelled regions, with their sources.

    ``regions``: the world's region table (``regions.csv`` rows, indexed by code);
    ``hotspot``: bool per code, the model's hot-spots (the three largest economies).
    """
    ris = facts.ris_scores()
    table = pd.DataFrame(index=regions.index)
    table["name"] = regions["name"]
    table["country"] = regions["country"]
    table["hotspot"] = hotspot.reindex(regions.index).to_numpy(bool)
    for name, (field, source) in OBSERVED.items():
        shipped = ris if field == "ris_2019_rii" else regions
        table[name] = shipped[field].reindex(regions.index)
        table[f"{name}_source"] = shipped[source].reindex(regions.index)
    for urban in URBAN_CLASSES:
        table[f"pop_share_{urban}_pct"] = regions[f"pop_share_{urban}_pct"]
    return table


def observed_classes(observed: pd.DataFrame, population: pd.Series) -> pd.DataFrame:
    """RIS index per urban class, derived: the regions' index weighted by the class's
    population in each region (regions without a RIS score left out). No class-level
    innovation statistic ships, so this only says where each class's people live.
    """
    known = observed["ris_2019_rii"].notna()
    rows = []
    for urban in URBAN_CLASSES:
        people = population[known] * observed.loc[known, f"pop_share_{urban}_pct"] / 100.0
        rii = observed.loc[known, "ris_2019_rii"]
        rows.append(
            {
                "urban_class": urban,
                "population": float(people.sum()),
                "ris_2019_rii_weighted": float(np.average(rii, weights=people)),
            }
        )
    return pd.DataFrame(rows)


def simulated(runs: pd.DataFrame, areas: list[str], years: int) -> pd.DataFrame:
    """Innovations per 1,000 jobs and year per area over the baseline's replicates: over the
    run's years 1..``years`` (innovations over job-years, as the map and the hot-spot gap), in
    the last year, and the yearly rate's trend per decade, each with a 95 % CI. ``runs``
    has one row per replicate and columns ``innovations@{year}@{area}`` and
    ``employment@{year}@{area}``.
    """
    rows = []
    steps = range(1, years + 1)
    for area in areas:
        innovations = runs[[column("innovations", y, area) for y in steps]].to_numpy(float)
        jobs = runs[[column("employment", y, area) for y in steps]].to_numpy(float)
        rate = 1000.0 * np.divide(innovations, jobs, out=np.zeros_like(jobs), where=jobs > 0)
        over_run = 1000.0 * innovations.sum(axis=1) / np.maximum(jobs.sum(axis=1), 1e-300)
        mean, low, high = mean_ci(over_run)
        slope, slope_low, slope_high = mean_ci(
            np.array([trend_per_decade(pd.Series(r)) for r in rate])
        )
        last, last_low, last_high = mean_ci(rate[:, -1])
        rows.append(
            {
                "area": area,
                "innovations_per_1000_jobs": mean,
                "ci_low": low,
                "ci_high": high,
                f"year_{years}": last,
                f"year_{years}_ci_low": last_low,
                f"year_{years}_ci_high": last_high,
                "trend_per_decade": slope,
                "trend_ci_low": slope_low,
                "trend_ci_high": slope_high,
            }
        )
    return pd.DataFrame(rows)


def hotspot_gap(runs: pd.DataFrame, hotspots: list[str], others: list[str], years: int) -> dict:
    """How far the rest of the corridor lags the hot-spots: the ratio of innovations per 1,000
    jobs (rest / hot-spots) over the run, simulated (mean and CI over replicates), and the
    ratio of the RIS index (population-weighted) observed.
    """

    def rate(codes: list[str]) -> np.ndarray:
        steps = range(1, years + 1)
        innovations = sum(
            runs[[column("innovations", y, c) for y in steps]].to_numpy(float) for c in codes
        )
        jobs = sum(runs[[column("employment", y, c) for y in steps]].to_numpy(float) for c in codes)
        return 1000.0 * innovations.sum(axis=1) / jobs.sum(axis=1)

    ratio, low, high = mean_ci(rate(others) / rate(hotspots))
    return {"simulated_ratio": ratio, "simulated_ci_low": low, "simulated_ci_high": high}


def ordering(regions: pd.DataFrame) -> dict[str, float]:
    """How well the simulated regions' innovation per job follows the observed RIS index:
    Spearman's rank correlation over the regions with a score (the index is a composite of
    many indicators, so its ratios are not ratios of innovation rates; its order is what a
    simulated rate can be held against).
    """
    known = regions["ris_2019_rii"].notna()
    rho = stats.spearmanr(
        regions.loc[known, "ris_2019_rii"], regions.loc[known, "innovations_per_1000_jobs"]
    ).statistic
    return {"spearman_with_ris": float(rho), "regions_with_ris": int(known.sum())}


def observed_gap(observed: pd.DataFrame, population: pd.Series) -> float:
    """Population-weighted RIS index outside the hot-spots over that of the hot-spots."""
    known = observed["ris_2019_rii"].notna()

    def index(mask: pd.Series) -> float:
        take = known & mask
        return float(np.average(observed.loc[take, "ris_2019_rii"], weights=population[take]))

    return index(~observed["hotspot"]) / index(observed["hotspot"])
