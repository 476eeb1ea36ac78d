"""Run one scenario to the end and collect its output tables (no disk access here)."""

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from nsrsim import accounts
from nsrsim.config import Scenario
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


@dataclass(frozen=True)
class RunResult:
    """The tables of one run: NSR-wide, regional and urban-class indicators per year, firm
    snapshots (the chosen years and the final one), the final partner network, the policy
    money and participants, the sample design, optionally every firm's yearly outcomes, and
    the wall time.
    """

    scenario: Scenario
    indicators: pd.DataFrame
    regions: pd.DataFrame
    urban_classes: pd.DataFrame
    firms: pd.DataFrame
    links: pd.DataFrame
    policies: pd.DataFrame
    participants: pd.DataFrame
    strata: pd.DataFrame
    region_pairs: pd.DataFrame
    panel: pd.DataFrame | None
    wall_time_s: float


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
    if model.year not in scenario.run.snapshot_years:
        model.snapshots.append(accounts.firm_table(model))  # the final state is always kept
    return RunResult(
        scenario=scenario,
        indicators=pd.DataFrame(model.indicator_rows),
        regions=accounts.stack(model.region_rows),
        urban_classes=accounts.stack(model.class_rows),
        firms=pd.concat(model.snapshots, ignore_index=True),
        links=accounts.link_table(model),
        policies=pd.DataFrame(model.policy_rows, columns=POLICY_COLUMNS),
        participants=participant_table(model.participant_rows, model.region_codes),
        strata=strata_table(model),
        region_pairs=accounts.region_pairs(model),
        panel=accounts.stack(model.panel_rows) if model.panel_rows else None,
        wall_time_s=time.perf_counter() - start,
    )
