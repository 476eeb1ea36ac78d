"""Shipped facts about the NSR corridor: regions, cities, cluster organisations, transport links.

Every table is a CSV in ``nsrsim/world/data/`` whose numeric columns carry a ``*_source`` column
(see ``data/SOURCES.md``). Loading checks the columns the code relies on, so a damaged file fails
with a clear :class:`~nsrsim.errors.DataError` instead of a ``KeyError`` deep in the model.
"""

from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from nsrsim.errors import DataError
from nsrsim.sectors import Sector

DATA_DIR = Path(str(resources.files("nsrsim.world") / "data"))

REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "regions.csv": (
        "code",
        "name",
        "country",
        "corridor",
        "centroid_lat",
        "centroid_lon",
        "area_km2",
        "population",
        "population_source",
        "gdp_pc_pps_pct_eu27",
        "gdp_source",
        "rd_intensity_pct_gdp",
        "rd_source",
        "berd_pct_gdp",
        "berd_source",
        "tertiary_pct",
        "tertiary_source",
        "pop_share_urban_pct",
        "pop_share_intermediate_pct",
        "pop_share_rural_pct",
        "urban_rural_source",
        "ris_group",
        "ris_source",
        "interreg_a",
        "interreg_a_source",
        "string_member",
    ),
    "cities.csv": (
        "city",
        "country",
        "region",
        "lat",
        "lon",
        "population",
        "population_source",
        "coords_source",
    ),
    "clusters.csv": (
        "name",
        "type",
        "activity",
        "sector",
        "region",
        "city",
        "lat",
        "lon",
        "source",
    ),
    "links.csv": ("from", "to", "kind", "time_h", "project", "source"),
    "interreg_a.csv": (
        "programme",
        "regions",
        "eu_funds_eur",
        "eu_funds_source",
        "innovation_share",
        "innovation_share_source",
        "modelled_share",
        "modelled_share_source",
        "unit_cost_eur",
        "unit_cost_source",
    ),
    "ris.csv": ("region", "ris_2019_rii", "source"),
    "admin_regions.csv": ("country", "admin1", "nuts2", "source"),
    "lower_saxony_seats.csv": ("seat", "district", "nuts2", "source"),
    "firm_sizes.csv": (
        "country",
        "size_class",
        "enterprise_share_pct",
        "employment_share_pct",
        "persons_per_enterprise",
        "enterprise_source",
        "employment_source",
        "persons_source",
    ),
    "business_demography.csv": (
        "country",
        "birth_rate_pct",
        "birth_source",
        "death_rate_pct",
        "death_source",
    ),
    "innovation_survey.csv": (
        "country",
        "innovators_small_pct",
        "innovators_medium_pct",
        "innovators_large_pct",
        "innovators_pct",
        "innovators_source",
        "cooperating_pct",
        "cooperating_source",
        "abroad_pct",
        "abroad_source",
    ),
    "sector_employment.csv": ("region", "sector", "employment_share_pct", "year", "source"),
    "s3_priorities.csv": (
        "region",
        "priority_as_named",
        "model_sector",
        "mapping_note",
        "strategy",
        "year",
        "source",
    ),
    "tertiary.csv": (
        "country",
        "share_25_64_2012_pct",
        "share_25_64_2021_pct",
        "share_25_34_2021_pct",
        "source",
    ),
}
SIZE_CLASSES = ("micro", "small", "medium", "large")

LINK_KINDS = ("road", "rail", "bridge", "tunnel", "ferry")


def read_table(name: str, data_dir: Path = DATA_DIR) -> pd.DataFrame:
    """Read one shipped table and check that the columns the code relies on are there."""
    path = data_dir / name
    if not path.exists():
        raise DataError(f"Data file {path} is missing; reinstall nsrsim or restore the file.")
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in REQUIRED_COLUMNS.get(name, ()) if c not in table.columns]
    if missing:
        raise DataError(
            f"Data file {path} lacks the column(s) {', '.join(missing)}; "
            f"expected at least: {', '.join(REQUIRED_COLUMNS[name])}."
        )
    return table


def _unique_index(table: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    repeated = sorted(table.loc[table[column].duplicated(), column].unique())
    if repeated:
        raise DataError(f"{name}: the {column} column must be unique; repeated: {repeated}.")
    return table.set_index(column)


@cache
def regions() -> pd.DataFrame:
    """NUTS-2 regions of the corridor, indexed by code (``DK05``)."""
    table = read_table("regions.csv")
    table["interreg_a"] = table["interreg_a"].fillna("")
    return _unique_index(table, "code", "regions.csv")


@cache
def cities() -> pd.DataFrame:
    """Cities, towns and transport nodes; a region code not in :func:`regions` lies outside."""
    table = read_table("cities.csv")
    return _unique_index(table, "city", "cities.csv")


INITIATIVE_WORDS = (
    "cluster",
    "centre of expertise",
    "science park",
    "campus",
    "agency",
    "business development",
)


def is_initiative(kind: str) -> bool:
    """Whether a listed organisation of clusters.csv (by its ``type``) manages a cluster;
    others are ports, plants and institutes.
    """
    return any(word in kind.lower() for word in INITIATIVE_WORDS)


@cache
def clusters() -> pd.DataFrame:
    """Real cluster organisations and industrial concentrations with region and sector."""
    table = read_table("clusters.csv")
    unknown = sorted(set(table["sector"]) - {s.value for s in Sector})
    if unknown:
        raise DataError(
            f"clusters.csv has unknown sector code(s) {unknown}; "
            f"allowed: {', '.join(s.value for s in Sector)}."
        )
    return table


@cache
def links() -> pd.DataFrame:
    """Transport links between cities; rows with a ``project`` exist only once it opens."""
    table = read_table("links.csv")
    table["project"] = table["project"].fillna("")
    bad_kind = sorted(set(table["kind"]) - set(LINK_KINDS))
    unknown_city = sorted((set(table["from"]) | set(table["to"])) - set(cities().index))
    if bad_kind or unknown_city:
        raise DataError(
            f"links.csv: unknown kind(s) {bad_kind} (allowed {LINK_KINDS}) or "
            f"city name(s) {unknown_city} not in cities.csv."
        )
    return table


@cache
def firm_sizes() -> pd.DataFrame:
    """Each country's firms by size class: shares of enterprises and of persons employed, and
    persons per enterprise; indexed by country, rows in size order (micro to large).
    """
    table = read_table("firm_sizes.csv")
    missing = sorted(set(regions()["country"]) - set(table["country"]))
    complete = table.groupby("country")["size_class"].apply(
        lambda s: (
            sorted(s, key=SIZE_CLASSES.index) == list(SIZE_CLASSES)
            if set(s) <= set(SIZE_CLASSES)
            else False
        )
    )
    if missing or not complete.all():
        raise DataError(
            f"firm_sizes.csv needs the size classes {', '.join(SIZE_CLASSES)} once for every "
            f"country of regions.csv; missing countries: {missing}, incomplete: "
            f"{sorted(complete.index[~complete])}."
        )
    order = table["size_class"].map(SIZE_CLASSES.index)
    return (
        table.assign(_order=order)
        .sort_values(["country", "_order"])
        .drop(columns="_order")
        .set_index("country")
    )


@cache
def business_demography() -> pd.DataFrame:
    """Each country's enterprise birth and death rates [% of active enterprises a year],
    indexed by country.
    """
    return _by_country("business_demography.csv")


@cache
def country_demography(countries: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each entry of ``countries``: the yearly enterprise death and birth rates [% of
    active enterprises] and the share of enterprises with fewer than 10 persons
    (``business_demography.csv``, ``firm_sizes.csv``), read-only. Once per process and list:
    a batch worker builds thousands of models of the same regions.
    """
    rates = business_demography().loc[list(countries)]
    sizes = firm_sizes()
    micro_share = np.array(
        [
            sizes.loc[c, "enterprise_share_pct"].iloc[0]
            / sizes.loc[c, "enterprise_share_pct"].sum()
            for c in countries
        ]
    )
    out = (
        rates["death_rate_pct"].to_numpy(float),
        rates["birth_rate_pct"].to_numpy(float),
        micro_share,
    )
    for array in out:
        array.flags.writeable = False
    return out


@cache
def sector_employment() -> pd.DataFrame:
    """Each region's persons employed by sector as shares of its business economy (regions x
    sectors, rows summing to 1, columns in ``Sector`` order): Eurostat regional business
    statistics by NACE division, mapped to the model's sectors (sector_employment.csv).
    """
    table = read_table("sector_employment.csv")
    _check_sectors(table["sector"], "sector_employment.csv", allowed={s.value for s in Sector})
    shares = table.pivot(index="region", columns="sector", values="employment_share_pct")
    missing = sorted(set(regions().index) - set(shares.index))
    if missing or shares.isna().any().any():
        raise DataError(
            f"sector_employment.csv needs every sector for every region of regions.csv; "
            f"missing regions: {missing}."
        )
    shares = shares[[s.value for s in Sector]]
    return shares.div(shares.sum(axis=1), axis=0)


@cache
def s3_priorities() -> pd.DataFrame:
    """The priority areas of the regions' smart-specialisation strategies as named, one row
    each, with the model sector each maps to (``unmapped`` where none fits, and why).
    """
    table = read_table("s3_priorities.csv")
    _check_sectors(
        table["model_sector"],
        "s3_priorities.csv",
        allowed={s.value for s in Sector if s is not Sector.OTHER} | {"unmapped"},
    )
    return table


def _check_sectors(values: pd.Series, name: str, allowed: set[str]) -> None:
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise DataError(
            f"{name} has unknown sector code(s) {unknown}; allowed: {', '.join(sorted(allowed))}."
        )


@cache
def innovation_survey() -> pd.DataFrame:
    """Each country's Community Innovation Survey shares [%] of enterprises with 10+ persons:
    innovators (introduced a product or business-process innovation in three years) by size
    class (small, medium, large) and in all, innovation-active enterprises that cooperated on
    innovation, and those with a partner in another European country; indexed by country
    (``EU27`` as well: the reference where a country's figure is derived).
    """
    return _by_country("innovation_survey.csv")


INNOVATOR_COLUMNS = {  # size class -> column of innovation_survey()
    "small": "innovators_small_pct",
    "medium": "innovators_medium_pct",
    "large": "innovators_large_pct",
}


@cache
def tertiary() -> pd.DataFrame:
    """Each country's tertiary-educated share of persons aged 25-64 (2012, 2021) and of those
    aged 25-34 (2021) [%], indexed by country.
    """
    return _by_country("tertiary.csv")


def _by_country(name: str) -> pd.DataFrame:
    table = _unique_index(read_table(name), "country", name)
    missing = sorted(set(regions()["country"]) - set(table.index))
    if missing:
        raise DataError(f"{name} has no row for the country(ies) {missing}.")
    return table


@cache
def interreg_programmes() -> pd.DataFrame:
    """The INTERREG A programmes of the corridor: modelled regions, EU funds, the shares that
    reach cooperating firms in the modelled regions, and the cost of one cooperating firm.
    """
    table = read_table("interreg_a.csv")
    unknown = sorted(
        {code for codes in table["regions"] for code in codes.split(";")} - set(regions().index)
    )
    if unknown:
        raise DataError(f"interreg_a.csv names unknown region code(s) {unknown}.")
    return table


@cache
def ris_scores() -> pd.DataFrame:
    """Regional Innovation Scoreboard 2019 index of the regions where it was found, by code."""
    return _unique_index(read_table("ris.csv"), "region", "ris.csv")


def region_codes() -> list[str]:
    """All region codes nsrsim ships facts for."""
    return list(regions().index)


def transport_projects() -> list[str]:
    """Names of planned links (e.g. ``fehmarnbelt``) that a scenario can open."""
    return sorted(p for p in links()["project"].unique() if p)
