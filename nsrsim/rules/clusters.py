"""Cluster initiatives: recruiting members and forming partnerships abroad (ODD 7.2 "Clusters").

A non-member firm joins one of its region-and-sector's initiatives at a rate proportional to
the initiative's management capacity, with a pull set so that the members the initiative
reports are the steady state at today's capacity: membership stays at the data's level
without a policy and rises with what raises capacity. Initiatives in different countries form
partnerships at a rate that grows with sector complementarity and both capacities: slowly
where their regions share an INTERREG A programme, faster between committed regions of a
transnational framework.
"""

from dataclasses import dataclass
from functools import cache

import numpy as np
from numba import njit

from nsrsim.config import ClustersConfig
from nsrsim.population import initiative_of
from nsrsim.sectors import SECTORS, Sector

NONE, INTERREG, FRAMEWORK = 0, 1, 2  # origin of a cluster partnership

_RELATED = {
    frozenset((Sector.MARITIME, Sector.WIND)),
    frozenset((Sector.WIND, Sector.CLEANTECH)),
    frozenset((Sector.MARITIME, Sector.CLEANTECH)),
    frozenset((Sector.ICT, Sector.CREATIVE)),
    frozenset((Sector.ICT, Sector.LIFE_SCIENCE)),
    frozenset((Sector.FOOD, Sector.LIFE_SCIENCE)),
}


@cache
def above_diagonal(n: int) -> np.ndarray:
    """Read-only mask of the pairs i < j of n initiatives (``np.triu(x, k=1)`` of a boolean
    matrix is ``x & above_diagonal(n)``, without building the mask every step).
    """
    mask = np.triu(np.ones((n, n), bool), k=1)
    mask.flags.writeable = False
    return mask


def related(a: Sector, b: Sector) -> bool:
    """Whether two different sectors are related (their knowledge complements)."""
    return frozenset((a, b)) in _RELATED


def complementarity(sectors: np.ndarray, related_value: float) -> np.ndarray:
    """1 for the same sector, ``related_value`` for related sectors, 0 otherwise (pairwise)."""
    related = np.zeros((len(SECTORS), len(SECTORS)))
    for pair in _RELATED:
        x, y = (SECTORS.index(s) for s in pair)
        related[x, y] = related[y, x] = related_value
    np.fill_diagonal(related, 1.0)
    return related[np.ix_(sectors, sectors)]


def capacity(base: np.ndarray, funding_eur: np.ndarray, params: ClustersConfig) -> np.ndarray:
    """Management capacity: funding closes the gap to 1 with diminishing returns."""
    return 1.0 - (1.0 - base) * np.exp(-funding_eur / params.capacity_cost_eur)


def recruitment_pull(
    members: np.ndarray, candidates: np.ndarray, capacity: np.ndarray, outflow: np.ndarray
) -> np.ndarray:
    """Each initiative's yearly join rate per unit of capacity such that its ``members`` (real
    firms) are the steady state at ``capacity``: the ``candidates`` (real non-member firms
    that would choose it) join as fast as members go (``outflow``: the yearly rate at which
    its members leave or die).
    """
    room = candidates * capacity
    return np.divide(outflow * members, room, out=np.zeros_like(room), where=room > 0)


@dataclass(frozen=True)
class MembershipDraws:
    """A step's keyed uniforms per firm: the initiative it would choose, joining, leaving."""

    choice: np.ndarray
    join: np.ndarray
    leave: np.ndarray


def change_membership(
    cluster: np.ndarray,
    rows: np.ndarray,
    region: np.ndarray,
    sector: np.ndarray,
    by_group: tuple[np.ndarray, np.ndarray],
    join_rate: np.ndarray,
    draws: MembershipDraws,
    params: ClustersConfig,
    dt: float,
) -> None:
    """A step of membership for firm ``rows``, in place in ``cluster``: a non-member joins the
    initiative it would choose (uniform among those of its region and sector, ``by_group``:
    :attr:`~nsrsim.population.ClusterTable.by_group`; none there, none) with its yearly
    ``join_rate`` (pull x capacity now); then members leave with yearly ``leave_rate``.
    The chances in NumPy (one per initiative), the rest in one compiled pass.
    """
    join_chance = -np.expm1(-join_rate * dt)
    leave_chance = float(-np.expm1(-params.leave_rate * dt))
    order, first = by_group
    _change_membership(
        cluster, np.asarray(rows, np.int64), region, sector, order, first, len(SECTORS),
        draws.choice, draws.join, draws.leave, join_chance, leave_chance,
    )  # fmt: skip


@njit(cache=True)
def _change_membership(cluster, rows, region, sector, order, first, n_sectors, u_choice,
                       u_join, u_leave, join_chance, leave_chance):  # fmt: skip
    for i in range(len(rows)):
        r = rows[i]
        choice = initiative_of(region[r], sector[r], u_choice[i], order, first, n_sectors)
        current = cluster[r]
        if current < 0 and choice >= 0 and u_join[i] < join_chance[choice]:
            current = choice
        if current >= 0 and u_leave[i] < leave_chance:
            current = -1
        cluster[r] = current


def form_partnerships(
    kind: np.ndarray,
    rate: np.ndarray,
    u: np.ndarray,
    origin: int,
    dt: float,
    room: int | None = None,
) -> np.ndarray:
    """New partnership matrix: pairs without one form with yearly ``rate`` (symmetric).

    With ``room``, at most that many partnerships of this origin exist afterwards: new ones
    beyond the room are not formed (those with the lowest draws go first), and existing ones
    beyond it end (a budget cut).
    """
    pairs = above_diagonal(len(kind))
    upper = (u < -np.expm1(-rate * dt)) & pairs & (kind == NONE)
    if room is not None:
        existing = np.flatnonzero((kind == origin) & pairs)
        if len(existing) > room:
            ends = existing[np.argsort(-u.ravel()[existing], kind="stable")[: len(existing) - room]]
            i, j = np.divmod(ends, len(kind))
            kind = kind.copy()
            kind[i, j] = kind[j, i] = NONE
        candidates = np.flatnonzero(upper)
        free = room - min(len(existing), room)
        keep = candidates[np.argsort(u.ravel()[candidates], kind="stable")[:free]]
        upper = np.zeros_like(upper)
        upper.ravel()[keep] = True
    forms = upper | upper.T
    return np.where(forms, origin, kind)


def lapse_partnerships(
    kind: np.ndarray, active: np.ndarray, u: np.ndarray, rate: float, dt: float
) -> np.ndarray:
    """Framework partnerships outside an active framework (or between regions that are no
    longer committed) lapse with yearly ``rate``.
    """
    upper = (u < -np.expm1(-rate * dt)) & above_diagonal(len(kind))
    lapses = (upper | upper.T) & (kind == FRAMEWORK) & ~active
    return np.where(lapses, NONE, kind)
