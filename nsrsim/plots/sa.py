"""Figures of a sensitivity analysis: indices, second-order interactions, convergence."""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from nsrsim.plots.style import CROSS, WITHIN


def sa_figures(table: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Per output of a sensitivity analysis: S1 and ST bars with their 95 % CIs (Sobol,
    FAST), or Morris mu* against sigma (with mu*'s CI).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for output, rows in table.groupby("output", sort=False):
        morris = "mu_star" in rows
        fig = Figure(figsize=(7.5, 6.0 if morris else 0.45 * len(rows) + 2.0), dpi=110)
        ax = fig.subplots()
        if morris:
            ax.errorbar(
                rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", color=WITHIN
            )
            for row in rows.itertuples():
                ax.annotate(
                    row.parameter, (row.mu_star, row.sigma), fontsize=7, xytext=(3, 3),
                    textcoords="offset points",
                )  # fmt: skip
            ax.set_xlabel("mu* (mean absolute elementary effect)")
            ax.set_ylabel("sigma (interactions, non-linearity)")
        else:
            y = np.arange(len(rows))
            ax.barh(y - 0.2, rows["S1"], 0.4, xerr=rows["S1_conf"], color=WITHIN, label="S1")
            ax.barh(y + 0.2, rows["ST"], 0.4, xerr=rows["ST_conf"], color=CROSS, label="ST")
            ax.set_yticks(y, rows["parameter"], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("share of output variance (95 % CI)")
            ax.legend(fontsize=8)
        noise = rows["noise_share"].iloc[0]
        note = "" if np.isnan(noise) else f"; replicate noise {100 * noise:.0f} % of variance"
        ax.set_title(f"{output} ({rows['method'].iloc[0]}{note})", fontsize=10)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        paths.append(out_dir / f"sa_{output_slug(output)}.png")
        fig.savefig(paths[-1])
    return paths


def output_slug(output: str) -> str:
    """A file-name part for an SA output (``effect:innovations@10@participants``)."""
    return output.replace(":", "_").replace("@", "_y", 1).replace("@", "_")


def s2_figures(pairs: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Per output of a Sobol analysis with second order: a heat map of the pairwise S2
    indices (upper triangle; a cell is hatched where its 95 % CI includes zero).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for output, rows in pairs.groupby("output", sort=False):
        names = list(dict.fromkeys([*rows["parameter_a"], *rows["parameter_b"]]))
        k = len(names)
        grid = np.full((k, k), np.nan)
        for row in rows.itertuples():
            grid[names.index(row.parameter_a), names.index(row.parameter_b)] = row.S2
        fig = Figure(figsize=(1.0 * k + 3.0, 0.8 * k + 2.0), dpi=110)
        ax = fig.subplots()
        limit = max(float(np.nanmax(np.abs(grid))), 1e-9)
        image = ax.imshow(grid, cmap="RdBu_r", vmin=-limit, vmax=limit)
        for row in rows.itertuples():
            i, j = names.index(row.parameter_a), names.index(row.parameter_b)
            weak = abs(row.S2) <= row.S2_conf
            ax.text(j, i, f"{row.S2:.2f}", ha="center", va="center", fontsize=7,
                    color="0.5" if weak else "black")  # fmt: skip
        ax.set_xticks(range(k), [n.split(".")[-1] for n in names], rotation=45, ha="right",
                      fontsize=8)  # fmt: skip
        ax.set_yticks(range(k), [n.split(".")[-1] for n in names], fontsize=8)
        fig.colorbar(image, ax=ax, label="S2 (grey: 95 % CI includes 0)")
        ax.set_title(f"{output}: second-order Sobol indices", fontsize=10)
        fig.tight_layout()
        paths.append(out_dir / f"s2_{output_slug(output)}.png")
        fig.savefig(paths[-1])
    return paths


def convergence_figure(table: pd.DataFrame, out: Path) -> Path:
    """Each output's index (Sobol ST, Morris mu*) against N with its 95 % CI, per parameter:
    indices that still move at the largest N need a larger sample.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    key = "mu_star" if "mu_star" in table else "ST"
    outputs = list(dict.fromkeys(table["output"]))
    fig = Figure(figsize=(6.5, 3.2 * len(outputs)), dpi=110)
    axes = np.atleast_1d(fig.subplots(len(outputs), 1))
    for ax, output in zip(axes, outputs, strict=True):
        rows = table[table["output"] == output]
        for name, line in rows.groupby("parameter", sort=False):
            ax.plot(line["n"], line[key], marker="o", label=name)
            ax.fill_between(
                line["n"], line[key] - line[f"{key}_conf"], line[key] + line[f"{key}_conf"],
                alpha=0.15,
            )  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_title(output, fontsize=9)
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("N (Saltelli blocks or Morris trajectories)")
    axes[0].legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out)
    return out
