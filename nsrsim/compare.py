"""Scenario comparison with common random numbers: paired effects against a base, at the levels
a policy reaches — its participants, each region, urban and rural areas, the corridor.

Replicate ``r`` of every scenario runs with the same seed, and every random draw is keyed by
firm id (:mod:`nsrsim.random`), so a difference between scenarios is the policy's effect on the
same simulated world; a scenario compared with itself differs by exactly zero. Participants are
compared with the same firms in the base run (paired by firm id and seed).

Each effect is the mean paired difference over replicates with a 95 % confidence interval from
the t distribution, its p-value, Holm's correction across the outcomes of one level and year,
and its minimum detectable effect (80 % power) at the replicates used.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nsrsim.accounts import URBAN_CLASSES
from nsrsim.columns import parse
from nsrsim.config import Scenario, format_validation_error, resolve_raw, set_dotted
from nsrsim.effects import PARTICIPANT_OUTCOMES, treated_effects
from nsrsim.errors import ConfigError
from nsrsim.indicators import OUTCOMES
from nsrsim.population import sample_design
from nsrsim.runner import RunSpec, replicate_run
from nsrsim.stats import ALPHA, holm, mde, paired_stats, replicates_needed


@dataclass(frozen=True)
class Arm:
    """One scenario of a comparison: its label, file, dose and resolved scenario."""

    label: str
    path: Path
    dose: float
    scenario: dict


@dataclass(frozen=True)
class Comparison:
    """The runs of a comparison and which (arm, replicate) each stands for."""

    arms: list[Arm]
    runs: list[RunSpec]  # unique runs (a scenario listed twice shares its runs)
    cells: pd.DataFrame  # label, dose, replicate, run_id
    digest: str

    @property
    def labels(self) -> list[str]:
        """Arm labels, the base first."""
        return [arm.label for arm in self.arms]


def _resolve(path: Path, years: int) -> dict:
    data = set_dotted(resolve_raw(path), "run.years", years)
    try:
        scenario = Scenario.model_validate(data)
    except Exception as exc:  # pydantic ValidationError: name the file and field
        if not hasattr(exc, "errors"):
            raise
        raise ConfigError(format_validation_error(exc, str(path), Scenario)) from None
    try:
        sample_design(scenario)  # a sample n_firms cannot hold fails before any run
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return scenario.model_dump(mode="json")


def scaled(scenario: dict, dose: float) -> dict:
    """The scenario with its own instruments' budgets (``policies``) times ``dose``; today's
    programmes and the framework's budget stay as they are.
    """
    out = json.loads(json.dumps(scenario))
    for instrument in out["policies"]:
        instrument["budget_eur_per_year"] *= dose
    return out


def plan(
    paths: list[Path], replicates: int, years: int, seed: int, doses: list[float] | None = None
) -> Comparison:
    """Resolve the base and each alternative (at every dose), and lay out their runs."""
    doses = doses or [1.0]
    arms: list[Arm] = []
    base = _resolve(paths[0], years)
    arms.append(Arm(base["name"], paths[0], 1.0, base))
    for index, path in enumerate(paths[1:], start=1):
        resolved = _resolve(path, years)
        for dose in doses:
            label = resolved["name"] if doses == [1.0] else f"{resolved['name']} x{dose:g}"
            while label in [a.label for a in arms]:
                label = f"{label}#{index + 1}"
            arms.append(Arm(label, path, dose, scaled(resolved, dose)))
    _one_corridor(arms)
    runs: dict[str, RunSpec] = {}
    cells = []
    for point, arm in enumerate(arms):
        for replicate in range(replicates):
            spec = replicate_run(point, replicate, seed, arm.scenario, {"scenario": arm.label})
            runs.setdefault(spec.run_id, spec)
            cells.append(
                {
                    "label": arm.label,
                    "dose": arm.dose,
                    "replicate": replicate,
                    "run_id": spec.run_id,
                }
            )
    text = json.dumps([r.run_id for r in runs.values()], sort_keys=True)
    return Comparison(
        arms,
        list(runs.values()),
        pd.DataFrame(cells),
        hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def _one_corridor(arms: list[Arm]) -> None:
    """Refuse to compare scenarios of different corridors (regions, grid, firm sample): their
    difference would be the map, not the policy. Transport projects may differ (a policy).
    """
    base = arms[0].scenario

    def corridor(scenario: dict) -> tuple:
        world = scenario["world"]
        return (world["regions"], world["cell_km"], scenario["population"])

    for arm in arms[1:]:
        if corridor(arm.scenario) != corridor(base):
            raise ConfigError(
                f"'{arm.label}' ({arm.path}) models another corridor than the base "
                f"'{arms[0].label}' (world.regions, world.cell_km or the population block "
                "differ): a comparison's scenarios must share them, so that their difference "
                "is the policy. Give both the same world and population."
            )


def outputs(years: int) -> dict:
    """What each run of a comparison keeps: every indicator and year, per region and urban
    class, and the firm panel with the participants.
    """
    return {
        "indicators": [],
        "years": list(range(years + 1)),
        "regions": True,
        "urban_classes": True,
        "firm_panel": True,
    }


# ------------------------------------------------------------------------------ levels
def output_columns(runs: pd.DataFrame) -> list[tuple[str, str, int, str]]:
    """(level, indicator, year, column) of every kept output column."""
    found = []
    for name in runs.columns:
        out = parse(name)
        if out is None:
            continue
        if out.area is None:
            level = "corridor"
        else:
            level = out.area if out.area in URBAN_CLASSES else f"region:{out.area}"
        found.append((level, out.indicator, out.year, name))
    return found


def per_label(comparison: Comparison, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (arm, replicate) with that run's outputs."""
    return comparison.cells.merge(runs, on="run_id", how="left", suffixes=("", "_run"))


def aggregate_effects(comparison: Comparison, runs: pd.DataFrame) -> pd.DataFrame:
    """Effects at the corridor, region and urban-class levels."""
    table = per_label(comparison, runs)
    base = table[table["label"] == comparison.labels[0]].set_index("replicate")
    rows = []
    columns = output_columns(runs)
    for arm in comparison.arms[1:]:
        alt = table[table["label"] == arm.label].set_index("replicate")
        for level, indicator, year, column in columns:
            diff = (alt[column] - base[column]).to_numpy(float)
            rows.append(
                {
                    "scenario": arm.label,
                    "dose": arm.dose,
                    "level": level,
                    "indicator": indicator,
                    "year": year,
                    "alt_mean": float(alt[column].mean()),
                    **paired_stats(diff, base[column].to_numpy(float)),
                }
            )
    return pd.DataFrame(rows)


def participant_effects(
    comparison: Comparison, folder: Path, years: int, programmes: dict[str, set[str]]
) -> pd.DataFrame:
    """Average effect on the treated: each alternative's participants against the same firms
    in the base run (same replicate), weighted by the real firms they stand for.

    Participants are the firms an alternative's own instruments reached (not today's
    programmes, not the regions' own R&D subsidies); in indicator year t they are the firms
    reached in simulated years before t.
    """
    cells = comparison.cells
    base_label = comparison.labels[0]
    rows = []
    for arm in comparison.arms[1:]:
        per_replicate = {name: [] for name in PARTICIPANT_OUTCOMES}
        base_values = {name: [] for name in PARTICIPANT_OUTCOMES}
        reached, paid = [], []
        for replicate in sorted(cells["replicate"].unique()):
            base_id = cells[(cells["label"] == base_label) & (cells["replicate"] == replicate)]
            alt_id = cells[(cells["label"] == arm.label) & (cells["replicate"] == replicate)]
            base_run, alt_run = base_id["run_id"].iloc[0], alt_id["run_id"].iloc[0]
            treated = treated_effects(
                pd.read_parquet(folder / "participants" / f"{alt_run}.parquet"),
                pd.read_parquet(folder / "panel" / f"{alt_run}.parquet"),
                pd.read_parquet(folder / "panel" / f"{base_run}.parquet"),
                programmes[arm.label],
                years,
            )
            reached.append(treated.real_firms)
            paid.append(treated.eur)
            for name in PARTICIPANT_OUTCOMES:
                per_replicate[name].append(treated.effect[name])
                base_values[name].append(treated.level[name])
        for name in PARTICIPANT_OUTCOMES:
            diffs = np.array(per_replicate[name])
            levels = np.array(base_values[name])
            for year in range(years + 1):
                if not np.isfinite(diffs[:, year]).any():
                    continue
                result = paired_stats(diffs[:, year], levels[:, year])
                rows.append(
                    {
                        "scenario": arm.label,
                        "dose": arm.dose,
                        "level": "participants",
                        "indicator": name,
                        "year": year,
                        "alt_mean": result["base_mean"] + result["mean_difference"],
                        **result,
                        "participants_real_firms": float(np.mean(reached)),
                        "participants_eur": float(np.mean(paid)),
                    }
                )
    return pd.DataFrame(rows)


def effects(
    comparison: Comparison,
    runs: pd.DataFrame,
    folder: Path | None = None,
    years: int | None = None,
    power: float | None = None,
) -> pd.DataFrame:
    """Every effect: participants (when ``folder`` holds panels), regions, urban classes and
    the corridor; with Holm-adjusted p-values across the outcomes of one scenario, dose, level
    and year, and (with ``power``) the replicates needed to detect a relative effect of that
    size.
    """
    parts = [aggregate_effects(comparison, runs)]
    if folder is not None and (folder / "panel").exists():
        programmes = {
            arm.label: {i["name"] or i["kind"] for i in arm.scenario["programmes"]}
            for arm in comparison.arms
        }
        parts.append(participant_effects(comparison, folder, years, programmes))
    table = pd.concat([p for p in parts if len(p)], ignore_index=True)
    table["p_holm"] = np.nan
    for _, index in table.groupby(["scenario", "dose", "level", "year"]).groups.items():
        table.loc[index, "p_holm"] = holm(table.loc[index, "p_value"].to_numpy())
    table["significant"] = table["p_holm"] < ALPHA
    family = table.groupby(["scenario", "dose", "level", "year"])["p_value"].transform("count")
    table["mde"] = mde(table["sd_difference"], table["n"], family.clip(lower=1))
    if power is not None:
        table["replicates_needed"] = [
            replicates_needed(sd, power * base)
            for sd, base in zip(table["sd_difference"], table["base_mean"], strict=True)
        ]
    order = {"participants": 0, "urban": 2, "intermediate": 3, "rural": 4, "corridor": 5}
    table["_order"] = table["level"].map(lambda lv: order.get(lv, 1))
    return (
        table.sort_values(
            ["scenario", "dose", "_order", "level", "indicator", "year"], kind="stable"
        )
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def instrument_ends(scenario: dict) -> dict[str, int]:
    """Indicator year at the end of each of a scenario's own instruments and its framework."""
    ends = {
        (i["name"] or i["kind"]): i["start_year"] + i["duration_years"]
        for i in scenario["policies"]
    }
    framework = scenario["framework"]
    if framework["enabled"]:
        ends["framework"] = framework["start_year"] + framework["duration_years"]
    return ends


def participant_year(scenario: dict, years: int) -> int:
    """The year an alternative's effects on its participants are reported (by the summary and
    the brief alike): when its first own instrument ends, or the last year if none ends before.
    """
    ends = instrument_ends(scenario)
    return min(min(ends.values()) if ends else years, years)


def detectable(row: pd.Series | Any) -> bool:
    """The one rule for "detectable": the effect's Holm-corrected p-value (across the
    outcomes of its level and year) is below 5 %, so its 95 % interval excludes zero even
    after the correction. Everything that prints a verdict asks this.
    """
    value = row["significant"] if isinstance(row, pd.Series | dict) else row.significant
    return bool(value) and not pd.isna(value)


def persistence(comparison: Comparison, table: pd.DataFrame, years: int) -> pd.DataFrame:
    """Effects at the end of each instrument and 5 and 10 years after it."""
    rows = []
    for arm in comparison.arms[1:]:
        mine = table[table["scenario"] == arm.label]
        for name, end in instrument_ends(arm.scenario).items():
            for after in (0, 5, 10):
                year = end + after
                if year > years:
                    continue
                at = mine[mine["year"] == year].assign(
                    instrument=name, end_year=end, years_after_end=after
                )
                rows.append(at)
    if not rows:
        return pd.DataFrame()
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------------------------------ summary
CORRIDOR_SUMMARY = (
    ("output_eur", "relative"),
    ("innovations", "relative"),
    ("employment", "relative"),
    ("theil_gdp_per_head", "absolute"),
    ("transnational_firm_share", "absolute"),
    ("innovation_outside_hotspots", "absolute"),
)
PARTICIPANT_SUMMARY = (
    ("transnational_partners", "partners beyond INTERREG A per firm"),
    ("has_transnational_partner", "share with a partner beyond INTERREG A"),
    ("partners", "partners per firm"),
    ("innovations", "innovations per firm since the start"),
    ("productivity_eur", "productivity (EUR per job)"),
    ("survival", "share still in business"),
)


def _fmt(row: pd.Series, scale: float = 1.0, unit: str = "") -> str:
    flag = " *" if detectable(row) else ""
    detail = (
        f"{row['mean_difference'] * scale:+.3g}{unit} [{row['ci_low'] * scale:+.3g}, "
        f"{row['ci_high'] * scale:+.3g}]{flag}"
    )
    if not detectable(row):
        detail += f"  (not detectable; MDE {row['mde'] * scale:.3g}{unit})"
    return detail


def summary_table(comparison: Comparison, table: pd.DataFrame, years: int) -> str:
    """Plain-language summary, leading with participants, then regions, then the corridor;
    '*' marks effects whose Holm-corrected p-value is below 5 %.
    """
    base = comparison.labels[0]
    outcomes = {o.name: o for o in OUTCOMES}
    lines = [
        f"Effects against '{base}' (mean of the paired differences [95 % CI]; * = detectable "
        "after Holm's correction across the outcomes of a level and year; MDE = the smallest "
        "effect these replicates detect with 80 % power after that correction)."
    ]
    for arm in comparison.arms[1:]:
        mine = table[table["scenario"] == arm.label]
        lines.append(f"\n== {arm.label} ==")
        ends = instrument_ends(arm.scenario)
        at = participant_year(arm.scenario, years)
        part = mine[(mine["level"] == "participants") & (mine["year"] == at)].set_index("indicator")
        if len(part):
            firms = part["participants_real_firms"].iloc[0]
            lines.append(
                f"Participants ({firms:,.0f} real firms reached by its own instruments), "
                f"year {at} (end of its first instrument), against the same firms without it:"
            )
            for name, text in PARTICIPANT_SUMMARY:
                if name in part.index:
                    lines.append(f"  {text:<50}{_fmt(part.loc[name])}")
        else:
            lines.append("Participants: none (its own instruments reach no firm).")
        final = mine[mine["year"] == years]
        regional = final[
            final["level"].str.startswith("region:") & (final["indicator"] == "output_eur")
        ]
        detected = regional[regional["significant"]]
        lines.append(
            f"Regions, year {years}: output changes detectably in {len(detected)} of "
            f"{len(regional)} regions"
            + (
                ": "
                + ", ".join(
                    f"{r.level.split(':')[1]} {100 * r.relative_effect:+.2g} %"
                    for r in detected.sort_values("relative_effect").itertuples()
                )
                if len(detected)
                else ""
            )
            + "."
        )
        for level in ("urban", "rural"):
            row = final[(final["level"] == level) & (final["indicator"] == "output_eur")]
            if len(row):
                r = row.iloc[0]
                lines.append(f"  {level + ' output':<50}{_fmt(r, 100 / r['base_mean'], ' %')}")
        lines.append(f"Corridor, year {years}:")
        corridor = final[final["level"] == "corridor"].set_index("indicator")
        for name, kind in CORRIDOR_SUMMARY:
            if name not in corridor.index:
                continue
            row = corridor.loc[name]
            scale, unit = (100 / row["base_mean"], " %") if kind == "relative" else (1.0, "")
            lines.append(f"  {outcomes[name].label:<50}{_fmt(row, scale, unit)}")
        lines.extend(_persistence_lines(mine, ends, years))
        lines.extend(_money_lines(mine, ends, years))
    return "\n".join(lines)


PERSISTENCE = (
    ("participants", "transnational_partners", "participants' partners beyond INTERREG A"),
    ("corridor", "transnational_firm_share", "targeted firms with a partner beyond INTERREG A"),
    ("corridor", "innovations", "corridor innovations a year"),
)


def _persistence_lines(mine: pd.DataFrame, ends: dict[str, int], years: int) -> list[str]:
    """Effects at the end of the scenario's longest instrument and 5 and 10 years after."""
    if not ends:
        return []
    end = max(ends.values())
    points = [end + after for after in (0, 5, 10) if end + after <= years]
    if not points:
        return []
    lines = [f"Persistence (instruments end in year {end}):"]
    for level, name, text in PERSISTENCE:
        rows = mine[(mine["level"] == level) & (mine["indicator"] == name)].set_index("year")
        cells = [
            f"y{year} {rows.loc[year, 'mean_difference']:+.3g}"
            + (" *" if detectable(rows.loc[year]) else "")
            for year in points
            if year in rows.index
        ]
        if cells:
            lines.append(f"  {text:<50}" + "   ".join(cells))
    return lines


def _money_lines(mine: pd.DataFrame, ends: dict[str, int], years: int) -> list[str]:
    """Extra policy money and the cost per extra unit where the effect is detectable: per
    extra partner beyond INTERREG A among participants (the money their instruments spent) at
    the end of the instruments, per extra corridor innovation (all extra money) at the end.
    """
    corridor = mine[mine["level"] == "corridor"]
    spent = corridor[(corridor["indicator"] == "policy_spent_eur") & (corridor["year"] > 0)]
    money = float(spent["mean_difference"].sum())
    lines = [f"Extra policy money over {years} years: {money / 1e6:.2f} M EUR."]
    at = min(max(ends.values()), years) if ends else years
    part = mine[(mine["level"] == "participants") & (mine["year"] == at)].set_index("indicator")
    if "transnational_partners" in part.index:
        row = part.loc["transnational_partners"]
        gained = row["mean_difference"] * row["participants_real_firms"]
        if detectable(row) and gained > 0:
            lines.append(
                f"  {row['participants_eur'] / gained:,.0f} EUR of its instruments' money per "
                f"extra partner beyond INTERREG A among participants (year {at})"
            )
        else:
            lines.append(f"  per extra partner beyond INTERREG A (year {at}): no detectable effect")
    if money > 0:
        innov = corridor[(corridor["indicator"] == "innovations") & (corridor["year"] == years)]
        if len(innov) and detectable(innov.iloc[0]) and innov.iloc[0]["mean_difference"] > 0:
            lines.append(
                f"  {money / years / innov.iloc[0]['mean_difference']:,.0f} EUR per extra "
                f"innovation a year in the corridor (year {years})"
            )
        else:
            lines.append("  per extra innovation in the corridor: no detectable effect")
    return lines
