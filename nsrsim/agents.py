"""Mesa agents: firms (thin views onto the model's arrays), cluster initiatives, governments.

Firm state lives in :class:`nsrsim.state.FirmArrays` so that each rule is a few array
operations; a :class:`Firm` reads its row, so Mesa's AgentSet, DataCollector and visualisation
work as usual. Cluster initiatives and governments are few and keep ordinary attributes.
"""

import copy
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from nsrsim.sectors import SECTORS, Sector
from nsrsim.world.grid import URBAN_CLASSES

if TYPE_CHECKING:
    from nsrsim.model import NSRModel


class Firm(mesa.Agent):
    """A firm agent standing for ``weight`` real firms of its stratum; a view onto ``row``."""

    model: "NSRModel"

    def __init__(self, model: "NSRModel", row: int) -> None:
        super().__init__(model)
        self.row = row

    def __deepcopy__(self, memo: dict[int, Any]) -> "Firm":
        """A view of the same row in the copied model (a model is copied to share a pair's
        burn-in; its thousands of firm views hold nothing but their row and model).
        """
        twin = object.__new__(type(self))
        memo[id(self)] = twin
        twin.__dict__.update(self.__dict__)
        twin.model = copy.deepcopy(self.model, memo)
        return twin

    @property
    def firm_id(self) -> int:
        """Identity of the firm across scenarios (random draws are keyed by it)."""
        return int(self.model.firms.id[self.row])

    @property
    def weight(self) -> float:
        """Real firms this agent stands for."""
        return float(self.model.firms.weight[self.row])

    @property
    def alive(self) -> bool:
        """Whether the firm is still in the market."""
        return bool(self.model.firms.alive[self.row])

    @property
    def sector(self) -> Sector:
        """Industry sector."""
        return SECTORS[self.model.firms.sector[self.row]]

    @property
    def region(self) -> str:
        """NUTS-2 code of the firm's region."""
        return self.model.region_codes[self.model.firms.region[self.row]]

    @property
    def cell(self) -> int:
        """Grid cell index (into ``model.world.grid.cells``)."""
        return int(self.model.world.cells[self.model.firms.cell[self.row]])

    @property
    def urban_class(self) -> str:
        """Urban, intermediate or rural, from the firm's cell."""
        return URBAN_CLASSES[self.model.firms.urban[self.row]]

    @property
    def jobs(self) -> float:
        """Jobs of each real firm this agent stands for."""
        return float(self.model.firms.jobs[self.row])

    @property
    def productivity(self) -> float:
        """Output per job and year [EUR]."""
        return float(self.model.firms.productivity[self.row])

    @property
    def rd(self) -> float:
        """R&D effort as share of revenue, subsidised part included."""
        return float(self.model.firms.rd[self.row] + self.model.firms.rd_boost[self.row])

    @property
    def knowledge(self) -> np.ndarray:
        """Capability level per knowledge field (a copy)."""
        return self.model.firms.knowledge[self.row].copy()

    @property
    def age(self) -> float:
        """Years since entry."""
        return float(self.model.firms.age[self.row])

    @property
    def cluster(self) -> "ClusterInitiative | None":
        """The cluster initiative the firm belongs to, if any."""
        index = self.model.firms.cluster[self.row]
        return self.model.cluster_agents[index] if index >= 0 else None

    @property
    def partners(self) -> list["Firm"]:
        """Firms this firm has a partner link with."""
        links = self.model.links
        rows = np.concatenate([links.b[links.a == self.row], links.a[links.b == self.row]])
        return [self.model.firm_agents[r] for r in rows]


class ClusterInitiative(mesa.Agent):
    """A cluster organisation of one region and sector (real, or generic where none is named)."""

    model: "NSRModel"

    def __init__(
        self,
        model: "NSRModel",
        index: int,
        name: str,
        region: str,
        sector: Sector,
        experienced: bool,
        generic: bool,
    ) -> None:
        super().__init__(model)
        self.index = index
        self.name = name
        self.region = region
        self.sector = sector
        self.experienced = experienced
        self.generic = generic

    @property
    def capacity(self) -> float:
        """Management capacity in [0, 1]."""
        return float(self.model.cluster_capacity[self.index])

    @property
    def members(self) -> float:
        """Real member firms now."""
        firms = self.model.firms
        mine = firms.alive[: firms.n] & (firms.cluster[: firms.n] == self.index)
        return float(firms.weight[: firms.n][mine].sum())

    @property
    def partner_clusters(self) -> list["ClusterInitiative"]:
        """Initiatives abroad this one has a partnership with."""
        partners = np.flatnonzero(self.model.cluster_partnership[self.index])
        return [self.model.cluster_agents[p] for p in partners]


class RegionalGovernment(mesa.Agent):
    """The government of one NUTS-2 region: priorities, budget and framework commitment."""

    model: "NSRModel"

    def __init__(
        self, model: "NSRModel", index: int, region: str, priorities: list[Sector]
    ) -> None:
        super().__init__(model)
        self.index = index
        self.region = region
        self.priorities = priorities

    @property
    def commitment(self) -> float:
        """Commitment to the transnational framework in [0, 1]."""
        return float(self.model.commitment[self.index])

    @property
    def member(self) -> bool:
        """Whether the region takes part in the framework now."""
        return bool(self.model.member[self.index])

    @property
    def budget_eur(self) -> float:
        """This year's innovation budget [EUR]."""
        return float(self.model.budget_eur[self.index])
