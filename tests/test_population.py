"""The firm population: a stratified sample whose weights are fixed per stratum and whose
totals are the regions' real jobs and firms; entrant ids that do not depend on entry elsewhere."""

import numpy as np
import pandas as pd
import pytest

from nsrsim import NSRModel
from nsrsim.errors import ConfigError
from nsrsim.population import (
    ENTRANT,
    draw_cells,
    entrant_ids,
    integer_weights,
    largest_remainder,
    region_cell_cdf,
)

from .conftest import SMALL


@pytest.fixture(scope="module")
def model() -> NSRModel:
    """The initial sample (no burn-in)."""
    return NSRModel(SMALL, run__burn_in_years=0)


def test_the_sample_holds_the_regions_real_jobs(model):
    firms = model.firms
    live = firms.live()
    jobs = np.bincount(firms.region[live], weights=firms.weight[live] * firms.jobs[live])
    np.testing.assert_allclose(jobs, model.real_jobs0, rtol=1e-9)
    strata = model.strata
    real = np.bincount(firms.region[live], weights=firms.weight[live])
    np.testing.assert_allclose(real, strata.groupby("region")["real_firms"].sum(), rtol=1e-12)


def test_weights_are_fixed_by_the_stratum_not_the_seed(model):
    other = NSRModel(SMALL, rng=12345, run__burn_in_years=0)
    np.testing.assert_array_equal(
        model.firms.weight[: model.firms.n], other.firms.weight[: other.firms.n]
    )
    assert not np.array_equal(model.firms.productivity[:10], other.firms.productivity[:10])
    targeted = model.strata["targeted"].to_numpy()
    limit = model.config.population.targeted_firms_per_agent
    per_agent = model.strata["real_firms"] / model.strata["agents"]
    assert (per_agent[targeted] <= limit).all()
    assert model.strata["agents"].sum() == model.config.population.n_firms


def test_cluster_members_come_from_the_data(model):
    info = model.cluster_info
    named = info.name.index("Energy Cluster Denmark")
    assert info.members[named] == 400  # clusters.csv, energycluster.dk 2020
    generic = np.flatnonzero(info.generic)
    assert (info.members[generic] == model.config.population.members_per_initiative).all()
    firms = model.firms
    live = firms.live()
    members = firms.weight[live][firms.cluster[live] == named].sum()
    assert 0 < members <= 400


def test_too_few_agents_is_a_clear_config_error():
    with pytest.raises(ConfigError, match=r"population\.n_firms = 50 is too small.*at least"):
        NSRModel(SMALL, population__n_firms=50)


def test_hot_spots_come_from_data_not_a_run(model):
    gdp = model.world.regions["population"] * model.world.regions["gdp_pc_pps_pct_eu27"]
    expected = set(gdp.sort_values(ascending=False).index[:3])
    assert {c for c, h in zip(model.region_codes, model.hotspot, strict=True) if h} == expected
    assert (NSRModel(SMALL, rng=99).hotspot == model.hotspot).all()


def test_entrant_ids_are_unique_and_local():
    ids = entrant_ids(7, np.array([3, 3, 5]), np.array([0, 1, 0]))
    assert len(set(ids.tolist())) == 3 and (ids & ENTRANT).all()
    assert entrant_ids(7, np.array([5]), np.array([0]))[0] == ids[2]  # whatever entered in 3


def test_integer_helpers():
    assert largest_remainder(np.array([1.0, 1.0, 1.0]), 4).tolist() == [2, 1, 1]
    weights = integer_weights(np.array([10, 3]), np.array([3, 1]))
    assert weights.tolist() == [4, 3, 3, 3] and weights.sum() == 13


def test_strata_table_is_written_with_names(tmp_path):
    from nsrsim.simulate import simulate

    from .conftest import small

    result = simulate(small(**{"run.years": 1}))
    assert isinstance(result.strata, pd.DataFrame)
    assert {"region", "sector", "size", "cluster", "real_firms", "agents"} <= set(result.strata)
    assert result.strata["real_firms_per_agent"].gt(0).all()


def test_compiled_cell_draw_inverts_each_regions_population_cdf():
    """The compiled draw gives, firm by firm, what one searchsorted per region gives (the code
    it replaced), including u = 0, u just below 1 and regions of one cell.
    """
    rng = np.random.default_rng(3)
    cell_region = rng.integers(0, 5, 300)
    cell_region[:5] = np.arange(5)  # every region has a cell
    population = rng.integers(0, 50_000, 300).astype(float)
    where = region_cell_cdf(cell_region, population, 5)
    region = rng.integers(0, 5, 2_000)
    u = rng.random(2_000)
    u[:3] = [0.0, np.nextafter(1.0, 0.0), 0.5]
    expected = np.empty(len(region), np.int64)
    for reg in range(5):
        cells = np.flatnonzero(cell_region == reg)
        cdf = np.cumsum(population[cells])
        mine = region == reg
        index = np.searchsorted(cdf, u[mine] * cdf[-1], side="right")
        expected[mine] = cells[np.minimum(index, len(cells) - 1)]
    np.testing.assert_array_equal(draw_cells(region, u, where), expected)


def test_entrants_are_ordered_and_given_knowledge_as_the_array_statements_do():
    """The compiled counting sort gives the stable argsort and ranks in the stratum; an
    entrant's knowledge is half the initial vector and half its region's mean, to the bit."""
    from nsrsim.population import (
        KNOWLEDGE_DRAWS,
        _by_stratum,
        _entrant_knowledge,
        initial_knowledge,
    )

    rng = np.random.default_rng(6)
    stratum = rng.integers(0, 40, 700)
    order, rank, most = _by_stratum(stratum, 40)
    np.testing.assert_array_equal(order, np.argsort(stratum, kind="stable"))
    counts = np.bincount(stratum, minlength=40)
    ranks = np.arange(700) - np.repeat(np.cumsum(counts) - counts, counts)
    np.testing.assert_array_equal(rank, ranks)
    assert most == counts.max()
    sector, region = rng.integers(0, 6, 700), rng.integers(0, 9, 700)
    base, local = rng.random((9, 8)), rng.random((9, 8))
    u = rng.random((700, KNOWLEDGE_DRAWS))
    expected = 0.5 * initial_knowledge(sector, base[region], 0.3, u) + 0.5 * local[region]
    np.testing.assert_array_equal(_entrant_knowledge(sector, region, base, 0.3, u, local), expected)
