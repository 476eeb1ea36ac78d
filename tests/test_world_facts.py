import shutil

import pandas as pd
import pytest

from nsrsim.errors import DataError
from nsrsim.sectors import Sector
from nsrsim.world import facts

ISSUE_REGIONS = [
    "NO09",
    "NO0A",
    "SE23",
    "SE22",
    "DK01",
    "DK02",
    "DK03",
    "DK04",
    "DK05",
    "DEF0",
    "DE60",
    "DE93",
    "DE94",
    "NL11",
    "NL12",
    "NL13",
]


def test_required_regions_present_with_facts():
    regions = facts.regions()
    assert set(ISSUE_REGIONS) <= set(regions.index)
    numeric = [
        "population",
        "gdp_pc_pps_pct_eu27",
        "rd_intensity_pct_gdp",
        "tertiary_pct",
        "area_km2",
        "pop_share_urban_pct",
    ]
    assert regions[numeric].notna().all().all()
    shares = regions[["pop_share_urban_pct", "pop_share_intermediate_pct", "pop_share_rural_pct"]]
    assert (shares.sum(axis=1) - 100).abs().max() <= 1


@pytest.mark.parametrize(
    "name",
    ["regions.csv", "cities.csv", "clusters.csv", "links.csv", "firm_sizes.csv", "interreg_a.csv"],
)
def test_every_fact_carries_a_source(name):
    table = pd.read_csv(facts.DATA_DIR / name, keep_default_na=False)
    source_columns = [c for c in table.columns if c == "source" or c.endswith("_source")]
    assert source_columns
    for column in source_columns:
        assert (table[column].str.strip() != "").all(), column


def test_firm_sizes_cover_every_country_and_add_up():
    sizes = facts.firm_sizes()
    assert set(facts.regions()["country"]) <= set(sizes.index)
    for _, rows in sizes.groupby(level=0):
        assert list(rows["size_class"]) == ["micro", "small", "medium", "large"]
        assert rows["enterprise_share_pct"].sum() == pytest.approx(100, abs=0.1)
        assert rows["employment_share_pct"].sum() == pytest.approx(100, abs=0.1)


def test_cross_references_resolve():
    regions, cities = facts.regions(), facts.cities()
    clusters = facts.clusters()
    assert set(clusters["region"]) <= set(regions.index)
    assert set(clusters["sector"]) <= {s.value for s in Sector}
    links = facts.links()
    assert set(links["from"]) | set(links["to"]) <= set(cities.index)
    assert (links["time_h"] > 0).all()
    corridor_cities = cities[cities["region"].isin(regions.index)]
    assert set(regions.index) <= set(corridor_cities["region"])


def test_named_clusters_and_links_are_real_rows():
    clusters = facts.clusters()
    for name, region, sector in [
        ("Maritimes Cluster Norddeutschland (MCN)", "DE60", "maritime"),
        ("Port Esbjerg offshore wind hub", "DK03", "wind"),
        ("BrainsBusiness – ICT North Denmark", "DK05", "ict"),
        ("New Energy Coalition (formerly Energy Valley)", "NL11", "cleantech"),
        ("Medicon Valley Alliance", "DK01", "life_science"),
    ]:
        row = clusters[clusters["name"] == name].iloc[0]
        assert (row["region"], row["sector"]) == (region, sector)
    links = facts.links()
    pairs = set(zip(links["from"], links["to"], strict=True))
    for pair in [
        ("Hirtshals", "Kristiansand"),
        ("Frederikshavn", "Gothenburg"),
        ("Puttgarden (Fehmarn)", "Rødbyhavn"),
        ("Nyborg", "Korsør"),
        ("Copenhagen", "Malmö"),
    ]:
        assert pair in pairs
    assert "fehmarnbelt" in facts.transport_projects()


def test_damaged_file_gives_data_error(tmp_path):
    shutil.copy(facts.DATA_DIR / "links.csv", tmp_path / "links.csv")
    table = pd.read_csv(tmp_path / "links.csv").drop(columns=["time_h"])
    table.to_csv(tmp_path / "links.csv", index=False)
    with pytest.raises(DataError, match="time_h"):
        facts.read_table("links.csv", tmp_path)
    with pytest.raises(DataError, match="missing"):
        facts.read_table("cities.csv", tmp_path)
