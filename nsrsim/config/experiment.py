"""Experiment files (sweeps): parameter ranges and designs, what each run keeps, where it
executes.
"""

from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from nsrsim.config.fields import Block
from nsrsim.config.loading import format_validation_error, load_yaml
from nsrsim.errors import ConfigError


class Range(Block):
    """A sampled parameter's distribution: uniform (``linear``), log-uniform (``log``) or
    uniform over the whole numbers (``integer``) on [min, max].

    Fields left out are taken from the parameter's declared uncertainty
    (its ``param`` declaration, see :func:`nsrsim.uncertainty.resolve`).
    """

    min: float | None = None
    max: float | None = None
    scale: Literal["linear", "log", "integer"] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Range":
        if self.min is None or self.max is None:
            return self
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        if self.scale == "log" and self.min <= 0:
            raise ValueError(f"a log-uniform range needs min > 0, got {self.min}")
        if self.scale == "integer" and not (
            float(self.min).is_integer() and float(self.max).is_integer()
        ):
            raise ValueError(
                f"an integer range needs whole-number bounds, got [{self.min}, {self.max}]"
            )
        return self

    def values(self, u: np.ndarray) -> np.ndarray:
        """The distribution's quantiles ``u`` (an array on [0, 1])."""
        low, high = float(self.min), float(self.max)  # type: ignore[arg-type]
        u = np.asarray(u, float)
        if self.scale == "log":
            value = np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
        elif self.scale == "integer":  # every whole number in [min, max] equally likely
            return np.minimum(np.floor(low + u * (high - low + 1)), high).astype(np.int64)
        else:
            value = low + u * (high - low)
        return np.clip(value, low, high)  # exp(log(x)) can miss x by an ulp

    def value(self, u: float) -> float:
        """The distribution's quantile ``u``."""
        return self.values(np.array([u]))[0].item()


class DesignConfig(Block):
    """How parameter values combine into design points."""

    kind: Literal["grid", "list", "lhs"] = Field(
        "grid",
        description="grid: every combination of the listed values; list: the i-th "
        "values of every parameter together; lhs: Latin hypercube over min-max ranges",
    )
    samples: int = Field(10, ge=1, le=1_000_000, description="design points of an lhs design")


class OutputsConfig(Block):
    """Which results each run keeps (results are streamed to disk, so keep what you need)."""

    indicators: list[str] = Field(
        default_factory=list, description="indicator names to keep (empty: all)"
    )
    years: list[Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=list, description="simulated years to keep (empty: the final year)"
    )
    regions: bool = Field(False, description="also keep each indicator per region")
    urban_classes: bool = Field(
        False, description="also keep each indicator per urban class (urban, intermediate, rural)"
    )
    firm_panel: bool = Field(
        False,
        description="also keep every firm's yearly outcomes and the participants of each run "
        "(panel/ and participants/ folders)",
    )
    patterns: bool = Field(
        False,
        description="also measure the validation patterns of each run (pattern:<name> columns, "
        "pairs/ and sizes/ folders)",
    )

    @field_validator("indicators")
    @classmethod
    def _known_indicators(cls, value: list[str]) -> list[str]:
        from nsrsim.indicators import AREA_OUTCOMES, OUTCOME_BY_NAME

        known = set(OUTCOME_BY_NAME) | set(AREA_OUTCOMES)
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(
                f"unknown indicator(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
            )
        return value


class ExecutionConfig(Block):
    """Where runs execute."""

    backend: Literal["sequential", "loky", "dask"] = Field("loky", description="executor")
    jobs: int = Field(-1, ge=-1, le=4096, description="parallel workers (-1: all cores, not 0)")

    @field_validator("jobs")
    @classmethod
    def _some_workers(cls, value: int) -> int:
        if value == 0:
            raise ValueError("0 workers would run nothing; give -1 (all cores) or 1 and more")
        return value

    scheduler: str | None = Field(
        None, description="dask scheduler address (dask backend; none: a local cluster)"
    )


class Experiment(Block):
    """A batch of runs: a base scenario, parameters to vary, replicates, seeds and outputs."""

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(
        ..., description="scenario file the runs start from (relative to the experiment file)"
    )
    design: DesignConfig = DesignConfig()
    parameters: dict[str, list[Any] | Range] = Field(
        default_factory=dict,
        description="dotted scenario path -> list of values (grid, list) or {min, max} (lhs)",
    )
    replicates: int = Field(1, ge=1, le=100_000, description="runs per design point")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="master seed of every run's seed")
    years: int | None = Field(
        None, ge=1, le=100, description="simulated years (none: the base scenario's)"
    )
    outputs: OutputsConfig = OutputsConfig()
    execution: ExecutionConfig = ExecutionConfig()

    @model_validator(mode="after")
    def _design_fits(self) -> "Experiment":
        for path, spec in self.parameters.items():
            sampled = isinstance(spec, Range)
            if (self.design.kind == "lhs") != sampled:
                want = "{min, max}" if self.design.kind == "lhs" else "a list of values"
                raise ValueError(
                    f"parameter '{path}' must be {want} in a {self.design.kind} design"
                )
            if not sampled and not spec:
                raise ValueError(f"parameter '{path}' lists no values")
        if self.design.kind == "list":
            lengths = {len(v) for v in self.parameters.values()}
            if len(lengths) > 1:
                raise ValueError(
                    "a list design needs the same number of values for every "
                    f"parameter, got {sorted(lengths)}"
                )
        return self


def load_with_base[S: BaseModel](path: Path | str, schema: type[S], kind: str) -> tuple[S, Path]:
    """Load and validate a file of ``schema`` that names a base scenario (an experiment or a
    calibration); returns it with the base's resolved path.
    """
    path = Path(path)
    data = load_yaml(path)
    try:
        spec = schema.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), schema)) from None
    base = (path.parent / spec.base).resolve()
    if not base.is_file():
        raise ConfigError(
            f"{path}: field 'base' names {spec.base}, but {base} does not exist; paths are "
            f"relative to the {kind} file."
        )
    return spec, base


def load_experiment(path: Path | str) -> tuple[Experiment, Path]:
    """Load and validate an experiment file; returns it with its base scenario's path."""
    return load_with_base(path, Experiment, "experiment")
