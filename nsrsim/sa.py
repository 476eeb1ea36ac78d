"""Sensitivity-analysis experiments of the model (``nsrsim sa``): a spec file, its runs through
the batch runner (parallel, resumable, Dask) and the SALib analysis of each output.

Parameters are sampled on the unit interval by SALib and mapped through their ranges (uniform
or log-uniform, as calibration priors), so the indices describe the parameters' declared
distributions. Replicate r of every point has the same seed (common random numbers); the
replicates of a point are averaged and the share of variance that is replicate noise is
reported next to the indices (``nsrsim.sensitivity``).
"""

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from nsrsim.calibrate import Prior
from nsrsim.config import Block, ExecutionConfig, load_with_base
from nsrsim.errors import ConfigError
from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.runner import RunSpec, plan_points, spec_hash
from nsrsim.sensitivity import METHODS, analyse, check_problem, convergence, noise_share, sample


class SAExperiment(Block):
    """A sensitivity analysis: base scenario, parameter ranges, method, N, replicates, outputs."""

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(..., description="scenario file (relative to the SA file)")
    method: Literal["sobol", "morris", "fast"] = Field(
        "morris", description=f"one of {', '.join(METHODS)}"
    )
    n: int = Field(
        ...,
        ge=2,
        le=1_000_000,
        description="SALib base sample size (Sobol: a power of 2; Morris: trajectories)",
    )
    second_order: bool = Field(False, description="Sobol second-order indices (S2)")
    parameters: dict[str, Prior] = Field(..., min_length=1)
    outputs: list[str] = Field(
        ..., min_length=1, description="indicator@year, e.g. productivity_eur@10"
    )
    replicates: int = Field(1, ge=1, le=1000, description="runs per point, averaged")
    years: int = Field(10, ge=1, le=100)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    execution: ExecutionConfig = ExecutionConfig()

    @model_validator(mode="after")
    def _outputs_and_size(self) -> "SAExperiment":
        for output in self.outputs:
            indicator, _, year = output.partition("@")
            if indicator not in OUTCOME_BY_NAME or not year.isdigit():
                raise ValueError(
                    f"output '{output}' must be indicator@year with an indicator of "
                    f"'nsrsim config params' outcomes ({', '.join(sorted(OUTCOME_BY_NAME))})"
                )
            if int(year) > self.years:
                raise ValueError(f"output '{output}' is past the last year ({self.years})")
        check_problem(self.problem(), self.method, self.n)
        return self

    def problem(self) -> dict:
        """The SALib problem on the unit cube (values are mapped through the ranges)."""
        return {"names": list(self.parameters), "bounds": [[0.0, 1.0]] * len(self.parameters)}


def load_sa(path: Path) -> tuple[SAExperiment, Path]:
    """Load and validate an SA file; returns it with its base scenario's path."""
    return load_with_base(path, SAExperiment, "SA")


def design(spec: SAExperiment) -> tuple[np.ndarray, pd.DataFrame]:
    """The unit-cube sample and the parameter values of every point (indexed by point)."""
    unit = sample(spec.problem(), spec.method, spec.n, spec.seed, spec.second_order)
    values = pd.DataFrame(
        {
            name: [prior.value(u) for u in unit[:, k]]
            for k, (name, prior) in enumerate(spec.parameters.items())
        }
    )
    values.index.name = "point"
    return unit, values


def plan(spec: SAExperiment, base: Path) -> tuple[np.ndarray, pd.DataFrame, list[RunSpec], str]:
    """Sample, every run (point x replicate, validated before any runs), and the SA's hash."""
    unit, values = design(spec)
    runs = plan_points(base, values, spec.years, spec.replicates, spec.seed, "SA")
    return unit, values, runs, spec_hash("sa", spec, base)


def outputs_spec(spec: SAExperiment) -> dict:
    """What each run keeps: the outputs' indicators at their years."""
    indicators = sorted({o.partition("@")[0] for o in spec.outputs})
    years = sorted({int(o.partition("@")[2]) for o in spec.outputs})
    return {"indicators": indicators, "years": years, "regions": False}


def point_values(spec: SAExperiment, n_points: int, runs: pd.DataFrame, output: str) -> np.ndarray:
    """An output at every point and replicate (points x replicates); a config error naming
    the output when runs are missing (a resumed SA completes them).
    """
    table = runs.pivot(index="point", columns="replicate", values=output).reindex(range(n_points))
    if table.isna().any().any():
        raise ConfigError(
            f"output '{output}' is missing for {int(table.isna().any(axis=1).sum())} "
            "points (failed runs?): rerun the same command to resume them."
        )
    return table.to_numpy(float)


def convergence_table(spec: SAExperiment, unit: np.ndarray, runs: pd.DataFrame) -> pd.DataFrame:
    """Every output's indices on nested subsamples (N/8 ... N), for ``--convergence``."""
    frames = []
    for output in spec.outputs:
        values = point_values(spec, len(unit), runs, output).mean(axis=1)
        frame = convergence(spec.problem(), spec.method, unit, values, spec.seed, spec.second_order)
        frames.append(frame.assign(output=output, method=spec.method))
    return pd.concat(frames, ignore_index=True)


def indices(
    spec: SAExperiment, unit: np.ndarray, runs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per output: the indices of every parameter with the replicate-noise share, and the S2
    pairs (Sobol with second order).
    """
    problem = spec.problem()
    frames, pairs = [], []
    for output in spec.outputs:
        values = point_values(spec, len(unit), runs, output)
        frame, s2 = analyse(
            problem, spec.method, unit, values.mean(axis=1), spec.seed, spec.second_order
        )
        frame.insert(0, "output", output)
        frame.insert(0, "method", spec.method)
        frame["noise_share"] = noise_share(values)
        frames.append(frame)
        if s2 is not None:
            pairs.append(s2.assign(output=output))
    s2_table = pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame()
    return pd.concat(frames, ignore_index=True), s2_table
