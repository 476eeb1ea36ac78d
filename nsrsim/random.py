"""Keyed randomness: every draw is a pure function of (run seed, stream, step, key, slot).

A draw taken by position in a block (``rng.random(n_live)[i]``) shifts for every firm as soon
as one firm more or less draws, so two scenarios that differ by one innovation in Agder end up
with different partners in Groningen. A keyed draw does not: firm ``id`` gets the same number
in step ``t`` of stream ``"innovation.event"`` whatever the other firms do, so a scenario's
paired difference is the policy's effect on the same simulated world (common random numbers
at firm level; Starsim keys its draws by agent slot for the same reason).

The generator is counter-based: SplitMix64's output function (Steele, Lea & Flood 2014, the
seeding generator of NumPy's ``SeedSequence`` family and of Java's ``SplittableRandom``),
applied in stages to the seed, the stream, the step, the key and the slot, vectorised over
keys with NumPy's wrapping ``uint64`` arithmetic. Streams are named, and a name's number is a
hash of the name, so adding a stream never shifts another.
"""

import hashlib
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numba import njit
from scipy import special

GOLDEN = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: SplitMix64's counter increment
MASK = (1 << 64) - 1


def _mix_int(z: int) -> int:
    """SplitMix64's output function on a Python integer (for per-call constants)."""
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


NEAR_ZERO_COUNT = 1e-9  # q this close above P(0), relatively, is left to scipy's inverse


def poisson_ppf(q: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``scipy.stats.poisson.ppf`` for 0 < q < 1 and mean > 0: the same special functions
    without the generic distribution machinery, which cost more than the numbers.

    Where q <= P(0) the count is 0 (scipy's check of the count below the inverse keeps it
    there), so the iterative inverse runs only for the rest: most strata enter no firm in a
    step. Where P(0) < q <= P(<= 1) it is 1 (scipy's inverse lies in (0, 2] there and its
    check lands on 1), so the inverse runs only for counts of two or more (a few in a hundred
    of a step's searches; the inverse cost five times the rest) — and just above P(0), where
    scipy's inverse may return 0 (for q up to 3e-14 above it, relatively) and its count is 0.
    """
    count = np.zeros(np.shape(q))
    none = special.pdtr(0, mean)
    rest = none < q
    q, mean, none = q[rest], mean[rest], none[rest]
    counted = np.ones(q.size)
    more = (special.pdtr(1, mean) < q) | (q <= none * (1.0 + NEAR_ZERO_COUNT))
    if more.any():
        q, mean = q[more], mean[more]
        above = np.ceil(special.pdtrik(q, mean))
        below = np.maximum(above - 1, 0)
        counted[more] = np.where(special.pdtr(below, mean) >= q, below, above)
    count[rest] = counted
    return count


def stream_number(name: str) -> int:
    """A stable 64-bit number for a stream name."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


@cache
def _round_numbers(stream: str, rounds: int) -> np.ndarray:
    numbers = np.array([stream_number(f"{stream}.{r}") for r in range(rounds)], np.uint64)
    numbers.flags.writeable = False
    return numbers


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One key per ordered pair of keys (e.g. the two firm ids of a link):
    mix64(mix64(a x golden + c) + b x golden), broadcast like ``a + b``.
    """
    a, b = np.broadcast_arrays(np.asarray(a).astype(np.uint64), np.asarray(b).astype(np.uint64))
    return _pair_keys(a.ravel(), b.ravel()).reshape(a.shape)


@njit(cache=True)
def _pair_keys(a, b):
    """The pairs' keys in one compiled loop (wrapping integer arithmetic, as NumPy's)."""
    out = np.empty(len(a), np.uint64)
    for e in range(len(a)):
        out[e] = pair_key(a[e], b[e])
    return out


@dataclass
class DrawLog:
    """Every draw a run takes, for tests that compare the draws of two scenarios."""

    entries: list[tuple[str, int, np.ndarray, np.ndarray]] = field(default_factory=list)

    def record(self, stream: str, step: int, keys: np.ndarray, values: np.ndarray) -> None:
        """Keep one call's keys and values."""
        self.entries.append((stream, step, keys.copy(), values.copy()))


@njit(cache=True)
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64's output function on one number (wrapping arithmetic), for compiled loops;
    :func:`_mix_int` is its twin for Python integers.
    """
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def pair_key(a: np.uint64, b: np.uint64) -> np.uint64:
    """The key of one ordered pair (:func:`pair_keys`), for compiled loops."""
    golden = np.uint64(GOLDEN)
    return mix64(mix64(a * golden + np.uint64(0x632BE59BD9B4E019)) + b * golden)


@njit(cache=True)
def unit53(z: np.uint64) -> float:
    """A uniform on [0, 1) from the top 53 bits."""
    return float(z >> np.uint64(11)) * 2.0**-53


@njit(cache=True)
def _round_bases(root, numbers, step_term):
    """mix64(mix64(root ^ number) + step term) per round's stream number (wrapping)."""
    out = np.empty(len(numbers), np.uint64)
    for r in range(len(numbers)):
        out[r] = mix64(mix64(root ^ numbers[r]) + step_term)
    return out


@njit(cache=True)
def keyed_uniform(base: np.uint64, key: np.uint64) -> float:
    """The uniform of ``key`` in the stream whose (stream, step) number is ``base``
    (:meth:`KeyedRandom.stream_base`): unit53(mix64(base + key x golden)), for compiled loops.
    """
    return unit53(mix64(base + key * np.uint64(GOLDEN)))


@njit(cache=True)
def _uniforms(base, keys):
    """One uniform per key (:func:`keyed_uniform`)."""
    out = np.empty(len(keys))
    for e in range(len(keys)):
        out[e] = keyed_uniform(base, keys[e])
    return out


@njit(cache=True)
def _slot_uniforms(base, keys, slots):
    """``slots`` uniforms per key: slot s of key k is unit53(mix64(mix64(base + k x golden)
    + (s + 1) x golden)).
    """
    golden = np.uint64(GOLDEN)
    out = np.empty((len(keys), slots))
    for e in range(len(keys)):
        z = mix64(base + keys[e] * golden)
        for s in range(slots):
            out[e, s] = unit53(mix64(z + np.uint64(s + 1) * golden))
    return out


class KeyedRandom:
    """Uniforms (and a few distributions by inversion) keyed by stream, step, key and slot."""

    def __init__(self, seed: int, log: DrawLog | None = None) -> None:
        self.seed = int(seed)
        self._root = _mix_int(_mix_int(self.seed) + GOLDEN)
        self._stream_roots: dict[str, int] = {}
        self.log = log

    def stream_base(self, stream: str, step: int) -> np.uint64:
        """The number every draw of (stream, step) starts from (compiled samplers use it)."""
        root = self._stream_roots.get(stream)
        if root is None:  # a stream's name is hashed once per run
            root = self._stream_roots[stream] = _mix_int(self._root ^ stream_number(stream))
        return np.uint64(_mix_int(root + step * GOLDEN))

    def round_bases(self, stream: str, step: int, rounds: int) -> np.ndarray:
        """``stream_base`` of the streams "<stream>.0" ... "<stream>.<rounds - 1>" at ``step``,
        in one array operation (a partner search's proposal rounds ask for dozens each call).
        """
        return _round_bases(
            np.uint64(self._root), _round_numbers(stream, rounds), np.uint64((step * GOLDEN) & MASK)
        )

    def uniform(
        self, stream: str, step: int, keys: np.ndarray, slots: int | None = None
    ) -> np.ndarray:
        """U[0, 1) per key (shape ``(len(keys),)``) or per key and slot (``(len(keys), slots)``).

        ``keys`` are non-negative integers: firm ids, cluster or region indices, stratum codes or
        :func:`pair_keys`. The same (seed, stream, step, key, slot) always gives the same number.
        """
        keys = np.asarray(keys)
        flat = keys.astype(np.uint64).ravel()
        if slots is None:
            values = _uniforms(self.stream_base(stream, step), flat).reshape(keys.shape)
        else:
            values = _slot_uniforms(self.stream_base(stream, step), flat, slots)
        if self.log is not None:
            self.log.record(stream, step, keys.ravel(), values)
        return values

    def poisson(self, stream: str, step: int, keys: np.ndarray, mean: np.ndarray) -> np.ndarray:
        """Poisson counts by inversion of one keyed uniform per key."""
        u = self.uniform(stream, step, keys)
        mean = np.broadcast_to(np.asarray(mean, float), u.shape)
        counts = np.zeros(u.shape, np.int64)
        positive = (mean > 0) & (u > 0)  # u = 0 (p = 2^-53) is the count 0
        counts[positive] = poisson_ppf(u[positive], mean[positive]).astype(np.int64)
        return counts

    def normal(
        self, stream: str, step: int, keys: np.ndarray, slots: int | None = None
    ) -> np.ndarray:
        """Standard normal deviates by inversion of keyed uniforms."""
        u = self.uniform(stream, step, keys, slots)
        return special.ndtri(np.clip(u, 2.0**-54, 1.0 - 2.0**-53))

    def choice(
        self, stream: str, step: int, keys: np.ndarray, cumulative: np.ndarray
    ) -> np.ndarray:
        """Index drawn by inversion of ``cumulative`` (ascending, last entry the total)."""
        u = self.uniform(stream, step, keys)
        index = np.searchsorted(cumulative, u * cumulative[-1], side="right")
        return np.minimum(index, len(cumulative) - 1)
