"""Agent state as NumPy arrays owned by the model: firms as rows, partner links as an edge list.

Rows are storage: a firm that exits keeps its row with ``alive`` False, so a Mesa ``Firm`` view
and every snapshot keep pointing at the right firm, and arrays grow by doubling. A firm's
identity across scenarios is its ``id`` (initial firms 0..n-1, entrants keyed by step, stratum
and rank): random draws are keyed by it and paired comparisons join on it.
"""

from dataclasses import dataclass, field, fields

import numpy as np
from numba import njit

N_FIELDS = 8  # knowledge fields per firm (capabilities, as SKIN's kenes)
# (the compiled norms, dot products and means add 8 terms in NumPy's order: see test_rules)
URBAN, INTERMEDIATE, RURAL = 0, 1, 2
SURVEY_YEARS = 3  # the innovation survey's window: innovated or cooperated in the last 3 years
NEVER = -(1 << 30)  # a year before every simulated year, burn-in included (no project, support)

_DTYPES: dict[str, tuple[type, float]] = {  # column -> (dtype, value of a new row)
    "id": (np.int64, 0),
    "weight": (np.float64, 1.0),
    "fine": (np.bool_, True),
    "alive": (np.bool_, True),
    "cell": (np.int32, 0),
    "region": (np.int16, 0),
    "country": (np.int8, 0),
    "urban": (np.int8, 0),
    "sector": (np.int8, 0),
    "size": (np.int8, 0),
    "knowledge": (np.float64, 0.0),
    "jobs": (np.float64, 0.0),
    "productivity": (np.float64, 0.0),
    "rd": (np.float64, 0.0),
    "rd_boost": (np.float64, 0.0),
    "age": (np.float64, 0.0),
    "cluster": (np.int32, -1),
    "innovations": (np.float64, 0.0),
    "year_innovations": (np.float64, 0.0),
    "project_eur": (np.float64, 0.0),
    "project_until": (np.int32, NEVER),
    "coached_year": (np.float64, -np.inf),
    "rural_until": (np.int32, NEVER),
    "recent_innovations": (np.float64, 0.0),
    "recent_partnered": (np.float64, 0.0),
    "recent_abroad": (np.float64, 0.0),
}
_WIDTH = {  # columns with more than one value per firm
    "knowledge": N_FIELDS,
    "recent_innovations": SURVEY_YEARS,
    "recent_partnered": SURVEY_YEARS,
    "recent_abroad": SURVEY_YEARS,
}


@dataclass
class FirmArrays:
    """Index-aligned firm state; ``n`` rows are in use."""

    id: np.ndarray  # identity across scenarios (keys the random draws)
    weight: np.ndarray  # real firms this agent stands for (a cohort's changes with births, deaths)
    fine: np.ndarray  # bool: sampled at firm resolution (targeted strata); else a cohort
    alive: np.ndarray  # bool
    cell: np.ndarray  # position in World.cells
    region: np.ndarray  # index into the model's region table
    country: np.ndarray  # index into the model's country list
    urban: np.ndarray  # URBAN, INTERMEDIATE or RURAL of the firm's cell
    sector: np.ndarray  # index into Sector
    size: np.ndarray  # size class at entry: 0 micro, 1 small, 2 medium, 3 large
    knowledge: np.ndarray  # (rows, N_FIELDS) capability levels in [0, 1]
    jobs: np.ndarray  # jobs of each real firm this agent stands for
    productivity: np.ndarray  # output per job and year [EUR]
    rd: np.ndarray  # own R&D effort as share of revenue
    rd_boost: np.ndarray  # extra R&D share paid by subsidies this year
    age: np.ndarray  # years since entry
    cluster: np.ndarray  # ClusterInitiative index or -1
    innovations: np.ndarray  # innovations per real firm since year 0 (a cohort's expected)
    year_innovations: np.ndarray  # real innovations this year (weight x expected events)
    project_eur: np.ndarray  # yearly spending of a co-funded R&D project [EUR per real firm]
    project_until: np.ndarray  # simulated year in which that project has ended
    coached_year: np.ndarray  # simulated year of innovation-management coaching (-inf: never)
    rural_until: np.ndarray  # simulated year in which rural-inclusion support has ended
    # per year of the survey window, this year first (rolled at each year's start):
    recent_innovations: np.ndarray  # innovations per real firm (a fine agent's events)
    recent_partnered: np.ndarray  # share of the real firms with a partner at the year's end
    recent_abroad: np.ndarray  # share of the real firms with a partner in another country
    n: int = 0
    _live: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def empty(cls, capacity: int) -> "FirmArrays":
        """Allocate room for ``capacity`` firms."""
        columns = {}
        for name, (dtype, fill) in _DTYPES.items():
            shape = (capacity, _WIDTH[name]) if name in _WIDTH else (capacity,)
            columns[name] = np.full(shape, fill, dtype)
        return cls(**columns)

    def columns(self) -> list[str]:
        """Names of the per-firm arrays."""
        return [f.name for f in fields(self) if f.name not in ("n", "_live")]

    def append(self, **values: np.ndarray) -> np.ndarray:
        """Add firms (columns not given take their new-row value); returns their rows."""
        count = len(values["id"])
        if self.n + count > len(self.alive):
            self._grow(max(2 * len(self.alive), self.n + count))
        rows = np.arange(self.n, self.n + count)
        for name, value in values.items():
            getattr(self, name)[rows] = value
        self.n += count
        self._live = None
        return rows

    def exit(self, rows: np.ndarray) -> None:
        """Firms ``rows`` leave the market (their rows stay, not alive)."""
        self.alive[rows] = False
        self._live = None

    def roll_survey_window(self) -> None:
        """A new year: each window column moves back a year; this year's starts at 0."""
        _roll(self.recent_innovations, self.recent_partnered, self.recent_abroad, self.n)

    def live(self) -> np.ndarray:
        """Rows of firms alive now (read-only: kept until firms enter or exit, since a step
        asks for them a dozen times; ``alive`` changes only through :meth:`append` and
        :meth:`exit`).
        """
        if self._live is None:
            self._live = np.flatnonzero(self.alive[: self.n])
            self._live.setflags(write=False)
        return self._live

    def copy(self) -> "FirmArrays":
        """An independent copy (every column copied)."""
        return FirmArrays(**{name: getattr(self, name).copy() for name in self.columns()}, n=self.n)

    def _grow(self, capacity: int) -> None:
        for name in self.columns():
            old = getattr(self, name)
            new = np.full((capacity, *old.shape[1:]), _DTYPES[name][1], old.dtype)
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

    def keys(self, n_rows: int, start: int = 0) -> np.ndarray:
        """A sortable integer key per pair (from link ``start`` on), for membership tests."""
        return self.a[start:] * n_rows + self.b[start:]

    def degree(self, n_rows: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Links per firm row (only those where ``mask`` is True, if given)."""
        a, b = (self.a, self.b) if mask is None else (self.a[mask], self.b[mask])
        return np.bincount(a, minlength=n_rows) + np.bincount(b, minlength=n_rows)

    def relations(self, weight: np.ndarray, most: float) -> np.ndarray:
        """Real firm pairs each link stands for: the real firms of its smaller side (``weight``
        per firm row), at most ``most`` (the firm resolution), so both sides count the same
        relations. A link between a cohort of thousands and a firm agent of a few is one
        relation for each of the few; between two cohorts, ``most`` relations.
        """
        return np.minimum(np.minimum(weight[self.a], weight[self.b]), most)

    def keep(self, mask: np.ndarray) -> None:
        """Drop the links where ``mask`` is False."""
        self.a, self.b, self.age = self.a[mask], self.b[mask], self.age[mask]

    def add(self, a: np.ndarray, b: np.ndarray) -> None:
        """Add new links (age 0); callers guarantee the pairs are new and distinct."""
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        self.a = np.concatenate([self.a, lo])
        self.b = np.concatenate([self.b, hi])
        self.age = np.concatenate([self.age, np.zeros(len(lo))])


@njit(cache=True)
def _roll(first, second, third, n):
    """Each row's window moved back a year in one pass over the rows, this year's slot 0
    (three strided column copies and a fill per table cost more than the values).
    """
    for column in (first, second, third):
        for r in range(n):
            for year in range(column.shape[1] - 1, 0, -1):
                column[r, year] = column[r, year - 1]
            column[r, 0] = 0.0
