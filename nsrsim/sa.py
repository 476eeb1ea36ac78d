"""Sensitivity-analysis experiments of the model (``nsrsim sa``): a spec file, its runs through
the batch runner (parallel, resumable, Dask) and the SALib analysis of each output.

Parameters are sampled on the unit interval by SALib and mapped through their ranges (uniform
or log-uniform, as calibration priors), so the indices describe the parameters' declared
distributions. Replicate r of every point has the same seed (common random numbers); the
replicates of a point are averaged and the share of variance that is replicate noise is
reported next to the indices (``nsrsim.sensitivity``).
"""

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from nsrsim import uncertainty
from nsrsim.columns import parse
from nsrsim.config import (
    Block,
    ExecutionConfig,
    Range,
    load_with_base,
)
from nsrsim.effects import PARTICIPANT_OUTCOMES
from nsrsim.errors import ConfigError
from nsrsim.indicators import AREA_OUTCOMES, OUTCOME_BY_NAME
from nsrsim.runner import RunSpec, plan_points, spec_hash
from nsrsim.sensitivity import METHODS, analyse, check_problem, convergence, noise_share, sample
from nsrsim.world import facts


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
    parameters: dict[str, Range | None] | Literal["declared"] = Field(
        ...,
        description="dotted path -> {min, max, scale} (empty: its declared uncertainty), or "
        "'declared' for every declared uncertainty",
    )
    constants: dict[str, Any] = Field(
        default_factory=dict,
        description="dotted path -> value set in every run (base and scenario), e.g. a coarser "
        "resolution for the analysis (checked against the default: docs/SENSITIVITY.md)",
    )
    scenario: str | None = Field(
        None,
        description="policy scenario file (relative to the SA file) whose effects against the "
        "base the 'effect:' outputs measure",
    )
    outputs: list[str] = Field(
        ...,
        min_length=1,
        description="indicator@year (the base run, e.g. productivity_eur@10), its "
        "growth:indicator@year or trend:indicator@year, or effect:indicator@year[@level] "
        "(scenario - base under common random numbers; level: corridor, participants, a region "
        "code or urban/intermediate/rural)",
    )
    replicates: int = Field(1, ge=1, le=1000, description="runs per point, averaged")
    years: int = Field(10, ge=1, le=100)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    execution: ExecutionConfig = ExecutionConfig()

    @model_validator(mode="after")
    def _outputs_and_size(self) -> "SAExperiment":
        for output in self.outputs:
            parsed = parse_output(output)
            if parsed["year"] > self.years:
                raise ValueError(f"output '{output}' is past the last year ({self.years})")
            if parsed["effect"] and self.scenario is None:
                raise ValueError(
                    f"output '{output}' is a policy effect: name the policy 'scenario' file "
                    "whose effect against the base it measures"
                )
        if not self.parameters:
            raise ValueError("parameters: give at least one dotted path, or 'declared'")
        both = set(self.constants) & set(self.ranges())
        if both:
            raise ValueError(f"{', '.join(sorted(both))} both sampled and constant: choose one")
        check_problem(self.problem(), self.method, self.n)
        return self

    def ranges(self) -> dict[str, "Range"]:
        """Every sampled parameter's distribution, completed from its declared uncertainty."""
        if self.parameters == "declared":
            return {path: item.range for path, item in uncertainty.declared().items()}
        return uncertainty.resolve(self.parameters, "SA")

    def problem(self) -> dict:
        """The SALib problem on the unit cube (values are mapped through the ranges)."""
        names = list(self.ranges())
        return {"names": names, "bounds": [[0.0, 1.0]] * len(names)}


LEVELS = ("corridor", "participants", "urban", "intermediate", "rural")


DERIVED = ("growth", "trend")  # yearly growth rate from year 0; OLS slope per decade


def parse_output(output: str) -> dict:
    """``[effect:|growth:|trend:]indicator@year[@level]`` as its parts; a ValueError naming
    what is allowed.
    """
    kind, _, rest = output.partition(":") if ":" in output else ("", "", output)
    effect = kind == "effect"
    derived = kind if kind in DERIVED else ""
    out = parse(rest)
    indicator = out.indicator if out else ""
    year = str(out.year) if out else ""
    level = (out.area if out else None) or "corridor"
    allowed = PARTICIPANT_OUTCOMES if level == "participants" else OUTCOME_BY_NAME
    if level not in ("corridor", "participants"):
        allowed = AREA_OUTCOMES
    regions = facts.regions().index
    if (
        indicator not in allowed
        or out is None
        or (level not in LEVELS and level not in regions)
        or (level != "corridor" and not effect)
        or (kind and not (effect or derived))
        or (derived and year in ("", "0"))
    ):
        raise ValueError(
            f"output '{output}' must be indicator@year (the base run), growth:indicator@year "
            "(its yearly growth rate since year 0), trend:indicator@year (its least-squares "
            "slope per decade over years 0..year) or effect:indicator@year[@level] (scenario - "
            "base) with level corridor, participants, a region code or urban/intermediate/"
            f"rural; indicators at this level: {', '.join(sorted(allowed))}"
        )
    return {
        "name": output,
        "effect": effect,
        "derived": derived,
        "indicator": indicator,
        "year": int(year),
        "level": level,
    }


def load_sa(path: Path) -> tuple[SAExperiment, Path]:
    """Load and validate an SA file; returns it with its base scenario's path."""
    return load_with_base(path, SAExperiment, "SA")


def reload_with_n(spec: SAExperiment, n: int) -> SAExperiment:
    """The SA with another N, validated as in a file (``--n``)."""
    data = {**spec.model_dump(mode="json", exclude_unset=True), "n": n}
    try:
        return SAExperiment.model_validate(data)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"--n {n}: {reason}") from None


def scenario_path(spec: SAExperiment, sa_file: Path) -> Path | None:
    """The policy scenario's path (relative to the SA file), a config error if it is missing."""
    if spec.scenario is None:
        return None
    path = (Path(sa_file).parent / spec.scenario).resolve()
    if not path.is_file():
        raise ConfigError(f"SA field 'scenario': no scenario file {path}.")
    return path


def design(spec: SAExperiment) -> tuple[np.ndarray, pd.DataFrame]:
    """The unit-cube sample and the parameter values of every point (indexed by point)."""
    unit = sample(spec.problem(), spec.method, spec.n, spec.seed, spec.second_order)
    values = uncertainty.to_values(unit, spec.ranges())
    values.index.name = "point"
    return unit, values


def plan(
    spec: SAExperiment, base: Path, paired: Path | None = None
) -> tuple[np.ndarray, pd.DataFrame, list[RunSpec], str]:
    """Sample, every run (point x replicate, validated before any runs; with a policy
    scenario each run is a pair), and the SA's hash (of the spec, the base and the scenario).
    """
    unit, values = design(spec)
    runs = plan_points(
        base,
        values,
        spec.replicates,
        spec.seed,
        "SA",
        years=spec.years,
        paired=paired,
        constants=spec.constants,
    )
    digest = spec_hash("sa", spec, base, *([paired] if paired else []))
    return unit, values, runs, digest


def outputs_spec(spec: SAExperiment) -> dict:
    """What each run keeps: the base outputs' indicators at their years, and the effects."""
    parsed = [parse_output(o) for o in spec.outputs]
    base = [p for p in parsed if not p["effect"] and not p["derived"]]
    return {
        "indicators": sorted({p["indicator"] for p in base}),
        "years": sorted({p["year"] for p in base}) or [spec.years],
        "regions": False,
        "derived": [p for p in parsed if p["derived"]],
        "effects": [p for p in parsed if p["effect"]],
    }


def by_point(planned: list[RunSpec], done: pd.DataFrame) -> pd.DataFrame:
    """Every planned (point, replicate) with its run's outputs. Identical points of a design
    (a small Saltelli sample can repeat one) are one run, which the batch runner does once.
    """
    keys = pd.DataFrame(
        [(r.point, r.replicate, r.run_id) for r in planned],
        columns=["point", "replicate", "run_id"],
    )
    return keys.merge(done.drop(columns=["point", "replicate"]), on="run_id", how="left")


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
