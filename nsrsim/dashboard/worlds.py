"""The dashboard's two worlds: today's cooperation and the levers' policy, built from the same
seed and stepped together a year at a time, so what differs on screen is the policy's effect
(common random numbers: until the policy acts the two are identical).

The pair of the scenario as given is built once per server, at start (which also compiles the
numba kernels), and each browser session gets its own copy, so the first page answers at once.
"""

import copy
import threading
from dataclasses import dataclass, field

import numpy as np

from nsrsim import accounts
from nsrsim.config import Scenario
from nsrsim.dashboard.levers import Levers, levers_of
from nsrsim.model import NSRModel


@dataclass
class Worlds:
    """Today's cooperation and the levers' world, from one seed."""

    levers: Levers
    today: NSRModel
    chosen: NSRModel
    history: list[tuple[int, float]] = field(default_factory=list)  # (year, extra relations)

    @classmethod
    def build(cls, base: Scenario, levers: Levers) -> "Worlds":
        """Both worlds of ``levers`` on ``base`` at year 0."""
        today = NSRModel(levers.today(levers_of(base)).scenario(base))
        chosen = levers.scenario(base)
        # the policy's world continues from a copy of today's year 0 when only the policy
        # differs (the same numbers as a fresh build, half the waiting)
        twin = today.with_policy(chosen) if today.shares_year_zero(chosen) else NSRModel(chosen)
        worlds = cls(levers, today, twin)
        worlds.record()
        return worlds

    def record(self) -> None:
        """Keep this year's difference in relations beyond INTERREG A (levers - today)."""
        extra = beyond_interreg_links(self.chosen) - beyond_interreg_links(self.today)
        self.history.append((self.calendar_year, extra))

    @property
    def year(self) -> int:
        """Simulated years done."""
        return int(self.chosen.year)

    @property
    def calendar_year(self) -> int:
        """The calendar year the worlds are in."""
        return self.chosen.config.run.start_year + self.year

    @property
    def done(self) -> bool:
        """Whether the run's last year is done."""
        return not self.chosen.running

    def step_year(self) -> None:
        """One simulated year of both worlds (a quarter per step)."""
        if self.done:
            return
        for _ in range(self.chosen.config.run.steps_per_year):
            if self.chosen.running:
                self.today.step()
                self.chosen.step()
        self.record()


def beyond_interreg_links(model: NSRModel) -> float:
    """Real partner relations between regions of different countries that share no INTERREG A
    programme (``accounts.link_kinds``' transnational links): what a framework is for.
    """
    _, beyond, _ = accounts.link_kinds(model)
    pairs = model.links.relations(model.firms.weight, model.pair_firms)
    return float(np.sum(pairs[beyond]))


_PREPARED: dict[tuple[str, Levers], Worlds] = {}
_LOCK = threading.Lock()


def prepared(base: Scenario, levers: Levers) -> Worlds:
    """A session's own pair: a copy of the prepared pair of these levers, built on first
    use (the server prepares the scenario as given at start, :func:`warm`).
    """
    key = (base.model_dump_json(), levers)
    with _LOCK:
        if key not in _PREPARED:
            if len(_PREPARED) >= 4:  # a few lever settings kept; the oldest goes first
                _PREPARED.pop(next(iter(_PREPARED)))
            _PREPARED[key] = Worlds.build(base, levers)
        return copy.deepcopy(_PREPARED[key])


def warm(base: Scenario) -> None:
    """Prepare the pair of the scenario as given and compile the kernels of a year's step
    (a throwaway copy steps once), so no visitor waits for either.
    """
    prepared(base, levers_of(base)).step_year()
