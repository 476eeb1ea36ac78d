"""The studies behind the commands, each in the :class:`~nsrsim.study.Study` shape (plan,
execute, analyse, write, summary): compare, validate, calibrate, sa and analyse (a sweep is
:class:`nsrsim.sweep.Sweep`). Each wraps its module's functions (the plan and the tables)
and its figures; a command only builds one and hands it to :func:`~nsrsim.study.run_study`.
"""

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, override

import numpy as np
import pandas as pd

from nsrsim import calibrate, compare, sa, validate
from nsrsim.analyses import output as analyses_output
from nsrsim.analyses import pipeline
from nsrsim.calibrate import Calibration, CalibrationRun
from nsrsim.config import Scenario
from nsrsim.plots.compare import comparison_figures
from nsrsim.plots.sa import convergence_figure, s2_figures, sa_figures
from nsrsim.plots.validate import posterior_figure, validation_figures
from nsrsim.runner import RunOutputs
from nsrsim.study import Batch, Study, runs_table

POWER_INDICATORS = [
    "output_eur",
    "innovations",
    "employment",
    "transnational_partners",
    "productivity_eur",
]


# ------------------------------------------------------------------------------ compare
@dataclass(frozen=True)
class Comparison:
    """A comparison's tables: effects, their persistence, and each arm's runs."""

    effects: pd.DataFrame
    persistence: pd.DataFrame
    per_label: dict[str, pd.DataFrame]


@dataclass(frozen=True)
class Compare(Study[Comparison]):
    """Scenarios run with common random numbers; their effects against the first."""

    paths: list[Path]
    replicates: int
    years: int
    seed: int
    doses: list[float]
    power: float | None = None
    consequence = "no effects computed"

    @cached_property
    def layout(self) -> compare.Comparison:
        """The arms (scenario x dose) and their runs."""
        return compare.plan(self.paths, self.replicates, self.years, self.seed, self.doses)

    @override
    def plan(self) -> Batch:
        about = {
            "scenarios": {arm.label: str(arm.path) for arm in self.layout.arms},
            "resolved": {arm.label: arm.scenario for arm in self.layout.arms},
            "doses": self.doses,
            "replicates": self.replicates,
            "years": self.years,
            "seed": self.seed,
        }
        outputs = RunOutputs.of(compare.outputs(self.years))
        return Batch("compare", self.layout.runs, self.layout.digest, about, outputs)

    @override
    def analyse(self, out: Path) -> Comparison:
        runs = runs_table(out)
        table = compare.effects(self.layout, runs, out, self.years, self.power)
        return Comparison(
            table,
            compare.persistence(self.layout, table, self.years),
            compare.per_label(self.layout, runs),
        )

    @override
    def write(self, result: Comparison, out: Path) -> None:
        result.effects.to_csv(out / "effects.csv", index=False)
        result.persistence.to_csv(out / "persistence.csv", index=False)
        comparison_figures(result.per_label, result.effects, self.layout.arms, out / "figures")

    @override
    def summary(self, result: Comparison, out: Path) -> str:
        text = compare.summary_table(self.layout, result.effects, self.years)
        if self.power is not None:
            text += "\n" + self._power_lines(result.effects)
        return (
            f"{text}\n\nResults in {out}/ (effects.csv, persistence.csv, runs.parquet, panel/, "
            "participants/, manifest.json, figures/)"
        )

    def _power_lines(self, table: pd.DataFrame) -> str:
        final = table[
            (table["year"] == self.years)
            & table["level"].isin(["corridor", "participants"])
            & table["indicator"].isin(POWER_INDICATORS)
        ]
        lines = [
            f"\nReplicates needed to detect a {100 * self.power:g} % effect (80 % power, 5 %):"  # type: ignore[operator]
        ]
        for row in final.itertuples():
            lines.append(
                f"  {row.scenario:<32}{row.level:<14}{row.indicator:<26}"
                f"{row.replicates_needed:>10,.0f}"
            )
        return "\n".join(lines)


# ------------------------------------------------------------------------------ validate
@dataclass(frozen=True)
class Validation:
    """Each pattern's mean over the replicates against its band, and the runs behind it."""

    table: pd.DataFrame
    runs: pd.DataFrame


@dataclass(frozen=True)
class Validate(Study[Validation]):
    """Replicates of one scenario held against the empirical patterns."""

    config: Path
    replicates: int
    years: int
    seed: int
    consequence = "no report"

    @cached_property
    def layout(self) -> compare.Comparison:
        """The scenario's replicates (a comparison of one arm)."""
        return compare.plan([self.config], self.replicates, self.years, self.seed)

    @override
    def plan(self) -> Batch:
        about = {"scenario": str(self.config), "replicates": self.replicates, "years": self.years}
        outputs = RunOutputs.of(validate.outputs(self.years))
        return Batch("validate", self.layout.runs, self.layout.digest, about, outputs)

    @override
    def analyse(self, out: Path) -> Validation:
        runs = runs_table(out)
        return Validation(validate.report(runs.rename(columns=_pattern_name)), runs)

    @override
    def write(self, result: Validation, out: Path) -> None:
        result.table.to_csv(out / "validation.csv", index=False)
        validation_figures(result.runs, out, out / "figures")

    @override
    def summary(self, result: Validation, out: Path) -> str:
        return (
            f"{validate.summary(result.table)}\n\nResults in {out}/ (validation.csv, "
            "runs.parquet, pairs/, sizes/, figures/)"
        )


def _pattern_name(column: str) -> str:
    return column.removeprefix("pattern:")


# ------------------------------------------------------------------------------ calibrate
@dataclass
class Calibrate(Study[CalibrationRun]):
    """Approximate Bayesian computation against the patterns: rounds of parameter sets,
    each round's box drawn from the sets the previous one accepted, so the batch is planned
    round by round (:meth:`plan` is the first round's).
    """

    calibration: Calibration
    base: Path
    source: Path  # the calibration file, named in the calibrated scenario's comment
    partial_ok = True  # failed runs count as infinitely far: the rest still calibrates
    _run: CalibrationRun | None = field(default=None, init=False, repr=False)

    @override
    def plan(self) -> Batch:
        sets = calibrate.design(self.calibration, None, 0)
        return Batch(
            self.calibration.name,
            calibrate.plan(self.calibration, self.base, sets),
            calibrate.digest(self.calibration, self.base),
            calibrate.about(self.calibration, self.base),
            RunOutputs.of(calibrate.OUTPUTS),
        )

    @override
    def execute(self, out: Path, execution: dict[str, Any]) -> dict[str, int]:
        self._run = calibrate.run(self.calibration, self.base, out, execution, execution["log"])
        return {"failed": self._run.failed}

    @override
    def analyse(self, out: Path) -> CalibrationRun:
        assert self._run is not None, "execute() runs the rounds before the analysis"
        return self._run

    @override
    def write(self, result: CalibrationRun, out: Path) -> None:
        c = self.calibration
        result.sets.to_csv(out / "sets.csv", index_label="set")
        result.accepted.to_csv(out / "accepted.csv", index_label="set")
        posterior_figure(result.sets, result.accepted, c, out / "figures" / "posterior.png")
        calibrate.write_calibrated(
            out / "calibrated.yaml",
            calibrate.calibrated_scenario(
                self.base, result.accepted, list(c.parameters), f"{c.name}_calibrated", c.point
            ),
            f"{'Posterior medians' if c.point == 'median' else 'The closest set'} of "
            f"'nsrsim calibrate {self.source}': of the closest "
            f"{len(result.accepted)} of {result.last_round} parameter sets of round {c.rounds} "
            f"({c.replicates} replicates each, {c.years} years) to the "
            "validation patterns' bands.",
        )

    @override
    def summary(self, result: CalibrationRun, out: Path) -> str:
        accepted = result.accepted
        lines = ["Posterior medians [range of the accepted sets] and the closest set:"]
        for name in self.calibration.parameters:
            lines.append(
                f"  {name:<40}{accepted[name].median():>12.4g}   "
                f"[{accepted[name].min():.4g}, {accepted[name].max():.4g}]"
                f"{accepted[name].iloc[0]:>12.4g}"
            )
        lines.append(f"The calibrated scenario takes the {self.calibration.point} ('point').")
        lines.append(
            f"\nCalibrated scenario: {out / 'calibrated.yaml'}; sets.csv, accepted.csv, "
            f"figures/ in {out}/"
        )
        return "\n".join(lines)


# ------------------------------------------------------------------------------ sa
@dataclass(frozen=True)
class Indices:
    """A sensitivity analysis's samples, indices, second-order pairs and convergence."""

    samples: pd.DataFrame
    table: pd.DataFrame
    pairs: pd.DataFrame
    steps: pd.DataFrame | None


@dataclass(frozen=True)
class SensitivityAnalysis(Study[Indices]):
    """Morris or Sobol over the declared ranges (of one scenario or of a paired effect)."""

    spec: sa.SAExperiment
    base: Path
    policy: Path | None
    convergence: bool = False
    consequence = "no indices"

    @cached_property
    def layout(self) -> tuple[np.ndarray, pd.DataFrame, list, str]:
        """Unit sample, parameter values, runs and digest."""
        return sa.plan(self.spec, self.base, self.policy)

    @override
    def plan(self) -> Batch:
        _, _, runs, digest = self.layout
        about = {
            "sa": self.spec.model_dump(mode="json"),
            "base": str(self.base),
            "scenario": str(self.policy or ""),
        }
        return Batch(self.spec.name, runs, digest, about, RunOutputs.of(sa.outputs_spec(self.spec)))

    @override
    def analyse(self, out: Path) -> Indices:
        unit, values, runs, _ = self.layout
        names = [f"unit:{n}" for n in self.spec.ranges()]
        samples = values.join(pd.DataFrame(unit, columns=names))
        done = sa.by_point(runs, runs_table(out))
        table, pairs = sa.indices(self.spec, unit, done)
        steps = sa.convergence_table(self.spec, unit, done) if self.convergence else None
        return Indices(samples, table, pairs, steps)

    @override
    def write(self, result: Indices, out: Path) -> None:
        result.samples.to_parquet(out / "samples.parquet")
        result.table.to_csv(out / "indices.csv", index=False)
        if result.steps is not None:
            result.steps.to_csv(out / "convergence.csv", index=False)
            convergence_figure(result.steps, out / "figures" / "convergence.png")
        if not result.pairs.empty:
            result.pairs.to_csv(out / "S2.csv", index=False)
            s2_figures(result.pairs, out / "figures")
        sa_figures(result.table, out / "figures")

    @override
    def summary(self, result: Indices, out: Path) -> str:
        key = "mu_star" if self.spec.method == "morris" else "ST"
        lines = []
        for output, rows in result.table.groupby("output", sort=False):
            noise = rows["noise_share"].iloc[0]
            lines.append(
                f"\n{output}: replicate noise "
                + ("not measured (1 replicate)" if np.isnan(noise) else f"{100 * noise:.0f} %")
                + " of the variance"
            )
            for row in rows.sort_values(key, ascending=False).itertuples():
                conf = getattr(row, f"{key}_conf")
                lines.append(f"  {row.parameter:<40}{key} {getattr(row, key):>9.3g} +- {conf:.2g}")
        lines.append(f"\nResults in {out}/ (indices.csv, samples.parquet, runs.parquet, figures/)")
        return "\n".join(lines)


# ------------------------------------------------------------------------------ analyse
@dataclass(frozen=True)
class Analyse(Study[pipeline.Tables]):
    """The project idea's analyses: innovation gap, S3 linkages, cluster partnerships."""

    scenario: Scenario
    config: Path
    replicates: int
    top: int
    budget_eur: float | None
    beyond_interreg: bool
    consequence = "no analyses"

    @cached_property
    def layout(self) -> pipeline.Plan:
        """The screened partnerships (on the replicates' starting states) and every run."""
        return pipeline.make_plan(
            self.scenario, self.replicates, self.top, self.budget_eur, self.beyond_interreg
        )

    @override
    def plan(self) -> Batch:
        about = {
            "analyse": {
                "replicates": self.replicates,
                "top": self.top,
                "budget": self.layout.budget_eur,
                "beyond_interreg": self.beyond_interreg,
            },
            "config": str(self.config),
            "scenario": self.scenario.model_dump(mode="json"),
        }
        return Batch(
            f"analyse {self.scenario.name}",
            self.layout.runs,
            self.layout.digest,
            about,
            RunOutputs.of(pipeline.outputs(self.layout.years)),
        )

    @override
    def analyse(self, out: Path) -> pipeline.Tables:
        return pipeline.assemble(self.layout, out)

    @override
    def write(self, result: pipeline.Tables, out: Path) -> None:
        analyses_output.write(self.layout, result, out)

    @override
    def summary(self, result: pipeline.Tables, out: Path) -> str:
        return (
            f"{analyses_output.summary(self.layout, result)}\nResults in {out}/ "
            "(innovation_gap_*.csv, s3_linkages.csv, cluster_screening.csv, "
            "cluster_partnerships.csv, figures/)"
        )
