"""Scenario comparison with common random numbers: paired differences against a base.

Replicate ``r`` of every scenario runs with the same seed, so a difference between scenarios
is the policy's effect on the same simulated world, not noise between worlds; a scenario
compared with itself differs by exactly zero. Effects are the mean paired difference with a
95 % confidence interval from the t distribution of the paired differences.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from nsrsim.config import Scenario, format_validation_error, resolve_raw, set_dotted
from nsrsim.errors import ConfigError
from nsrsim.indicators import OUTCOMES
from nsrsim.runner import RunSpec, replicate_seed, run_id


@dataclass(frozen=True)
class Comparison:
    """The runs of a comparison and which (scenario label, replicate) each stands for."""

    labels: list[str]
    runs: list[RunSpec]  # unique runs (a scenario listed twice shares its runs)
    cells: pd.DataFrame  # label, replicate, run_id
    digest: str


def plan(paths: list[Path], replicates: int, years: int, seed: int) -> Comparison:
    """Resolve each scenario file (with ``years``) and lay out its replicates' runs."""
    labels, runs, cells = [], {}, []
    for index, path in enumerate(paths):
        data = set_dotted(resolve_raw(path), "run.years", years)
        try:
            scenario = Scenario.model_validate(data).model_dump(mode="json")
        except Exception as exc:  # pydantic ValidationError: name the file and field
            if not hasattr(exc, "errors"):
                raise
            raise ConfigError(format_validation_error(exc, str(path), Scenario)) from None
        label = scenario["name"]
        while label in labels:
            label = f"{label}#{index + 1}"
        labels.append(label)
        for replicate in range(replicates):
            run_seed = replicate_seed(seed, replicate)
            scenario["run"]["seed"] = run_seed
            rid = run_id(scenario, run_seed)
            runs.setdefault(
                rid,
                RunSpec(
                    rid,
                    index,
                    replicate,
                    run_seed,
                    {"scenario": label},
                    json.loads(json.dumps(scenario)),
                ),
            )
            cells.append({"label": label, "replicate": replicate, "run_id": rid})
    text = json.dumps([r.run_id for r in runs.values()], sort_keys=True)
    return Comparison(
        labels,
        list(runs.values()),
        pd.DataFrame(cells),
        hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def outcome_columns(runs: pd.DataFrame) -> list[tuple[str, int, str]]:
    """(indicator, year, column) of every corridor-wide output column."""
    found = []
    for column in runs.columns:
        parts = column.split("@")
        if len(parts) == 2 and parts[1].isdigit():
            found.append((parts[0], int(parts[1]), column))
    return found


def per_label(comparison: Comparison, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (scenario label, replicate) with that run's outputs."""
    return comparison.cells.merge(runs, on="run_id", how="left", suffixes=("", "_run"))


def effects(comparison: Comparison, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean paired difference of every alternative against the first scenario, with its 95 %
    confidence interval and the relative effect, per indicator and year.
    """
    table = per_label(comparison, runs)
    base_label = comparison.labels[0]
    base = table[table["label"] == base_label].set_index("replicate")
    rows = []
    for label in comparison.labels[1:]:
        alt = table[table["label"] == label].set_index("replicate")
        for indicator, year, column in outcome_columns(runs):
            diff = (alt[column] - base[column]).dropna().to_numpy(float)
            n = len(diff)
            mean = float(diff.mean()) if n else np.nan
            half = (
                float(stats.t.ppf(0.975, n - 1) * diff.std(ddof=1) / np.sqrt(n))
                if n > 1
                else np.nan
            )
            base_mean = float(base[column].mean())
            rows.append(
                {
                    "scenario": label,
                    "indicator": indicator,
                    "year": year,
                    "n": n,
                    "base_mean": base_mean,
                    "alt_mean": float(alt[column].mean()),
                    "mean_difference": mean,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                    "relative_effect": mean / base_mean if base_mean else np.nan,
                }
            )
    return pd.DataFrame(rows)


SUMMARY = (
    ("output_eur", "relative"),
    ("innovations", "relative"),
    ("theil_gdp_per_head", "absolute"),
    ("transnational_share", "absolute"),
    ("innovation_outside_hotspots", "absolute"),
)


def summary_table(table: pd.DataFrame, base_label: str, final_year: int) -> str:
    """Plain-language summary: per alternative, the final-year effects with 95 % CIs, the
    policy money spent over the run and its cost per extra innovation.
    """
    outcomes = {o.name: o for o in OUTCOMES}
    lines = [
        f"Effects in year {final_year} against '{base_label}' (mean of the paired "
        "differences [95 % CI]):"
    ]
    for label, group in table.groupby("scenario", sort=False):
        lines.append(f"\n{label}")
        final = group[group["year"] == final_year].set_index("indicator")
        for name, kind in SUMMARY:
            row, outcome = final.loc[name], outcomes[name]
            if kind == "relative" and row["base_mean"]:
                scale, unit = 100 / row["base_mean"], " %"
            else:
                scale, unit = 1.0, ""
            better = {True: "higher is better", False: "lower is better"}.get(
                outcome.higher_is_better, ""
            )
            lines.append(
                f"  {outcome.label:<40}{row['mean_difference'] * scale:>+11.4g}{unit:<3}"
                f"[{row['ci_low'] * scale:+.3g}, {row['ci_high'] * scale:+.3g}]"
                f"  {better}"
            )
        spent = group[(group["indicator"] == "policy_spent_eur") & (group["year"] > 0)]
        money = float(spent["alt_mean"].sum())
        extra = group[(group["indicator"] == "innovations") & (group["year"] > 0)]
        gained = float(extra["mean_difference"].sum())
        cost = (
            f"{money / gained:,.0f} EUR per extra innovation"
            if gained > 0 and money > 0
            else "no cost per extra innovation (no extra innovations or no money)"
        )
        lines.append(
            f"  policy money spent over {final_year} years: {money / 1e6:.2f} M EUR; "
            f"{gained:+,.0f} innovations in total; {cost}"
        )
    return "\n".join(lines)
