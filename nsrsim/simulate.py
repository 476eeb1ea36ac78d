"""Run one scenario to the end and collect its output tables (no disk access here)."""

import time
from functools import cached_property

import numpy as np
import pandas as pd
from tqdm import tqdm

from nsrsim import accounts
from nsrsim.config import Scenario
from nsrsim.effects import Reached
from nsrsim.model import NSRModel
from nsrsim.policy import participant_table

POLICY_COLUMNS = [
    "year",
    "instrument",
    "name",
    "kind",
    "budget_eur",
    "carried_eur",
    "units",
    "unit_cost_eur",
    "spent_eur",
]


class RunResult:
    """The tables of one run: NSR-wide, regional and urban-class indicators per year, firm
    snapshots (the chosen years and the final one), the final partner network, the policy
    money and participants, the sample design, optionally every firm's yearly outcomes, and
    the wall time.

    The tables are built on first use from the finished model: a batch row reads only a few
    of them.
    """

    def __init__(self, scenario: Scenario, model: NSRModel, wall_time_s: float) -> None:
        self.scenario = scenario
        self.wall_time_s = wall_time_s
        self._model = model

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """NSR-wide indicators, one row per recorded year."""
        return pd.DataFrame(self._model.indicator_rows)

    @cached_property
    def regions(self) -> pd.DataFrame:
        """Indicators per region and year."""
        return accounts.stack(self._area_rows(self._model.region_rows))

    @cached_property
    def urban_classes(self) -> pd.DataFrame:
        """Indicators per urban class (urban, intermediate, rural) and year."""
        return accounts.stack(self._area_rows(self._model.class_rows))

    def _area_rows(self, rows: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
        if not self.scenario.run.area_tables:
            raise ValueError(
                "this run recorded no indicators per region or urban class "
                "(run.area_tables: false); run it with run.area_tables: true to read them"
            )
        return rows

    @cached_property
    def firms(self) -> pd.DataFrame:
        """Every firm agent at the snapshot years and at the end."""
        model = self._model
        final = (
            [] if model.year in self.scenario.run.snapshot_years else [accounts.firm_table(model)]
        )
        return pd.concat([*model.snapshots, *final], ignore_index=True)

    @cached_property
    def links(self) -> pd.DataFrame:
        """The final partner network, one row per link."""
        return accounts.link_table(self._model)

    @cached_property
    def policies(self) -> pd.DataFrame:
        """Policy money per instrument and year."""
        return pd.DataFrame(self._model.policy_rows, columns=POLICY_COLUMNS)

    @cached_property
    def participants(self) -> pd.DataFrame:
        """Every instrument's participants, one row per firm and year."""
        return participant_table(self._model.participant_rows, self._model.region_codes)

    @property
    def last_year(self) -> int:
        """The last simulated year recorded."""
        return max(row["year"] for row in self._model.indicator_rows)

    def indicator(self, year: int, name: str) -> float:
        """One NSR-wide indicator of one recorded year, read without building
        :attr:`indicators` (a pair's row in a sensitivity analysis reads one or two).
        """
        return next(row[name] for row in self._model.indicator_rows if row["year"] == year)

    def own_participants(self, programmes: set[str]) -> Reached:
        """:func:`~nsrsim.effects.own_participants` from the ledgers' records, without
        building :attr:`participants` (every pair of a sensitivity analysis asks for them).
        """
        rows = [
            row
            for row in self._model.participant_rows
            if row["instrument"] >= 0 and row["name"] not in programmes
        ]
        if not rows:
            return Reached(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0.0)
        sizes = [len(row["firm"]) for row in rows]
        return Reached(
            np.concatenate([row["firm"] for row in rows]),
            np.repeat(np.array([row["year"] for row in rows], np.int64), sizes),
            np.concatenate([row["real_firms"] for row in rows]),
            float(np.concatenate([row["eur"] for row in rows]).sum()),
        )

    @cached_property
    def strata(self) -> pd.DataFrame:
        """The sample design (see :func:`strata_table`)."""
        return strata_table(self._model)

    @cached_property
    def region_pairs(self) -> pd.DataFrame:
        """Every ordered pair of regions: hub distance, border, shared INTERREG A programme."""
        return accounts.region_pairs(self._model)

    @cached_property
    def panel(self) -> pd.DataFrame | None:
        """Every firm's yearly outcomes (with ``run.firm_panel``), else None."""
        rows = self._model.panel_rows
        return accounts.stack(rows) if rows else None


def strata_table(model: NSRModel) -> pd.DataFrame:
    """The sample design: real firms, real jobs and agents per stratum, with names."""
    table = model.strata.copy()
    table["region"] = np.asarray(model.region_codes, object)[table["region"].to_numpy()]
    table["sector"] = accounts.SECTOR_NAMES[table["sector"].to_numpy()]
    table["size"] = accounts.SIZE_NAMES[table["size"].to_numpy()]
    cluster = table["cluster"].to_numpy()
    names = np.asarray([*model.cluster_info.name, ""], object)  # -1: in no initiative
    table["cluster"] = names[cluster]
    table["real_firms_per_agent"] = table["real_firms"] / table["agents"]
    return table


def simulate(scenario: Scenario, progress: bool = False) -> RunResult:
    """Build the model for ``scenario`` and run ``run.years`` years."""
    start = time.perf_counter()
    model = NSRModel(scenario)
    total = scenario.run.years * scenario.run.steps_per_year
    with tqdm(total=total, disable=not progress, unit="step", desc=scenario.name) as bar:
        while model.running:
            model.step()
            bar.update()
    return RunResult(scenario, model, time.perf_counter() - start)


def simulate_pair(base: Scenario, policy: Scenario) -> tuple[RunResult, RunResult]:
    """Both arms of a pair: the base, and the policy scenario continued from a copy of the
    base's year 0 when the two differ only in their policy (they share the set-up and the
    burn-in, which no policy acts in; the copy's numbers are those of a fresh build, tested),
    else built afresh.
    """
    start = time.perf_counter()
    model = NSRModel(base)
    twin = model.with_policy(policy) if model.shares_year_zero(policy) else None
    shared = time.perf_counter() - start
    for run in (model, twin):
        while run is not None and run.running:
            run.step()
    first = RunResult(base, model, time.perf_counter() - start)
    if twin is None:
        return first, simulate(policy)
    return first, RunResult(policy, twin, shared + time.perf_counter() - start - first.wall_time_s)
