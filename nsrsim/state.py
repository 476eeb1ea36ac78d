"""Agent state as NumPy arrays owned by the model: firms as rows, partner links as an edge list.

Rows are never reused: a firm that exits keeps its row with ``alive`` False, so a Mesa ``Firm``
view and every snapshot keep pointing at the right firm. Arrays grow by doubling.
"""

from dataclasses import dataclass, fields

import numpy as np

N_FIELDS = 8  # knowledge fields per firm (capabilities, as SKIN's kenes)
URBAN, INTERMEDIATE, RURAL = 0, 1, 2


@dataclass
class FirmArrays:
    """Index-aligned firm state; ``n`` rows are in use."""

    alive: np.ndarray  # bool
    cell: np.ndarray  # position in World.cells
    region: np.ndarray  # index into the model's region table
    country: np.ndarray  # index into the model's country list
    urban: np.ndarray  # URBAN, INTERMEDIATE or RURAL of the firm's cell
    sector: np.ndarray  # index into Sector
    knowledge: np.ndarray  # (rows, N_FIELDS) capability levels in [0, 1]
    jobs: np.ndarray  # jobs of the real firm this agent stands for
    productivity: np.ndarray  # output per job and year [EUR]
    rd: np.ndarray  # own R&D effort as share of revenue
    rd_boost: np.ndarray  # extra R&D share paid by subsidies this year
    age: np.ndarray  # years since entry
    cluster: np.ndarray  # ClusterInitiative index or -1
    innovations: np.ndarray  # cumulative count
    matchmaking: np.ndarray  # this year's matchmaking effect in [0, 1] (policy instruments)
    management: np.ndarray  # this year's innovation-management effect in [0, 1]
    rural: np.ndarray  # this year's rural-inclusion effect in [0, 1]
    n: int = 0

    @classmethod
    def empty(cls, capacity: int) -> "FirmArrays":
        """Allocate room for ``capacity`` firms."""
        return cls(
            alive=np.zeros(capacity, bool),
            cell=np.zeros(capacity, np.int32),
            region=np.zeros(capacity, np.int16),
            country=np.zeros(capacity, np.int8),
            urban=np.zeros(capacity, np.int8),
            sector=np.zeros(capacity, np.int8),
            knowledge=np.zeros((capacity, N_FIELDS), np.float64),
            jobs=np.zeros(capacity),
            productivity=np.zeros(capacity),
            rd=np.zeros(capacity),
            rd_boost=np.zeros(capacity),
            age=np.zeros(capacity),
            cluster=np.full(capacity, -1, np.int32),
            innovations=np.zeros(capacity, np.int32),
            matchmaking=np.zeros(capacity),
            management=np.zeros(capacity),
            rural=np.zeros(capacity),
        )

    def columns(self) -> list[str]:
        """Names of the per-firm arrays."""
        return [f.name for f in fields(self) if f.name != "n"]

    def append(self, **values: np.ndarray) -> np.ndarray:
        """Add firms (every column given, same length); returns their row indices."""
        count = len(values["cell"])
        if self.n + count > len(self.alive):
            self._grow(max(2 * len(self.alive), self.n + count))
        rows = np.arange(self.n, self.n + count)
        for name in self.columns():
            getattr(self, name)[rows] = values[name]
        self.n += count
        return rows

    def live(self) -> np.ndarray:
        """Rows of firms alive now."""
        return np.flatnonzero(self.alive[: self.n])

    def _grow(self, capacity: int) -> None:
        for name in self.columns():
            old = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), old.dtype)
            if name == "cluster":
                new[:] = -1
            new[: len(old)] = old
            setattr(self, name, new)


@dataclass
class Links:
    """Undirected partner links between firm rows, one entry per pair (``a < b``)."""

    a: np.ndarray
    b: np.ndarray
    age: np.ndarray  # years

    @classmethod
    def empty(cls) -> "Links":
        """No links."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))

    def __len__(self) -> int:
        return len(self.a)

    def keys(self, n_rows: int) -> np.ndarray:
        """A sortable integer key per pair, for membership tests."""
        return self.a * n_rows + self.b

    def degree(self, n_rows: int) -> np.ndarray:
        """Links per firm row."""
        return np.bincount(self.a, minlength=n_rows) + np.bincount(self.b, minlength=n_rows)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the links where ``mask`` is False."""
        self.a, self.b, self.age = self.a[mask], self.b[mask], self.age[mask]

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add new links (age 0); callers guarantee the pairs are new and distinct."""
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        self.a = np.concatenate([self.a, lo])
        self.b = np.concatenate([self.b, hi])
        self.age = np.concatenate([self.age, np.zeros(len(lo))])
