"""The shape every study shares (sweep, compare, validate, calibrate, sa, analyse): plan a
batch, run it (resuming what a folder holds), analyse the runs, write the results, say what
they show. In the manner of EMA Workbench's evaluator: a design, one evaluator, typed
outcomes; the runner below knows no study, and a command is a few lines that build a study
and hand it to :func:`run_study`.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from nsrsim.runner import RunOutputs, RunSpec, run_batch


@dataclass(frozen=True)
class Batch:
    """What a study runs: a name, its runs, its identity (a folder holding another identity
    is refused), what the manifest records about it, and what each run keeps.
    """

    name: str
    runs: list[RunSpec]
    digest: str
    about: dict[str, Any]
    outputs: RunOutputs


class Study[Result](ABC):
    """plan -> execute -> analyse -> write -> summary. ``consequence`` is what a batch with
    failed runs does not get (a study never analyses a partial batch unless ``partial_ok``).
    """

    consequence = "no analysis"
    partial_ok = False

    @abstractmethod
    def plan(self) -> Batch:
        """The runs and what each keeps; every point validated before anything runs."""

    def execute(self, out: Path, execution: dict[str, Any]) -> dict[str, int]:
        """Run the batch into ``out`` (resuming it); counts of total, skipped, done, failed."""
        batch = self.plan()
        return run_batch(
            batch.runs, out, batch.name, batch.digest, batch.about, batch.outputs, **execution
        )

    @abstractmethod
    def analyse(self, out: Path) -> Result:
        """The study's tables from the runs in ``out``."""

    @abstractmethod
    def write(self, result: Result, out: Path) -> None:
        """Tables and figures into ``out``."""

    @abstractmethod
    def summary(self, result: Result, out: Path) -> str:
        """What the results show, as the text a command prints."""


def runs_table(out: Path) -> pd.DataFrame:
    """The runs a batch wrote to ``out``, one row each."""
    return pd.read_parquet(out / "runs.parquet")


def run_study(study: Study[Any], out: Path, execution: dict[str, Any]) -> int:
    """Execute, analyse, write and summarise ``study`` in ``out``; exit code 1 when runs
    failed (then, unless the study takes a partial batch, nothing is analysed).
    """
    counts = study.execute(out, execution)
    if counts["failed"] and not study.partial_ok:
        print(f"{counts['failed']} runs failed (see {out}/failures.parquet); {study.consequence}.")
        return 1
    result = study.analyse(out)
    study.write(result, out)
    print(study.summary(result, out))
    return 1 if counts["failed"] else 0
