"""The per-agent reference (experiments/benchmarks/reference.py) equals the vectorised model
draw for draw, so the speed ratio that ``make bench`` prints compares the same computation."""

import numpy as np
import pytest

from nsrsim import NSRModel

from .conftest import experiment_script, small

reference = experiment_script("benchmarks/reference.py")


def assert_same(vectorised: NSRModel, ref) -> None:
    mine, theirs = reference.vectorised_state(vectorised), ref.state()
    np.testing.assert_array_equal(mine["rows"], theirs["rows"])
    np.testing.assert_array_equal(mine["links"], theirs["links"])
    np.testing.assert_array_equal(mine["cluster"], theirs["cluster"])
    np.testing.assert_array_equal(mine["partnerships"], theirs["partnerships"])
    np.testing.assert_array_equal(mine["ids"], theirs["ids"])
    for name in ("jobs", "weight", "productivity", "rd_boost", "skilled", "innovations"):
        np.testing.assert_allclose(mine[name], theirs[name], rtol=1e-9, atol=1e-12, err_msg=name)
    # the model sums spillovers in single precision (one matrix product), the reference
    # firm by firm in double: their knowledge agrees to single precision's digits
    np.testing.assert_allclose(mine["knowledge"], theirs["knowledge"], rtol=1e-7, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("framework", [False, True])
def test_reference_matches_vectorised_step_by_step(framework):
    scenario = small(
        **{
            "population.n_firms": 280,
            "population.targeted_firms_per_agent": 400,
            "run.seed": 11,
            "framework.enabled": framework,
            "framework.budget_eur_per_year": 1e6,
            "programmes": [],  # the reference covers the rules, not the instruments
            "market.birth_rate_scale": 3.0,
            "market.death_rate_scale": 3.0,
        }
    )
    model = NSRModel(scenario)
    for _ in range(3):  # start from a state with links, members and entrants
        model.step()
    ref = reference.ReferenceModel.from_model(model)
    assert_same(model, ref)
    for _ in range(6):  # across a year end: governments decide, investment flows
        model.step()
        ref.step()
        assert_same(model, ref)
    assert len(model.links) > 0
    assert not framework or model.framework_partnerships() > 0
