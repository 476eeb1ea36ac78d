"""Figures of the analyses: the innovation gap (map and observed beside simulated), the
smart-specialisation linkage matrix and the screened against the simulated partnerships.
Figures read the analyses' tables, never a model.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from nsrsim.plots.run import innovation_map
from nsrsim.world.world import World

HOT = "#d7301f"
REST = "#4a6fa5"
CATEGORY_COLOURS = {"experienced": "#4a6fa5", "pioneering": "#e08214"}


def gap_map(world: World, base_regions: pd.DataFrame, out: Path) -> Path:
    """Simulated innovations per 1,000 jobs per region (mean over replicates) on the map."""
    return innovation_map(
        world,
        base_regions,
        out,
        "Simulated innovations per 1,000 jobs and year (baseline, mean over replicates)",
    )


def gap_bars(regions: pd.DataFrame, out: Path) -> Path:
    """Observed RIS index beside simulated innovations per 1,000 jobs (95 % CI), per region,
    hot-spots in red.
    """
    table = regions.sort_values("innovations_per_1000_jobs", ascending=True)
    colours = [HOT if h else REST for h in table["hotspot"]]
    fig = Figure(figsize=(11, 0.38 * len(table) + 1.8), dpi=110)
    left, right = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(table))
    left.barh(y, table["ris_2019_rii"].fillna(0.0), color=colours)
    for k, value in enumerate(table["ris_2019_rii"]):
        if np.isnan(value):
            left.annotate("no RIS score", (1, k), va="center", fontsize=8, color="grey")
    left.set_yticks(y, [f"{r} {n}" for r, n in zip(table["region"], table["name"], strict=True)])
    left.set_xlabel("Regional Innovation Index 2019 (EU 2011 = 100), observed")
    mean = table["innovations_per_1000_jobs"].to_numpy()
    error = np.vstack([mean - table["ci_low"], table["ci_high"] - mean])
    right.barh(y, mean, xerr=error, color=colours, capsize=2)
    right.set_xlabel("innovations per 1,000 jobs and year, simulated (95 % CI)")
    fig.suptitle("Innovation outside the hot-spots (red: the three largest economies)")
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    return out


def linkage_matrix(pairs: pd.DataFrame, codes: list[str], out: Path, top: int = 5) -> Path:
    """Priority overlap of every region pair (colour), today's cooperation (number: links per
    1,000 firms), INTERREG A ties (dot) and the ``top`` pairs with potential beyond INTERREG A
    (black frame).
    """
    n = len(codes)
    at = {c: k for k, c in enumerate(codes)}
    overlap = np.full((n, n), np.nan)
    fig = Figure(figsize=(11, 10), dpi=110)
    ax = fig.subplots()
    for row in pairs.itertuples():
        i, j = at[row.region_a], at[row.region_b]
        overlap[i, j] = overlap[j, i] = row.overlap
    shown = ax.imshow(overlap, cmap="Greens", vmin=0)
    for row in pairs.itertuples():
        i, j = at[row.region_a], at[row.region_b]
        for x, y in ((i, j), (j, i)):
            ax.annotate(
                f"{row.links_per_1000_firms:.2g}"
                if row.links_per_1000_firms < 10
                else f"{row.links_per_1000_firms:.0f}",
                (x, y),
                ha="center",
                va="center",
                fontsize=6.5,
                color="white" if row.overlap > 2 else "black",  # readable on dark green
            )
            if row.interreg_a_tie:
                ax.plot(x + 0.32, y - 0.32, "o", ms=3, color="#555555")
            if row.potential_rank <= top:
                ax.add_patch(Rectangle((x - 0.5, y - 0.5), 1, 1, fill=False, lw=2, ec="black"))
    ax.set_xticks(range(n), codes, rotation=90)
    ax.set_yticks(range(n), codes)
    bar = fig.colorbar(shown, ax=ax, shrink=0.7)
    bar.set_label("shared + related-weighted complementary priority sectors")
    ax.set_title(
        "Smart-specialisation linkages: overlap (colour), baseline links per 1,000 firms "
        f"(number),\nINTERREG A tie (dot), top {top} potentials beyond INTERREG A (frame)",
        fontsize=10,
    )
    fig.savefig(out, bbox_inches="tight")
    return out


def partnership_check(simulated: pd.DataFrame, out: Path) -> Path:
    """Screening score against the simulated effect (extra innovations and links, 95 % CI)
    of each brokered partnership, by category.
    """
    fig = Figure(figsize=(12, 5), dpi=110)
    axes = fig.subplots(1, 2)
    for ax, outcome, label in zip(
        axes,
        ("innovations", "partners"),
        ("extra innovations of the members (whole run)", "extra partner relations of the members"),
        strict=True,
    ):
        for name, group in simulated.groupby("category"):
            mean = group[outcome].to_numpy()
            error = np.vstack(
                [mean - group[f"{outcome}_ci_low"], group[f"{outcome}_ci_high"] - mean]
            )
            ax.errorbar(
                group["score"],
                mean,
                yerr=error,
                fmt="o",
                capsize=3,
                color=CATEGORY_COLOURS[name],
                label=name,
            )
            for row in group.itertuples():
                ax.annotate(
                    str(row.candidate),
                    (row.score, getattr(row, outcome)),
                    xytext=(4, 4),
                    textcoords="offset points",
                    fontsize=8,
                )
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xlabel("screening score")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle(
        "Cluster partnerships: screened (x) against simulated (y), paired with the baseline"
    )
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    return out
