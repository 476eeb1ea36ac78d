"""Calibration by approximate Bayesian computation (ABC rejection with iterative refocusing)
against the validation patterns (``nsrsim calibrate``; docs/VALIDATION.md).

Parameter sets are drawn from the priors of a calibration file (uniform or log-uniform, by a
Latin hypercube), each is run through the batch runner (parallel, resumable, Dask) with
replicates, and its distance to the patterns' target bands is measured; the closest share
``accept`` of the sets is the accepted sample. With ``rounds`` > 1 each later round draws its
sets from the box the previous round's accepted sets span (within the priors), as history
matching refocuses on the not-implausible region; the last round's accepted sets are the
posterior sample and the calibrated scenario takes their medians.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, model_validator
from scipy.stats import qmc

from nsrsim import uncertainty
from nsrsim.config import (
    Block,
    ExecutionConfig,
    Range,
    load_with_base,
    set_dotted,
)
from nsrsim.runner import RunOutputs, RunSpec, plan_points, run_batch, spec_hash
from nsrsim.validate import PATTERN_BY_NAME, PATTERNS, measure_patterns


class Calibration(Block):
    """A calibration: base scenario, priors, design size, replicates, acceptance, execution."""

    name: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    base: str = Field(..., description="scenario file (relative to the calibration file)")
    parameters: dict[str, Range | None] = Field(
        ..., min_length=1, description="dotted path -> prior {min, max, scale} (empty: declared)"
    )
    samples: int = Field(64, ge=2, le=100_000, description="parameter sets drawn per round")
    rounds: int = Field(
        1, ge=1, le=10, description="rounds; each later one samples where the last accepted"
    )
    replicates: int = Field(1, ge=1, le=1000, description="runs per parameter set")
    years: int = Field(20, ge=2, le=100)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    accept: float = Field(0.1, gt=0.0, le=1.0, description="share of sets kept as posterior")
    patterns: list[str] = Field(
        default_factory=lambda: [p.name for p in PATTERNS],
        description="patterns the distance counts (default: all)",
    )
    weights: dict[str, float] = Field(
        default_factory=dict,
        description="weight of a pattern's band distance in the total (default 1 each)",
    )
    point: Literal["median", "best"] = Field(
        "median",
        description="the calibrated values: the medians of the accepted sets, or the closest set "
        "(for a ridge-shaped posterior, whose marginal medians can fall off the ridge)",
    )
    execution: ExecutionConfig = ExecutionConfig()

    @model_validator(mode="after")
    def _known_patterns(self) -> "Calibration":
        unknown = [p for p in [*self.patterns, *self.weights] if p not in PATTERN_BY_NAME]
        if unknown:
            raise ValueError(
                f"unknown pattern(s) {', '.join(unknown)}; allowed: {', '.join(PATTERN_BY_NAME)}"
            )
        negative = {k: v for k, v in self.weights.items() if not v >= 0}
        if negative:
            raise ValueError(f"weights must be >= 0, got {negative}")
        self.priors()
        return self

    def priors(self) -> dict[str, Range]:
        """Each parameter's prior, completed from its declared uncertainty."""
        return uncertainty.resolve(self.parameters, "calibration")


def load_calibration(path: Path) -> tuple[Calibration, Path]:
    """Load and validate a calibration file; returns it with its base scenario's path."""
    return load_with_base(path, Calibration, "calibration")


def design(calibration: Calibration, box: dict[str, Range] | None = None, round_: int = 0):
    """A round's parameter sets: a Latin hypercube mapped through ``box`` (default: the
    priors), indexed ``round_ x samples + i`` so that sets of all rounds have distinct ids.
    """
    box = box or calibration.priors()
    names = list(box)
    rng = np.random.default_rng([calibration.seed, round_])
    unit = qmc.LatinHypercube(d=len(names), seed=rng).random(calibration.samples)
    start = round_ * calibration.samples
    values = uncertainty.to_values(unit, box)
    values.index = pd.RangeIndex(start, start + calibration.samples, name="set")
    return values


def refocus(calibration: Calibration, accepted: pd.DataFrame) -> dict[str, Range]:
    """The next round's box: per parameter the range of the accepted sets, widened by a tenth
    of it on each side (on the prior's scale) and kept within the prior.
    """
    box = {}
    for name, prior in calibration.priors().items():
        values = accepted[name].to_numpy(float)
        scale = np.log if prior.scale == "log" else (lambda x: x)
        back = np.exp if prior.scale == "log" else (lambda x: x)
        low, high = scale(values.min()), scale(values.max())
        pad = 0.1 * (high - low) or 0.01 * (scale(prior.max) - scale(prior.min))
        low, high = max(prior.min, float(back(low - pad))), min(prior.max, float(back(high + pad)))
        if prior.scale == "integer":  # whole-number bounds, at least two values apart
            low, high = float(np.floor(low)), float(max(np.ceil(high), np.floor(low) + 1))
        box[name] = Range(min=low, max=high, scale=prior.scale)
    return box


def digest(calibration: Calibration, base: Path) -> str:
    """The calibration's identity (its file and the resolved base), for resuming."""
    return spec_hash("calibration", calibration, base)


def about(calibration: Calibration, base: Path) -> dict[str, Any]:
    """What a calibration's manifest records about it."""
    return {"calibration": calibration.model_dump(mode="json"), "base": str(base)}


OUTPUTS = {"indicators": ["output_eur"], "years": [], "measures": (measure_patterns,)}


def plan(calibration: Calibration, base: Path, sets: pd.DataFrame) -> list[RunSpec]:
    """Every run (set x replicate) of ``sets``, each validated before anything runs."""
    return plan_points(
        base,
        sets,
        calibration.replicates,
        calibration.seed,
        "calibration",
        years=calibration.years,
    )


def band_distance(value: float, low: float, high: float) -> float:
    """0 inside [low, high]; outside, the distance to the band in units of its width."""
    if not np.isfinite(value):
        return np.inf
    width = high - low
    return float(max(low - value, value - high, 0.0) / width)


def distances(
    runs: pd.DataFrame, names: list[str], weights: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per parameter set: each pattern's mean over replicates and its band distance, and the
    total distance (root of the summed squares of the weighted distances).
    """
    weights = weights or {}
    means = runs.groupby("point")[[f"pattern:{n}" for n in names]].mean()
    table = pd.DataFrame(index=means.index)
    total = np.zeros(len(means))
    for name in names:
        pattern = PATTERN_BY_NAME[name]
        value = means[f"pattern:{name}"]
        table[name] = value
        gap = value.map(lambda v, p=pattern: band_distance(v, p.low, p.high))
        table[f"{name}_distance"] = gap
        total += (weights.get(name, 1.0) * gap.to_numpy()) ** 2
    table["distance"] = np.sqrt(total)
    return table


def posterior(sets: pd.DataFrame, table: pd.DataFrame, accept: float) -> pd.DataFrame:
    """The accepted sets: the closest ``accept`` share (at least one), closest first."""
    joined = sets.join(table, how="inner").sort_values("distance", kind="stable")
    keep = max(1, round(accept * len(joined)))
    return joined.head(keep)


@dataclass(frozen=True)
class CalibrationRun:
    """Every set of every round with its pattern distances (``sets``), the last round's
    accepted sets, how many sets the last round had, and how many runs failed.
    """

    sets: pd.DataFrame
    accepted: pd.DataFrame
    last_round: int
    failed: int


def run(
    calibration: Calibration,
    base: Path,
    out: Path,
    execution: dict[str, Any],
    log: Callable[[str], None],
) -> CalibrationRun:
    """The rounds of ABC rejection with refocusing: each round's sets through the batch runner
    (resumable in ``out``), scored by their distance to the patterns' bands; the next round
    samples the box the accepted sets span.
    """
    outputs = RunOutputs.of(OUTPUTS)
    rounds, failed, box = [], 0, None
    for round_ in range(calibration.rounds):
        sets = design(calibration, box, round_)
        runs = plan(calibration, base, sets)  # validated before any run of the round
        counts = run_batch(
            runs,
            out,
            calibration.name,
            digest(calibration, base),
            about(calibration, base),
            outputs,
            **execution,
        )
        failed += counts["failed"]
        done = pd.read_parquet(out / "runs.parquet")
        table = distances(
            done[done["point"].isin(sets.index)], calibration.patterns, calibration.weights
        )
        accepted = posterior(sets, table, calibration.accept)
        rounds.append(sets.join(table, how="left").assign(round=round_))
        box = refocus(calibration, accepted)
        log(
            f"round {round_ + 1} of {calibration.rounds}: {len(accepted)} of {len(table)} sets "
            f"accepted (distance <= {accepted['distance'].max():.3g}; best "
            f"{accepted['distance'].min():.3g})"
        )
    return CalibrationRun(pd.concat(rounds), accepted, len(table), failed)


def calibrated_scenario(
    base: Path, accepted: pd.DataFrame, names: list[str], name: str, point: str = "median"
) -> dict[str, Any]:
    """A scenario that extends the base with the posterior medians, or with the closest
    accepted set (``point="best"``; ``accepted`` is sorted closest first).
    """
    data: dict[str, Any] = {"extends": str(base), "name": name}
    for dotted in names:
        value = accepted[dotted].median() if point == "median" else accepted[dotted].iloc[0]
        data = set_dotted(data, dotted, float(value))
    return data


def write_calibrated(path: Path, data: dict[str, Any], about: str) -> Path:
    """The calibrated scenario as YAML with a comment that says where it came from."""
    text = "".join(f"# {line}\n" for line in about.splitlines()) + yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True
    )
    path.write_text(text, encoding="utf-8")
    return path
