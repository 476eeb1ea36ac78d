"""A sweep (``nsrsim sweep``): an experiment file's design points x replicates, in the manner
of NetLogo's BehaviorSpace and Mesa's batch runner, one row per run in ``runs.parquet``.
"""

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, override

import numpy as np
import pandas as pd

from nsrsim import uncertainty
from nsrsim.config import Experiment, Scenario, resolve_raw
from nsrsim.errors import ConfigError
from nsrsim.runner import RunOutputs, RunSpec, plan_points, spec_hash, summary
from nsrsim.study import Batch, Study
from nsrsim.validate import measure_patterns


def design_points(experiment: Experiment) -> list[dict[str, Any]]:
    """Parameter values of every design point, in a fixed order."""
    params = experiment.parameters
    if not params:
        return [{}]
    names = list(params)
    kind = experiment.design.kind
    if kind == "grid":
        grids = np.meshgrid(*[np.arange(len(params[n])) for n in names], indexing="ij")
        combos = np.stack([g.ravel() for g in grids], axis=1)
        return [{n: params[n][i] for n, i in zip(names, row, strict=True)} for row in combos]
    if kind == "list":
        return [{n: params[n][i] for n in names} for i in range(len(params[names[0]]))]
    from scipy.stats import qmc

    ranges = uncertainty.resolve({n: params[n] for n in names}, "lhs")  # type: ignore[misc]
    sampler = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(experiment.seed))
    values = uncertainty.to_values(sampler.random(experiment.design.samples), ranges)
    return [{n: row[n].item() for n in names} for _, row in values.iterrows()]


def composition_points(points: list[dict[str, Any]], base: dict[str, Any]) -> list[int]:
    """Indices of the design points whose composition shares (e.g. ``cluster_share`` +
    ``referral_share``) stay within 1; a grid of shares has corners outside, which are skipped
    rather than failing the sweep.
    """
    if not points or not points[0]:
        return list(range(len(points)))
    scenario = Scenario.model_validate(base)
    defaults = {
        path: getattr(getattr(scenario, path.split(".")[0]), path.split(".")[1])
        for path in uncertainty.declared()
    }
    keep = uncertainty.in_composition(pd.DataFrame(points), defaults)
    return [int(i) for i in np.flatnonzero(keep)]


def expand(experiment: Experiment, base: Path) -> list[RunSpec]:
    """Every run of the experiment; each point's scenario is validated before anything runs.
    Grid points whose composition shares exceed 1 are skipped (and said so).
    """
    points = design_points(experiment)
    grid = experiment.design.kind == "grid"  # listed values are the user's own: validated
    kept = composition_points(points, resolve_raw(base)) if grid else list(range(len(points)))
    if len(kept) < len(points):
        print(
            f"{len(points) - len(kept)} of {len(points)} grid points put a composition's shares "
            "above 1 (e.g. partnering.cluster_share + referral_share) and are skipped",
            file=sys.stderr,
        )
    runs = plan_points(
        base,
        {point: points[point] for point in kept},
        experiment.replicates,
        experiment.seed,
        f"experiment '{experiment.name}'",
        years=experiment.years,
    )
    wanted = max(experiment.outputs.years, default=0)
    shortest = min((r.scenario["run"]["years"] for r in runs), default=wanted)
    if wanted > shortest:
        raise ConfigError(
            f"experiment '{experiment.name}': outputs.years asks for year {wanted}, but its runs "
            f"last {shortest} years; keep years within the run (or set years: {wanted})."
        )
    return runs


def experiment_hash(experiment: Experiment, base: Path) -> str:
    """Identity of an experiment's runs (the base scenario's content included)."""
    return spec_hash("experiment", experiment, base)


def run_outputs(experiment: Experiment) -> RunOutputs:
    """What each run of the experiment keeps (its ``outputs`` block)."""
    block = experiment.outputs.model_dump()
    patterns = block.pop("patterns")
    return RunOutputs.of({**block, "measures": (measure_patterns,) if patterns else ()})


@dataclass(frozen=True)
class Sweep(Study[dict[str, int]]):
    """Run every missing run of an experiment; its table is the result (no analysis)."""

    experiment: Experiment
    base: Path
    partial_ok = True  # a sweep's failed runs are data: the rest is kept and reported

    @override
    def plan(self) -> Batch:
        return Batch(
            self.experiment.name,
            expand(self.experiment, self.base),
            experiment_hash(self.experiment, self.base),
            {"experiment": self.experiment.model_dump(mode="json"), "base": str(self.base)},
            run_outputs(self.experiment),
        )

    @override
    def analyse(self, out: Path) -> dict[str, int]:
        return summary(out)

    @override
    def write(self, result: dict[str, int], out: Path) -> None:
        """Nothing beyond the runs table the batch wrote."""

    @override
    def summary(self, result: dict[str, int], out: Path) -> str:
        return (
            f"{result['done']} of {result['total']} runs done, {result['failed']} failed. "
            f"Results in {out}/ (runs.parquet, failures.parquet, manifest.json)"
        )


def sweep(
    experiment: Experiment,
    base: Path,
    out: Path,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Run every missing run of ``experiment`` into ``out`` (its own ``execution`` block
    unless overridden); counts of total, skipped, done and failed runs.
    """
    execution = experiment.execution
    return Sweep(experiment, base).execute(
        out,
        {
            "backend": backend or execution.backend,
            "jobs": jobs if jobs is not None else execution.jobs,
            "scheduler": scheduler or execution.scheduler,
            "progress": progress,
            "log": log,
        },
    )
