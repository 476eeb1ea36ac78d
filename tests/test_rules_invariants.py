"""Invariants of whole runs for any valid parameters (property-based)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsrsim import NSRModel

from .conftest import SMALL

FIELDS = {
    "partnering__decay_km": st.floats(10, 2000),
    "partnering__max_partners": st.integers(1, 12),
    "partnering__candidates": st.integers(1, 30),
    "partnering__optimal_distance": st.floats(0.01, 1.0),
    "learning__link_rate": st.floats(0, 2),
    "innovation__size_elasticity": st.floats(0, 1),
    "partnering__searches_per_project": st.floats(0, 5),
    "market__birth_rate_scale": st.floats(0, 3),
    "market__death_rate_scale": st.floats(0, 3),
    "mobility__migration_rate": st.floats(0, 0.3),
    "framework__enabled": st.booleans(),
    "framework__binding": st.booleans(),
}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({}, optional=FIELDS), st.integers(0, 2**32))
def test_any_valid_parameters_keep_the_invariants(params, seed):
    model = NSRModel(SMALL, run__years=2, run__steps_per_year=2, rng=seed, **params)
    while model.running:
        model.step()
    firms, links = model.firms, model.links
    assert (links.a < links.b).all() and firms.alive[links.a].all() and firms.alive[links.b].all()
    assert len(np.unique(links.keys(firms.n))) == len(links)
    assert links.degree(firms.n).max(initial=0) <= model.config.partnering.max_partners
    # skilled workers move without loss; graduates add to them
    added = model.skilled0.sum() + model.graduated.sum()
    assert model.skilled.sum() == pytest.approx(added, rel=1e-9)
    live = firms.live()
    assert (firms.knowledge[live] >= 0).all() and (firms.knowledge[live] <= 1).all()
    assert (firms.jobs[live] > 0).all() and (firms.weight[live] >= 0).all()
    row = model.indicator_rows[-1]
    assert 0 <= row["cross_border_share"] <= 1 and row["theil_gdp_per_head"] >= 0
