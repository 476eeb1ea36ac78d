"""Figures of a scenario comparison: effects on participants, dose responses, trajectories
with their replicate bands, effect sizes and the competitiveness-cohesion trade-off.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nsrsim.columns import outputs
from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.plots.style import AXIS_SCALES, PALETTE
from nsrsim.stats import half_width

TRAJECTORIES = (
    "output_eur",
    "innovations",
    "theil_gdp_per_head",
    "cross_border_share",
    "transnational_firm_share",
    "innovation_outside_hotspots",
)


def comparison_figures(
    by_label: pd.DataFrame, effects: pd.DataFrame, arms: list, out_dir: Path
) -> list[Path]:
    """Trajectories with 95 % bands, corridor effects with CIs at years 5/10/20, effects on
    participants over time, the competitiveness-cohesion trade-off, and (with several doses)
    the dose-response of every alternative.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = [arm.label for arm in arms]
    corridor = effects[effects["level"] == "corridor"]
    figures = [
        _trajectories(by_label, labels, out_dir / "trajectories.png"),
        _effect_sizes(corridor, labels, out_dir / "effects.png"),
        _trade_off(corridor, labels, out_dir / "trade_off.png"),
    ]
    participants = effects[effects["level"] == "participants"]
    if len(participants):
        figures.append(_participants(participants, labels, out_dir / "participants.png"))
    if len({arm.dose for arm in arms[1:]}) > 1:
        figures.append(_dose_response(effects, arms, out_dir / "dose_response.png"))
    return figures


PARTICIPANT_PANELS = (
    ("transnational_partners", "partners beyond INTERREG A per firm"),
    ("innovations", "innovations per firm since the start"),
    ("productivity_eur", "productivity (EUR per job)"),
)


DOSE_PANELS = (
    ("participants", "transnational_partners", "participants: partners beyond INTERREG A"),
    ("participants", "innovations", "participants: innovations per firm"),
    ("corridor", "transnational_firm_share", "corridor: firms with a partner beyond INTERREG A"),
    ("corridor", "innovations", "corridor: innovations per year"),
)


def _participants(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    fig = Figure(figsize=(14, 4.5), dpi=110)
    axes = fig.subplots(1, len(PARTICIPANT_PANELS))
    for ax, (name, title) in zip(axes, PARTICIPANT_PANELS, strict=True):
        for k, label in enumerate(labels[1:]):
            rows = effects[(effects["scenario"] == label) & (effects["indicator"] == name)]
            rows = rows.sort_values("year")
            if rows.empty:
                continue
            colour = PALETTE[(k + 1) % len(PALETTE)]
            ax.plot(rows["year"], rows["mean_difference"], color=colour, label=label)
            ax.fill_between(rows["year"], rows["ci_low"], rows["ci_high"], color=colour, alpha=0.2)
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("simulated year", fontsize=8)
        ax.set_ylabel("difference per real firm", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(
        f"Effects on participants against the same firms in '{labels[0]}' (95 % CI)", fontsize=12
    )
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(out)
    return out


def _dose_response(effects: pd.DataFrame, arms: list, out: Path) -> Path:
    final = int(effects["year"].max())
    fig = Figure(figsize=(14, 4.5), dpi=110)
    axes = fig.subplots(1, len(DOSE_PANELS))
    groups: dict[str, list] = {}
    for arm in arms[1:]:
        groups.setdefault(str(arm.path), []).append(arm)
    for ax, (level, name, title) in zip(axes, DOSE_PANELS, strict=True):
        for k, (path, members) in enumerate(groups.items()):
            points = []
            for arm in sorted(members, key=lambda a: a.dose):
                row = effects[
                    (effects["scenario"] == arm.label)
                    & (effects["level"] == level)
                    & (effects["indicator"] == name)
                    & (effects["year"] == final)
                ]
                if len(row):
                    r = row.iloc[0]
                    points.append((arm.dose, r["mean_difference"], r["ci_low"], r["ci_high"]))
                elif level == "participants":
                    points.append((arm.dose, 0.0, 0.0, 0.0))  # no participants at this dose
            if not points:
                continue
            dose, mean, low, high = (np.array(v) for v in zip(*points, strict=True))
            colour = PALETTE[(k + 1) % len(PALETTE)]
            ax.errorbar(
                dose,
                mean,
                yerr=[mean - low, high - mean],
                fmt="o-",
                color=colour,
                capsize=3,
                label=Path(path).stem,
            )
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("dose (x the scenario's instrument budgets)", fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Dose-response in year {final}: mean paired difference with 95 % CI", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(out)
    return out


def _trajectories(by_label: pd.DataFrame, labels: list[str], out: Path) -> Path:
    fig = Figure(figsize=(14, 8), dpi=110)
    axes = fig.subplots(2, 3).ravel()
    for ax, name in zip(axes, TRAJECTORIES, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        factor, unit = AXIS_SCALES.get(outcome.unit, (1.0, outcome.unit))
        columns = [(c.year, c.name) for c in outputs(by_label.columns, name, area=False)]
        years = np.array([y for y, _ in columns])
        for colour, label in zip(PALETTE, labels, strict=False):
            values = by_label[by_label["label"] == label][[c for _, c in columns]] / factor
            mean = values.mean().to_numpy()
            n = len(values)
            half = half_width(values.std(ddof=1).to_numpy(), n) if n > 1 else 0 * mean
            ax.plot(years, mean, color=colour, label=label, linewidth=1.6)
            ax.fill_between(years, mean - half, mean + half, color=colour, alpha=0.15)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_xlabel("simulated year", fontsize=8)
        ax.set_ylabel(unit, fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8)
    fig.suptitle("Scenarios over time: mean of the replicates with 95 % band", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out)
    return out


def _effect_sizes(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    years = [y for y in (5, 10, 20) if y in set(effects["year"])] or [int(effects["year"].max())]
    fig = Figure(figsize=(14, 8), dpi=110)
    axes = fig.subplots(2, 3).ravel()
    alternatives = labels[1:]
    for ax, name in zip(axes, TRAJECTORIES, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        relative = outcome.unit in AXIS_SCALES
        for k, label in enumerate(alternatives):
            rows = (
                effects[
                    (effects["scenario"] == label)
                    & (effects["indicator"] == name)
                    & effects["year"].isin(years)
                ]
                .set_index("year")
                .loc[years]
            )
            scale = 100 / rows["base_mean"] if relative else 1.0
            x = np.arange(len(years)) + (k - (len(alternatives) - 1) / 2) * 0.8 / max(
                len(alternatives), 1
            )
            mean = rows["mean_difference"] * scale
            err = np.vstack([mean - rows["ci_low"] * scale, rows["ci_high"] * scale - mean])
            ax.errorbar(
                x,
                mean,
                yerr=err,
                fmt="o",
                color=PALETTE[(k + 1) % len(PALETTE)],
                label=label,
                capsize=3,
            )
        ax.axhline(0, color="#333333", linewidth=0.8)
        ax.set_xticks(range(len(years)), [f"year {y}" for y in years], fontsize=8)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_ylabel("% vs base" if relative else f"difference ({outcome.unit})", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Effects against '{labels[0]}': mean paired difference with 95 % CI", fontsize=12)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.savefig(out)
    return out


def _trade_off(effects: pd.DataFrame, labels: list[str], out: Path) -> Path:
    final = int(effects["year"].max())
    fig = Figure(figsize=(8, 6.5), dpi=110)
    ax = fig.subplots()
    for k, label in enumerate(labels[1:]):
        rows = effects[(effects["scenario"] == label) & (effects["year"] == final)].set_index(
            "indicator"
        )
        out_row, theil = rows.loc["output_eur"], rows.loc["theil_gdp_per_head"]
        x = 100 * out_row["mean_difference"] / out_row["base_mean"]
        xerr = 100 * (out_row["ci_high"] - out_row["ci_low"]) / 2 / out_row["base_mean"]
        y = -theil["mean_difference"]  # up = more cohesion
        yerr = (theil["ci_high"] - theil["ci_low"]) / 2
        ax.errorbar(
            [x],
            [y],
            xerr=[xerr],
            yerr=[yerr],
            fmt="o",
            capsize=4,
            color=PALETTE[(k + 1) % len(PALETTE)],
            label=label,
        )
        ax.annotate(label, (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel(f"competitiveness: output in year {final}, % vs '{labels[0]}'")
    ax.set_ylabel("cohesion: fall in the Theil index of GDP per head")
    ax.set_title("Competitiveness vs cohesion (95 % CI crosses)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out)
    return out
