"""The sensitivity layer on functions whose indices are known analytically."""

import numpy as np
import pytest

from nsrsim.sensitivity import convergence, evaluate, noise_share, run, sample

ISHIGAMI = {"names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Ishigami with a = 7, b = 0.1 (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer)
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


def ishigami(p: dict) -> dict:
    x1, x2, x3 = p["x1"], p["x2"], p["x3"]
    return {"y": np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)}


def test_sobol_recovers_the_ishigami_indices_within_their_confidence_intervals():
    table = run(ishigami, ISHIGAMI, method="sobol", n=2048, seed=3)
    for row, s1, st in zip(table.itertuples(), ISHIGAMI_S1, ISHIGAMI_ST, strict=True):
        assert abs(row.S1 - s1) <= max(row.S1_conf, 0.02), row.parameter
        assert abs(row.ST - st) <= max(row.ST_conf, 0.02), row.parameter
    assert np.isnan(table["noise_share"]).all()  # one replicate: noise cannot be told


def test_linear_model_indices_sobol_fast_and_morris():
    weights = {"a": 1.0, "b": 2.0, "c": 3.0}
    problem = {"names": list(weights), "bounds": [[0.0, 1.0]] * 3}

    def linear(p: dict) -> dict:
        return {"y": sum(w * p[k] for k, w in weights.items())}

    expected = np.array([1.0, 4.0, 9.0]) / 14.0  # S1 = ST = a_i^2 / sum a^2 (uniform inputs)
    sobol = run(linear, problem, method="sobol", n=1024, seed=1)
    np.testing.assert_allclose(sobol["S1"], expected, atol=0.03)
    np.testing.assert_allclose(sobol["ST"], expected, atol=0.03)
    fast = run(linear, problem, method="fast", n=1000, seed=1)
    np.testing.assert_allclose(fast["S1"], expected, atol=0.03)
    morris = run(linear, problem, method="morris", n=20, seed=1)
    np.testing.assert_allclose(morris["mu_star"], [1.0, 2.0, 3.0], rtol=1e-9)  # exact slopes
    np.testing.assert_allclose(morris["sigma"], 0.0, atol=1e-9)


def test_replicate_noise_share_is_zero_for_a_deterministic_function_and_large_for_noise():
    problem = {"names": ["x"], "bounds": [[0.0, 1.0]]}

    def deterministic(p: dict, seed: int) -> dict:
        return {"y": 3.0 * p["x"]}

    def noise(p: dict, seed: int) -> dict:
        return {"y": np.random.default_rng([seed, int(p["x"] * 1e9)]).normal()}

    calm = run(deterministic, problem, method="sobol", n=256, seed=2, replicates=3)
    assert calm["noise_share"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    loud = run(noise, problem, method="sobol", n=256, seed=2, replicates=3)
    assert loud["noise_share"].iloc[0] > 0.8
    assert noise_share(np.ones((5, 1))) != noise_share(np.ones((5, 1)))  # NaN: one replicate


def test_a_seeds_shift_common_to_every_point_is_no_replicate_noise():
    """Replicates share their seed across points: a shift a seed gives every point alike moves
    no index, so it is no noise; a point's own disagreement between replicates is."""
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(400, 1))
    shift = np.array([[0.0, 5.0, -3.0]])  # each seed moves every point alike
    assert noise_share(signal + shift) == pytest.approx(0.0, abs=1e-12)
    own = rng.normal(size=(400, 3))  # each point's replicates disagree, variance 1
    # the point means' noise 1/3 against the signal's variance 1 plus it: a quarter
    assert noise_share(signal + shift + own) == pytest.approx(0.25, abs=0.05)


@pytest.mark.parametrize(
    ("problem", "method", "n", "message"),
    [
        ({"names": ["x"], "bounds": [[1.0, 1.0]]}, "sobol", 64, "lower bound 1.0 must be below"),
        ({"names": ["x"], "bounds": [[0.0, 1.0]]}, "sobol", 100, "power of 2"),
        ({"names": ["x"], "bounds": [[0.0, 1.0]]}, "pawn", 64, "not one of sobol, morris, fast"),
        ({"names": ["x", "y"], "bounds": [[0.0, 1.0]]}, "sobol", 64, "one [lower, upper] bound"),
    ],
)
def test_bad_problems_name_what_is_wrong(problem, method, n, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        run(ishigami, problem, method=method, n=n)


def test_convergence_reanalyses_nested_subsamples_and_ends_at_the_full_analysis():
    x = sample(ISHIGAMI, "sobol", 1024, seed=4)
    y = evaluate(ishigami, ISHIGAMI["names"], x, 1, 4)["y"][:, 0]
    table = convergence({**ISHIGAMI}, "sobol", x, y, seed=4)
    assert sorted(table["n"].unique()) == [128, 256, 512, 1024]
    full = run(ishigami, ISHIGAMI, method="sobol", n=1024, seed=4)
    last = table[table["n"] == 1024].reset_index(drop=True)
    np.testing.assert_allclose(last["ST"], full["ST"])
    width = table[table["parameter"] == "x1"].set_index("n")["ST_conf"]
    assert width[1024] < width[128]  # the CI narrows as N grows
    with pytest.raises(ValueError, match="not nested"):
        convergence(ISHIGAMI, "fast", x, y, seed=4)
