import numpy as np
import pytest

from nsrsim.config import WorldConfig
from nsrsim.world import facts
from nsrsim.world.travel import build_network, hub_cells
from nsrsim.world.world import build_world


def hours(world, a: str, b: str, projects=frozenset()) -> float:
    hubs = world.cities["cell"]
    position = {cell: i for i, cell in enumerate(world.cells)}
    matrix = world.travel_hours(projects)
    return float(matrix[position[hubs[a]], position[hubs[b]]])


def network_without(world, drop):
    links = facts.links()
    keep = links[~links.apply(drop, axis=1)]
    cfg = world.config
    return build_network(
        world.grid,
        facts.cities(),
        keep,
        road_speed_kmh=cfg.road_speed_kmh,
        detour_factor=cfg.detour_factor,
        ferry_boarding_h=cfg.ferry_boarding_h,
    )


def hub_hours(world, network, a: str, b: str) -> float:
    hubs = hub_cells(world.grid, facts.cities().loc[[a, b]])
    return float(network.hours_from(np.array([hubs[a]]))[0, hubs[b]])


def test_travel_times_are_symmetric_finite_and_zero_on_diagonal(baseline_world):
    matrix = baseline_world.travel_hours()
    assert matrix.shape == (len(baseline_world.cells),) * 2
    assert np.isfinite(matrix).all()
    np.testing.assert_allclose(matrix, matrix.T, rtol=1e-5, atol=1e-5)
    assert (np.diag(matrix) == 0).all()
    assert (matrix[~np.eye(len(matrix), dtype=bool)] > 0).all()


def test_triangle_inequality(baseline_world):
    matrix = baseline_world.travel_hours().astype(np.float64)
    rng = np.random.default_rng(0)
    i, j, k = rng.integers(0, len(matrix), size=(3, 20000))
    assert (matrix[i, k] <= matrix[i, j] + matrix[j, k] + 1e-3).all()


def test_fehmarnbelt_link_shortens_hamburg_copenhagen(baseline_world):
    closed = hours(baseline_world, "Hamburg", "Copenhagen")
    opened = hours(baseline_world, "Hamburg", "Copenhagen", frozenset({"fehmarnbelt"}))
    assert closed == pytest.approx(4.75, abs=0.3)
    assert opened < closed - 1.5


def test_kristiansand_aalborg_needs_the_ferry(baseline_world):
    with_ferry = hours(baseline_world, "Kristiansand", "Aalborg")
    route = baseline_world.network().path(
        *baseline_world.cities.loc[["Kristiansand", "Aalborg"], "cell"]
    )
    hubs = baseline_world.cities["cell"]
    assert hubs["Hirtshals"] in route and hubs["Kristiansand"] in route
    by_land = hub_hours(
        baseline_world,
        network_without(baseline_world, lambda r: r["kind"] == "ferry"),
        "Kristiansand",
        "Aalborg",
    )
    assert with_ferry == pytest.approx(3.25 + 0.5 + 0.75, abs=0.3)
    assert by_land > with_ferry + 4.0


def test_open_sea_is_not_crossable(baseline_world):
    net = network_without(baseline_world, lambda r: r["from"].startswith("Puttgarden"))
    # without the ferry the Fehmarnbelt is crossed the long way round (Jutland, Great Belt)
    assert hub_hours(baseline_world, net, "Puttgarden (Fehmarn)", "Rødbyhavn") > 3.0


def test_projects_open_from_their_year():
    world = build_world(WorldConfig(transport_projects={"fehmarnbelt": 2032}))
    assert world.open_projects(2031) == frozenset()
    assert world.open_projects(2032) == frozenset({"fehmarnbelt"})


@pytest.mark.parametrize("damage", [b"garbage", b"\x93NUMPY", None])
def test_a_damaged_travel_cache_is_rebuilt_not_trusted(damage, tmp_path, monkeypatch):
    monkeypatch.setenv("NSRSIM_CACHE", str(tmp_path))
    config = WorldConfig(regions=["DK01", "DK02"], cell_km=30)
    hours = build_world(config).travel_hours()
    (cache,) = tmp_path.glob("travel-*.npy")
    if damage is None:  # another shape: a file of an older grid
        np.save(cache, np.zeros((2, 2), np.float32))
    else:
        cache.write_bytes(damage)
    again = build_world(config).travel_hours()  # a new world: reads the cache
    np.testing.assert_array_equal(again, hours)
    np.testing.assert_array_equal(np.load(cache), hours)  # and replaced it
