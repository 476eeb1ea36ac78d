"""Empirical patterns a credible baseline reproduces, how each is measured on one run, and the
report over replicates (``nsrsim validate``; docs/VALIDATION.md).

Each pattern has a target band and the published figures it rests on. The measurements are
functions of a run's tables, tested on synthetic data whose answer is known (a gravity
network with a chosen distance elasticity and border effect, a Pareto sample).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from nsrsim.accounts import survey_size_class
from nsrsim.indicators import theil
from nsrsim.stats import mean_ci
from nsrsim.world import facts

TAIL_MIN_JOBS = 250.0  # the firm-size tail is fitted above this many jobs (the large class)


@dataclass(frozen=True)
class Pattern:
    """A pattern: target band [low, high], its source, and how one run is measured."""

    name: str
    label: str
    low: float
    high: float
    source: str
    method: str
    measure: Callable[["RunTables"], float]
    group: int  # patterns of one group pass together (the Theil level and trend)


@dataclass(frozen=True)
class RunTables:
    """What a measurement reads of a run: yearly indicators, regions, final firms, final links
    and the region pairs' distances.
    """

    indicators: pd.DataFrame
    regions: pd.DataFrame
    firms: pd.DataFrame
    links: pd.DataFrame
    region_pairs: pd.DataFrame


# ------------------------------------------------------------------------------ measurements
def gravity(pairs: pd.DataFrame) -> tuple[float, float]:
    """(distance elasticity, border effect) of link counts between regions by Poisson pseudo
    maximum likelihood (Santos Silva & Tenreyro 2006): log E[links_rs] = b0 + b1 log mass_r +
    b2 log mass_s + beta log distance_rs + gamma border_rs. The border effect is exp(-gamma),
    how many times more intense same-country links are at equal distance.

    ``pairs`` has columns links, mass_a, mass_b, distance_km, cross_border (ordered pairs of
    different regions, zeros included).
    """
    data = pairs[(pairs["mass_a"] > 0) & (pairs["mass_b"] > 0) & (pairs["distance_km"] > 0)]
    design = sm.add_constant(
        np.column_stack(
            [
                np.log(data["mass_a"]),
                np.log(data["mass_b"]),
                np.log(data["distance_km"]),
                data["cross_border"].astype(float),
            ]
        )
    )
    fit = sm.GLM(data["links"].to_numpy(float), design, family=sm.families.Poisson()).fit()
    return float(fit.params[3]), float(np.exp(-fit.params[4]))


def link_pairs(run: RunTables) -> pd.DataFrame:
    """Partner relations of targeted firms between every ordered pair of different regions,
    with the regions' targeted firms (masses), the mean distance between them (firm-weighted,
    not hub to hub) and whether a border lies between.
    """
    links = run.links[run.links["targeted_a"] & run.links["targeted_b"]]
    weight = links["relations"]
    counts = (
        pd.concat(
            [
                pd.DataFrame({"a": links["region_a"], "b": links["region_b"], "w": weight}),
                pd.DataFrame({"a": links["region_b"], "b": links["region_a"], "w": weight}),
            ]
        )
        .groupby(["a", "b"])["w"]
        .sum()
    )
    final = run.regions[run.regions["year"] == run.regions["year"].max()].set_index("region")
    mass = final["targeted_firms"]
    pairs = run.region_pairs[run.region_pairs["region_a"] != run.region_pairs["region_b"]].copy()
    pairs["distance_km"] = pairs["firm_distance_km"]
    pairs["links"] = [
        counts.get((a, b), 0.0) for a, b in zip(pairs["region_a"], pairs["region_b"], strict=True)
    ]
    pairs["mass_a"] = mass.reindex(pairs["region_a"]).to_numpy()
    pairs["mass_b"] = mass.reindex(pairs["region_b"]).to_numpy()
    return pairs


def pareto_tail(sizes: np.ndarray, weights: np.ndarray, minimum: float) -> float:
    """Exponent of the complementary CDF above ``minimum`` by maximum likelihood (Hill), with
    each size counted ``weights`` times: alpha = sum(w) / sum(w log(x / minimum)).
    """
    tail = sizes >= minimum
    if not tail.any():
        return np.nan
    return float(weights[tail].sum() / (weights[tail] * np.log(sizes[tail] / minimum)).sum())


def growth_per_year(series: pd.Series) -> float:
    """Compound yearly growth from the first to the last value."""
    years = len(series) - 1
    return float((series.iloc[-1] / series.iloc[0]) ** (1.0 / years) - 1.0) if years else np.nan


def trend_per_decade(series: pd.Series) -> float:
    """Least-squares slope of a yearly series, per ten years."""
    return float(10 * np.polyfit(np.arange(len(series)), series.to_numpy(float), 1)[0])


def data_theil(codes: list[str]) -> float:
    """Theil T of GDP per head across the regions, from the shipped data (GDP per head index
    x population).
    """
    regions = facts.regions().loc[codes]
    population = regions["population"].to_numpy(float)
    return theil(population * regions["gdp_pc_pps_pct_eu27"].to_numpy(float), population)


def innovation_rank(run: RunTables) -> float:
    """Spearman correlation of the regions' simulated innovations per 1,000 jobs (mean over
    the run) with their Regional Innovation Scoreboard 2019 index.
    """
    scores = facts.ris_scores()["ris_2019_rii"]
    years = run.regions[run.regions["year"] > 0]
    rate = years.groupby("region")["innovations_per_1000_jobs"].mean()
    common = rate.index.intersection(scores.index)
    return float(stats.spearmanr(rate[common], scores[common]).statistic)


def country_rate_gap(run: RunTables, flow: str, column: str) -> float:
    """Largest gap, over countries, between a simulated yearly rate (``flow`` of real firms
    over the firms at the start of the year, summed over the run) and the cited rate
    (``business_demography.csv`` column ``column``), in percentage points.
    """
    regions = run.regions.assign(country=lambda t: t["region"].map(facts.regions()["country"]))
    by = regions.groupby(["country", "year"])[[flow, "firms"]].sum()
    by["before"] = by.groupby(level="country")["firms"].shift(1)
    by = by.dropna()
    simulated = (
        100.0
        * by.groupby(level="country")[flow].sum()
        / by.groupby(level="country")["before"].sum()
    )
    cited = facts.business_demography()[column].reindex(simulated.index)
    return float((simulated - cited).abs().max())


def survey_classes(firms: pd.DataFrame) -> np.ndarray:
    """Size class of each firm-table row as the surveys count firms (0 micro .. 3 large)."""
    stratum = firms["size_class"].map({name: k for k, name in enumerate(facts.SIZE_CLASSES)})
    return survey_size_class(
        firms["fine"].to_numpy(bool), firms["jobs"].to_numpy(float), stratum.to_numpy()
    )


def size_class_shares(firms: pd.DataFrame) -> pd.DataFrame:
    """Each country's employment shares by size class [%] (countries x micro..large), as the
    surveys count them: a firm agent by its persons per firm now, a cohort by its class.
    """
    table = pd.DataFrame(
        {
            "country": firms["region"].map(facts.regions()["country"]).to_numpy(),
            "size": np.asarray(facts.SIZE_CLASSES)[survey_classes(firms)],
            "jobs": firms["real_firms"].to_numpy(float) * firms["jobs"].to_numpy(float),
        }
    ).pivot_table(index="country", columns="size", values="jobs", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=list(facts.SIZE_CLASSES), fill_value=0.0)
    return 100.0 * table.div(table.sum(axis=1), axis=0)


def size_structure_gap(run: RunTables) -> float:
    """Largest gap, over countries and size classes, between the simulated employment shares
    in the final year and those of ``firm_sizes.csv``, in percentage points.
    """
    simulated = size_class_shares(run.firms)
    data = (
        facts.firm_sizes()
        .reset_index()
        .pivot(index="country", columns="size_class", values="employment_share_pct")
    )
    data = 100.0 * data.div(data.sum(axis=1), axis=0)
    return float((simulated - data.reindex(simulated.index)[simulated.columns]).abs().max().max())


def sector_structure_gap(run: RunTables) -> float:
    """Largest gap, over regions and sectors, between the simulated shares of market jobs in
    the final year and the regions' employment by sector (sector_employment.csv), in points.
    """
    jobs = (
        (run.firms["real_firms"] * run.firms["jobs"])
        .groupby([run.firms["region"], run.firms["sector"]])
        .sum()
    )
    simulated = jobs.unstack(fill_value=0.0)
    simulated = 100.0 * simulated.div(simulated.sum(axis=1), axis=0)
    data = 100.0 * facts.sector_employment().reindex(simulated.index)
    return float((simulated.reindex(columns=data.columns, fill_value=0.0) - data).abs().max().max())


def survey_frame(firms: pd.DataFrame) -> pd.DataFrame:
    """The firms the innovation survey counts (10+ persons), with country, size class name and
    the survey measures (accounts.survey_measures) of the final year.
    """
    classes = survey_classes(firms)
    table = firms.assign(
        country=firms["region"].map(facts.regions()["country"]),
        survey_class=np.asarray(facts.SIZE_CLASSES)[classes],
    )
    return table[classes > 0]


def innovator_shares(firms: pd.DataFrame) -> pd.DataFrame:
    """Share of real firms with 10+ persons that innovated within the survey window [%], per
    country (rows) by size class (small, medium, large) and in all (``total``), with the real
    firms of each cell (``firms_<class>`` columns).
    """
    table = survey_frame(firms)
    keys = [table["country"], table["survey_class"]]
    weight = table["real_firms"]
    innovated = (weight * table["innovator_3y"]).groupby(keys).sum().unstack()
    counted = weight.groupby(keys).sum().unstack()
    classes = list(facts.INNOVATOR_COLUMNS)
    shares = (100.0 * innovated / counted).reindex(columns=classes)
    shares["total"] = 100.0 * innovated.sum(axis=1) / counted.sum(axis=1)
    return shares.join(counted.reindex(columns=classes).add_prefix("firms_"))


def survey_innovators() -> pd.DataFrame:
    """The survey's shares of innovators [%] per country by size class and in all."""
    columns = {column: name for name, column in facts.INNOVATOR_COLUMNS.items()}
    return facts.innovation_survey().rename(columns={**columns, "innovators_pct": "total"})


def innovator_country_gap(run: RunTables) -> float:
    """Largest gap, over countries, between the simulated share of innovators among firms with
    10+ persons and the survey's (innovation_survey.csv), in percentage points.
    """
    simulated = innovator_shares(run.firms)["total"]
    return float((simulated - survey_innovators()["total"].reindex(simulated.index)).abs().max())


def innovator_size_gap(run: RunTables) -> float:
    """Largest gap, over size classes (small, medium, large), between the corridor's simulated
    share of innovators and the survey's, the countries' figures weighted by the simulated
    real firms of each class, in percentage points.
    """
    shares = innovator_shares(run.firms)
    data = survey_innovators().reindex(shares.index)
    gaps = []
    for name in facts.INNOVATOR_COLUMNS:
        firms = shares[f"firms_{name}"].fillna(0.0)
        simulated = np.average(shares[name].fillna(0.0), weights=firms)
        gaps.append(abs(simulated - np.average(data[name], weights=firms)))
    return float(max(gaps))


def cooperation_shares(firms: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Per country, the share [%] of innovating firm agents with 10+ persons that cooperated
    within the survey window (``measure``: ``partnered_3y`` any partner, ``abroad_3y`` one in
    another country), and their real firms (``innovators``). Firm agents only: the model
    resolves partners at firm resolution, while a cohort's links stand for at most a few of its
    thousands of firms.
    """
    table = survey_frame(firms)
    table = table[table["fine"].to_numpy(bool)]
    innovators = table["real_firms"] * table["innovator_3y"]
    by_country = innovators.groupby(table["country"]).sum()
    cooperating = (innovators * table[measure]).groupby(table["country"]).sum()
    return pd.DataFrame({"share": 100.0 * cooperating / by_country, "innovators": by_country})


def cooperation_country_gap(run: RunTables, country: str) -> float:
    """Simulated share of a country's innovators cooperating with any partner minus the
    survey's (innovation_survey.csv ``cooperating_pct``), in points; NaN if the run has none.
    """
    shares = cooperation_shares(run.firms, "partnered_3y")["share"]
    if country not in shares.index:
        return float("nan")
    return float(shares[country] - facts.innovation_survey().loc[country, "cooperating_pct"])


def abroad_gap(run: RunTables) -> float:
    """Simulated share of innovators with a partner in another corridor country minus the
    survey's share with one elsewhere in Europe (``abroad_pct``), over the countries weighted
    by their simulated innovators, in points: most national figures are the EU's, so the
    pattern is the corridor's, not each country's.
    """
    shares = cooperation_shares(run.firms, "abroad_3y")
    data = facts.innovation_survey()["abroad_pct"].reindex(shares.index)
    return float(np.average(shares["share"] - data, weights=shares["innovators"]))


def top_three_share(run: RunTables) -> float:
    """Largest share, over regions, of a region's innovations in the final year that its three
    most innovative firm agents produce.
    """
    innovations = run.firms.groupby("region")["real_innovations_year"]
    top = innovations.apply(lambda x: x.nlargest(3).sum()) / innovations.sum()
    return float(top.max())


PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "distance_elasticity",
        "Distance elasticity of link intensity",
        -1.2,
        -0.3,
        "co-authorship between European cities about -1.16 (Pan, Kaski & Fortunato 2012); "
        "Framework Programme networks at the flat end (Scherngell & Barber 2009; Hoekman, "
        "Frenken & van Oort 2009)",
        "PPML gravity on region-pair partner relations of targeted firms over their mean "
        "firm-to-firm road-equivalent distance, final year",
        lambda run: gravity(link_pairs(run))[0],
        1,
    ),
    Pattern(
        "border_effect",
        "Border effect (same-country over cross-border intensity)",
        2.0,
        5.0,
        "a common language alone multiplies cross-border co-patents by 1.8-2.5 (Basche 2022)",
        "exp(-border coefficient) of the same gravity fit",
        lambda run: gravity(link_pairs(run))[1],
        2,
    ),
    Pattern(
        "cross_border_share",
        "Cross-border share of firm links",
        0.05,
        0.20,
        "21 % of co-inventions are international (OECD Regions at a Glance 2011); 11 % of "
        "innovation-active EU firms have a partner elsewhere in Europe (CIS 2008)",
        "cross_border_share of the targeted firms' relations, final year",
        lambda run: float(run.indicators["cross_border_share"].iloc[-1]),
        3,
    ),
    Pattern(
        "size_tail_exponent",
        "Firm-size tail exponent (complementary CDF)",
        0.8,
        1.3,
        "about 1 for US firms (Axtell 2001)",
        f"maximum-likelihood (Hill) exponent of real firms' jobs above {TAIL_MIN_JOBS:g}, final "
        "year",
        lambda run: pareto_tail(
            run.firms["jobs"].to_numpy(float),
            run.firms["real_firms"].to_numpy(float),
            TAIL_MIN_JOBS,
        ),
        4,
    ),
    Pattern(
        "productivity_growth",
        "Labour productivity growth",
        0.005,
        0.015,
        "real GDP per person employed, about 0.5-1.5 % a year in DK, SE, NO, DE and NL in the "
        "2010s (national statistics)",
        "compound yearly growth of corridor output per job over the run",
        lambda run: growth_per_year(run.indicators["productivity_eur"]),
        5,
    ),
    Pattern(
        "theil_level",
        "Theil index of GDP per head: level over the data's",
        0.7,
        1.3,
        "the shipped regional GDP per head and population (regions.csv)",
        "Theil T at the start over the Theil T of the data",
        lambda run: (
            float(run.indicators["theil_gdp_per_head"].iloc[0])
            / data_theil(sorted(run.regions["region"].unique()))
        ),
        6,
    ),
    Pattern(
        "theil_trend",
        "Theil index of GDP per head: trend per decade",
        -0.005,
        0.015,
        "regional inequality trends across European regions",
        "least-squares slope of the Theil T over the run, per decade",
        lambda run: trend_per_decade(run.indicators["theil_gdp_per_head"]),
        6,
    ),
    Pattern(
        "innovation_rank",
        "Regional innovation ordering (Spearman with the RIS)",
        0.6,
        1.0,
        "Regional Innovation Scoreboard 2019 index of the modelled regions (ris.csv)",
        "Spearman correlation of innovations per 1,000 jobs with the RIS 2019 index",
        innovation_rank,
        7,
    ),
    Pattern(
        "birth_rate_gap",
        "Enterprise birth rates: largest gap to a country's (points)",
        0.0,
        1.0,
        "births per active enterprise, Eurostat business-demography standard "
        "(business_demography.csv: Destatis, CBS, Eurostat)",
        "simulated births over the firms at the start of each year, summed over the run, per "
        "country, against the cited rate",
        lambda run: country_rate_gap(run, "births", "birth_rate_pct"),
        8,
    ),
    Pattern(
        "death_rate_gap",
        "Enterprise death rates: largest gap to a country's (points)",
        0.0,
        1.0,
        "deaths per active enterprise, Eurostat business-demography standard "
        "(business_demography.csv)",
        "simulated deaths over the firms at the start of each year, summed over the run, per "
        "country, against the cited rate",
        lambda run: country_rate_gap(run, "deaths", "death_rate_pct"),
        8,
    ),
    Pattern(
        "size_structure_gap",
        "Employment by size class: largest gap to a country's (points)",
        0.0,
        3.0,
        "each country's employment shares of micro, small, medium and large firms "
        "(firm_sizes.csv), stable over the years in the sources",
        "final year: firm agents by persons per firm, cohorts by their size class",
        size_structure_gap,
        9,
    ),
    Pattern(
        "top_three_share",
        "Innovations of a region's three most innovative agents (share)",
        0.0,
        0.10,
        "no handful of agents may decide a region's numbers (a design target of the sample)",
        "largest share over regions, final year",
        top_three_share,
        10,
    ),
    Pattern(
        "sector_structure_gap",
        "Employment by sector: largest gap to a region's (points)",
        0.0,
        5.0,
        "each region's persons employed by sector in the business economy (Eurostat "
        "sbs_r_nuts06_r2, 2014, NACE divisions mapped to the model's sectors: "
        "sector_employment.csv)",
        "final year: real jobs by region and sector",
        sector_structure_gap,
        11,
    ),
    Pattern(
        "innovator_country_gap",
        "Innovators (10+ persons) by country: largest gap to the survey's (points)",
        0.0,
        5.0,
        "Community Innovation Survey 2020 (2018-2020): enterprises with 10+ persons that "
        "introduced a product or business-process innovation, DE 64 % (derived), DK 48 %, "
        "NL 56 %, NO 58 %, SE 55 % (innovation_survey.csv)",
        "final year: real firms with 10+ persons that innovated in the last three years",
        innovator_country_gap,
        12,
    ),
    Pattern(
        "innovator_size_gap",
        "Innovators by size class (corridor): largest gap to the survey's (points)",
        0.0,
        5.0,
        "CIS2020 by size class: EU27 44.5 / 60.1 / 74.1 % (small, medium, large), national "
        "figures where published (SCB, SSB), the EU27 gradient elsewhere (innovation_survey.csv)",
        "final year: the corridor's share per size class against the countries' figures "
        "weighted by the simulated firms of the class",
        innovator_size_gap,
        13,
    ),
    *(
        Pattern(
            f"cooperation_gap_{country}",
            f"Innovators cooperating in {country}: gap to the survey's {cited:.0f} % (points)",
            -5.0,
            5.0,
            "innovation-active enterprises that cooperated on innovation: DE 21 %, DK 57 %, "
            "SE 40 % (CIS2008), NL 33 %, NO 44 % (CIS2020) (innovation_survey.csv)",
            "final year: innovators with 10+ persons among the firm agents with a partner at a "
            "year's end in the last three years, per country, minus the country's figure",
            partial(cooperation_country_gap, country=country),
            14,
        )
        for country, cited in facts.innovation_survey()["cooperating_pct"].drop("EU27").items()
    ),
    Pattern(
        "abroad_gap",
        "Innovators with a partner in another corridor country, over the survey's abroad",
        -8.0,
        0.0,
        "innovation-active enterprises with a partner elsewhere in Europe: EU27 11 % (CIS2008, "
        "CIS2010), DE 7 %, NO 16 % (innovation_survey.csv); the corridor's other countries "
        "are part of 'elsewhere in Europe', so the simulated share lies below and not far below",
        "final year: innovators with 10+ persons among the firm agents with a partner in "
        "another country at a year's end in the last three years, minus the survey's share, "
        "weighted as above",
        abroad_gap,
        15,
    ),
)
PATTERN_BY_NAME = {p.name: p for p in PATTERNS}


def measure(run: RunTables) -> dict[str, float]:
    """Every pattern's value in one run (NaN where a measurement is undefined)."""
    values = {}
    for pattern in PATTERNS:
        try:
            values[pattern.name] = pattern.measure(run)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
            values[pattern.name] = np.nan
    return values


def report(per_run: pd.DataFrame) -> pd.DataFrame:
    """One row per pattern: target, source, method, mean over replicates with a 95 % CI,
    and whether the mean lies in the band (a group passes when all its patterns do).
    """
    rows = []
    for pattern in PATTERNS:
        values = per_run[pattern.name].dropna().to_numpy(float)
        n = len(values)
        mean, low, high = mean_ci(values)
        rows.append(
            {
                "group": pattern.group,
                "pattern": pattern.name,
                "label": pattern.label,
                "target_low": pattern.low,
                "target_high": pattern.high,
                "source": pattern.source,
                "method": pattern.method,
                "n": n,
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "in_band": bool(pattern.low <= mean <= pattern.high) if n else False,
            }
        )
    table = pd.DataFrame(rows)
    table["group_passes"] = table.groupby("group")["in_band"].transform("all")
    return table


def run_tables(result: Any) -> RunTables:
    """What the measurements read of a finished run (its final firms and links)."""
    final = result.firms[result.firms["year"] == result.firms["year"].max()]
    return RunTables(result.indicators, result.regions, final, result.links, result.region_pairs)


def measure_patterns(result: Any) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    """A batch run's measure (``RunOutputs.measures``): every pattern as a ``pattern:<name>``
    column, and the region pairs and firm sizes the validation figures read.
    """
    tables = run_tables(result)
    pairs = link_pairs(tables)
    columns = {f"pattern:{name}": value for name, value in measure(tables).items()}
    return columns, {"pairs": pairs, "sizes": tables.firms[["jobs", "real_firms"]]}


def measure_region_links(result: Any) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    """A batch run's measure: the partner relations between every pair of regions."""
    return {}, {"region_links": link_pairs(run_tables(result))}


def outputs(years: int) -> dict:
    """What each validation run keeps: every indicator and year, per region, and the patterns."""
    return {
        "indicators": [],
        "years": list(range(years + 1)),
        "regions": True,
        "measures": (measure_patterns,),
    }


def summary(table: pd.DataFrame) -> str:
    """The report as text: one line per pattern, then how many of the groups pass."""
    lines = [
        f"{'pattern':<4}{'measure':<58}{'target':>18}{'simulated mean [95 % CI]':>34}  in band",
    ]
    for row in table.itertuples():
        target = f"[{row.target_low:g}, {row.target_high:g}]"
        value = f"{row.mean:.3g} [{row.ci_low:.3g}, {row.ci_high:.3g}]"
        lines.append(
            f"{row.group:<4}{row.label:<58}{target:>18}{value:>34}  "
            f"{'yes' if row.in_band else 'no'}"
        )
    groups = table.groupby("group")["group_passes"].first()
    passed = ", ".join(str(g) for g, ok in groups.items() if ok) or "none"
    lines.append(
        f"\n{int(groups.sum())} of {len(groups)} patterns pass (a pattern passes when all its "
        f"measures are in band): {passed}."
    )
    return "\n".join(lines)
