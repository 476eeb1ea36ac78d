"""Keyed randomness: uniform, independent across streams, steps and keys, and a firm's draw
never depends on which other firms draw."""

import numpy as np
import pytest
from scipy import stats

from nsrsim.random import GOLDEN, DrawLog, KeyedRandom, pair_keys


def test_uniform_and_independent():
    draws = KeyedRandom(42)
    keys = np.arange(50_000)
    u = draws.uniform("a", 3, keys)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    for other in (draws.uniform("a", 4, keys), draws.uniform("b", 3, keys), u[1:]):
        assert abs(np.corrcoef(u[: len(other)], other)[0, 1]) < 0.02
    slots = draws.uniform("a", 3, keys[:5000], 8)
    assert slots.shape == (5000, 8)
    assert abs(np.corrcoef(slots[:, 0], slots[:, 1])[0, 1]) < 0.05
    assert (u >= 0).all() and (u < 1).all()


def test_a_keys_draw_does_not_depend_on_the_others():
    draws = KeyedRandom(7)
    everyone = draws.uniform("innovation", 5, np.arange(1000), 3)
    some = draws.uniform("innovation", 5, np.array([999, 3, 500]), 3)
    np.testing.assert_array_equal(some, everyone[[999, 3, 500]])
    assert not np.array_equal(
        KeyedRandom(8).uniform("innovation", 5, np.arange(3)), everyone[:3, 0]
    )


def test_same_seed_same_numbers_and_the_log_records_them():
    log = DrawLog()
    first = KeyedRandom(1, log).uniform("x", 2, np.array([5, 6]))
    second = KeyedRandom(1).uniform("x", 2, np.array([5, 6]))
    np.testing.assert_array_equal(first, second)
    stream, step, keys, values = log.entries[0]
    assert (stream, step) == ("x", 2) and keys.tolist() == [5, 6]
    np.testing.assert_array_equal(values, first)


def test_distributions_by_inversion():
    draws = KeyedRandom(3)
    counts = draws.poisson("p", 1, np.arange(20_000), np.full(20_000, 2.5))
    assert counts.mean() == pytest.approx(2.5, abs=0.05)
    assert draws.poisson("p", 1, np.arange(5), np.zeros(5)).sum() == 0
    z = draws.normal("n", 1, np.arange(20_000))
    assert abs(z.mean()) < 0.03 and z.std() == pytest.approx(1.0, abs=0.03)


def test_pair_keys_are_distinct_per_pair():
    a = np.repeat(np.arange(100), 100)
    b = np.tile(np.arange(100), 100)
    assert len(np.unique(pair_keys(a, b))) == 10_000


def test_poisson_inversion_equals_scipy_exactly():
    from scipy import special, stats

    from nsrsim.random import poisson_ppf

    rng = np.random.default_rng(0)
    q = rng.random(50_000)
    mean = np.exp(rng.uniform(-28, 6, q.size))  # 7e-13 to 400 entrants expected
    edge = slice(0, 10_000)  # q at P(0), where the shortcut to 0 ends
    q[edge] = np.exp(-mean[edge]) * (1 + rng.normal(0, 1e-12, 10_000))
    one = slice(10_000, 20_000)  # q at P(<= 1), where the shortcut to 1 ends
    q[one] = special.pdtr(1, mean[one]) * (1 + rng.normal(0, 1e-12, 10_000))
    q[:20_000] = np.clip(q[:20_000], 1e-300, 1 - 1e-16)
    np.testing.assert_array_equal(poisson_ppf(q, mean), stats.poisson.ppf(q, mean))


def test_round_bases_equal_stream_bases():
    draws = KeyedRandom(7)
    for step in (0, 1, 123456):
        expected = [draws.stream_base(f"search.cell.{r}", step) for r in range(40)]
        np.testing.assert_array_equal(draws.round_bases("search.cell", step, 40), expected)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on a uint64 array (wrapping): the formula the compiled
    draws follow."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def test_compiled_uniforms_equal_the_array_formula():
    golden = np.uint64(GOLDEN)
    draws = KeyedRandom(11)
    keys = np.array([0, 1, 7, 2**40 + 3, 2**62], np.int64)
    base = draws.stream_base("s", 5)
    with np.errstate(over="ignore"):
        z = _mix(base + keys.astype(np.uint64) * golden)
        slots = _mix(z[:, None] + np.arange(1, 4, dtype=np.uint64)[None, :] * golden)
    as_unit = lambda x: (x >> np.uint64(11)).astype(np.float64) * 2.0**-53  # noqa: E731
    np.testing.assert_array_equal(draws.uniform("s", 5, keys), as_unit(z))
    np.testing.assert_array_equal(draws.uniform("s", 5, keys, 3), as_unit(slots))
