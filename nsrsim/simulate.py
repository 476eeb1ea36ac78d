"""Run one scenario to the end and collect its output tables (no disk access here)."""

import time
from dataclasses import dataclass

import pandas as pd
from tqdm import tqdm

from nsrsim.config import Scenario
from nsrsim.model import NSRModel


@dataclass(frozen=True)
class RunResult:
    """The tables of one run: NSR-wide and regional indicators per year, firm snapshots (the
    chosen years and the final one) and the final partner network, with the wall time.
    """

    scenario: Scenario
    indicators: pd.DataFrame
    regions: pd.DataFrame
    firms: pd.DataFrame
    links: pd.DataFrame
    policies: pd.DataFrame
    wall_time_s: float


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
        model.snapshots.append(model.firm_table())  # the final state is always kept
    return RunResult(
        scenario=scenario,
        indicators=pd.DataFrame(model.indicator_rows),
        regions=pd.concat(model.region_rows, ignore_index=True),
        firms=pd.concat(model.snapshots, ignore_index=True),
        links=model.link_table(),
        policies=pd.DataFrame(
            model.policy_rows,
            columns=["year", "instrument", "name", "kind", "budget_eur", "spent_eur"],
        ),
        wall_time_s=time.perf_counter() - start,
    )
