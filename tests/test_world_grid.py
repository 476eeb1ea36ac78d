import numpy as np
import pytest

from nsrsim.world import facts
from nsrsim.world.grid import DIRECTIONS, URBAN_CLASSES, base_grid, grid_at
from nsrsim.world.projection import EARTH_RADIUS_KM, to_lonlat, to_xy
from nsrsim.world.travel import hub_cells


def test_projection_round_trip_and_equal_area():
    lon = np.array([4.0, 8.5, 10.0, 12.57, 16.0])
    lat = np.array([52.0, 55.0, 57.3, 55.68, 62.6])
    x, y = to_xy(lon, lat)
    back_lon, back_lat = to_lonlat(x, y)
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)
    # a 1°x1° quad at 60°N: projected area equals the spherical area
    ring_lon = np.r_[
        np.linspace(10, 11, 200), np.full(200, 11), np.linspace(11, 10, 200), np.full(200, 10)
    ]
    ring_lat = np.r_[
        np.full(200, 60), np.linspace(60, 61, 200), np.full(200, 61), np.linspace(61, 60, 200)
    ]
    px, py = to_xy(ring_lon, ring_lat)
    area = 0.5 * abs(np.dot(px, np.roll(py, 1)) - np.dot(py, np.roll(px, 1)))
    exact = EARTH_RADIUS_KM**2 * np.radians(1) * (np.sin(np.radians(61)) - np.sin(np.radians(60)))
    assert area == pytest.approx(exact, rel=1e-4)


@pytest.mark.parametrize("cell_km", [10, 20, 40])
def test_every_land_cell_has_country_region_and_class(cell_km):
    cells = grid_at(cell_km).cells
    land = cells[cells["land"]]
    assert (land["country"] != "").all()
    assert (land["region"] != "").all()
    assert set(land["urban_class"]) <= set(URBAN_CLASSES)
    sea = cells[~cells["land"]]
    assert (sea["region"] == "").all() and (sea["country"] == "").all()


@pytest.mark.parametrize("cell_km", [10, 20, 40])
def test_every_region_has_land_in_its_own_country(cell_km):
    cells = grid_at(cell_km).cells
    regions = facts.regions()
    for code, row in regions.iterrows():
        mine = cells[cells["land"] & (cells["region"] == code)]
        assert len(mine) > 0, code
        assert (mine["country"] == row["country"]).all(), code


def test_region_land_matches_official_area():
    """Regions come from real administrative units, so their land on the 10 km grid matches
    the official area up to the grid's resolution: within 25 % for every region, within 10 %
    for the larger ones (a 10 km cell is 100 km^2; Hamburg is seven cells)."""
    cells = base_grid().cells
    counts = cells[cells["land"]].groupby("region").size()
    regions = facts.regions()
    ratio = counts.loc[regions.index] * 100.0 / regions["area_km2"]
    assert ratio.between(0.75, 1.25).all(), ratio[~ratio.between(0.75, 1.25)]
    large = regions["area_km2"] > 12_000
    assert ratio[large].between(0.9, 1.1).all(), ratio[large]


def test_population_sums_to_regional_totals():
    cells = base_grid().cells
    totals = cells.groupby("region")["population"].sum()
    regions = facts.regions()
    city_pop = facts.cities().groupby("region")["population"].sum()
    for code, row in regions.iterrows():
        expected = max(row["population"], city_pop.get(code, 0))
        assert totals[code] == pytest.approx(expected, rel=0.01), code
    coarse = grid_at(30).cells
    assert coarse["population"].sum() == pytest.approx(cells["population"].sum(), rel=1e-6)


@pytest.mark.parametrize("cell_km", [10, 30])
def test_cities_lie_on_land_in_their_own_region(cell_km):
    grid = grid_at(cell_km)
    cities = facts.cities()
    corridor = cities[cities["region"].isin(facts.regions().index)]
    hubs = hub_cells(grid, corridor)
    cells = grid.cells.iloc[hubs.to_numpy()]
    assert cells["land"].all()
    assert (cells["region"].to_numpy() == corridor["region"].to_numpy()).all()
    x, y = to_xy(corridor["lon"].to_numpy(), corridor["lat"].to_numpy())
    offset = np.hypot(cells["x_km"].to_numpy() - x, cells["y_km"].to_numpy() - y)
    assert offset.max() <= 1.5 * grid.cell_km  # the city's own cell or a neighbour


@pytest.mark.parametrize("cell_km", [10, 20])
def test_passable_mask_is_symmetric_and_only_joins_land(cell_km):
    grid = grid_at(cell_km)
    passable = grid.cells["passable"].to_numpy()
    land = grid.cells["land"].to_numpy()
    rows, cols = np.divmod(np.arange(passable.size), grid.n_cols)
    for k, (dr, dc) in enumerate(DIRECTIONS):
        has = np.flatnonzero(passable & (1 << k))
        other = (rows[has] + dr) * grid.n_cols + cols[has] + dc
        assert land[has].all() and land[other].all()
        assert (passable[other] & (1 << ((k + 4) % 8))).all()


def test_straits_are_not_roads():
    grid = base_grid()
    a, b = grid.road_edges()
    cells = grid.cells
    country = cells["country"].to_numpy()
    # no road edge joins Denmark to Norway or Sweden, or Germany to Denmark's islands by sea
    pairs = {frozenset((country[i], country[j])) for i, j in zip(a, b, strict=True)}
    assert frozenset(("DK", "NO")) not in pairs
    assert frozenset(("DK", "SE")) not in pairs or _only_near_helsingor(grid, a, b)


def _only_near_helsingor(grid, a, b) -> bool:
    """The 4 km Helsingør-Helsingborg narrows may join at 10 km resolution; nothing else."""
    cells = grid.cells
    country = cells["country"].to_numpy()
    lat = cells["lat"].to_numpy()
    cross = [(i, j) for i, j in zip(a, b, strict=True) if {country[i], country[j]} == {"DK", "SE"}]
    return all(55.9 < lat[i] < 56.15 for i, _ in cross)
