"""Figures of one run: indicator time series, the final partner network over the NSR,
and a regional innovation map. Figures read result tables and the world, never a model.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.maps import (
    OTHER_LAND,
    SEA,
    choropleth,
    frame,
    graticule,
    region_labels,
    region_raster,
)
from nsrsim.plots.style import AXIS_SCALES, CROSS, PANELS, WITHIN
from nsrsim.world.projection import to_xy
from nsrsim.world.world import World


def indicator_panels(indicators: pd.DataFrame, out: Path, title: str) -> Path:
    """A grid of the main corridor-wide indicators over simulated years."""
    fig = Figure(figsize=(14, 9.5), dpi=110)
    axes = fig.subplots(3, 4).ravel()
    years = indicators["calendar_year"]
    for ax, name in zip(axes, PANELS, strict=True):
        outcome = OUTCOME_BY_NAME[name]
        factor, unit = AXIS_SCALES.get(outcome.unit, (1.0, outcome.unit))
        ax.plot(years, indicators[name] / factor, color="#1f4e79", linewidth=1.8)
        ax.set_title(outcome.label, fontsize=10)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        direction = {True: "higher is better", False: "lower is better"}.get(
            outcome.higher_is_better, ""
        )
        ax.text(
            0.02,
            0.95,
            f"{outcome.group}; {direction}".strip("; "),
            fontsize=7,
            transform=ax.transAxes,
            va="top",
            color="#666666",
        )
    fig.suptitle(title, fontsize=13)
    # fixed margins for this fixed grid: tight_layout drew every label once more to measure
    # it, half of the figure's second (a third of what `nsrsim run` spends beyond the run)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.035, top=0.905, wspace=0.34, hspace=0.3)
    fig.savefig(out)
    return out


def network_map(
    world: World, firms: pd.DataFrame, links: pd.DataFrame, out: Path, title: str
) -> Path:
    """The final partner network over the NSR; cross-border links highlighted."""
    raster, extent = region_raster(world)
    fig = Figure(figsize=(10, 11.5), dpi=110)
    ax = fig.subplots()
    image = np.where(raster >= 0, 2, raster + 2)  # 0 other land, 1 sea, 2 modelled land
    ax.imshow(
        image,
        origin="lower",
        extent=extent,
        interpolation="nearest",
        cmap=ListedColormap([OTHER_LAND, SEA, "#f3efe4"]),
        vmin=0,
        vmax=2,
    )
    graticule(ax)
    position = _firm_positions(firms, world.grid.cell_km)
    xa, ya = position.loc[links["row_a"]].to_numpy().T
    xb, yb = position.loc[links["row_b"]].to_numpy().T
    cross = links["cross_border"].to_numpy()
    segments = np.stack([np.column_stack([xa, ya]), np.column_stack([xb, yb])], axis=1)
    ax.add_collection(
        LineCollection(segments[~cross], colors=WITHIN, linewidths=0.4, alpha=0.35, zorder=2)
    )
    ax.add_collection(
        LineCollection(segments[cross], colors=CROSS, linewidths=1.0, alpha=0.8, zorder=3)
    )
    ax.scatter(position["x"], position["y"], s=1.5, color="#333333", zorder=4, linewidths=0)
    frame(ax, extent)
    ax.legend(
        handles=[
            Line2D([], [], color=WITHIN, label=f"links within a country ({(~cross).sum():,})"),
            Line2D(
                [], [], color=CROSS, linewidth=1.5, label=f"cross-border links ({cross.sum():,})"
            ),
            Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markersize=3,
                color="#333333",
                label=f"firm agents ({len(position):,})",
            ),
        ],
        loc="upper left",
        fontsize=9,
    )
    ax.set_title(title, fontsize=12)
    fig.savefig(out, bbox_inches="tight")
    return out


def innovation_map(world: World, regions: pd.DataFrame, out: Path, title: str) -> Path:
    """Innovations per 1,000 jobs and year over the run, per region."""
    run = regions[regions["year"] > 0]
    per_region = run.groupby("region").agg(
        innovations=("innovations", "sum"), jobs=("employment", "sum")
    )
    rate = (1000 * per_region["innovations"] / per_region["jobs"]).reindex(world.regions.index)
    _, extent = region_raster(world)
    fig = Figure(figsize=(10, 11.5), dpi=110)
    ax = fig.subplots()
    norm = Normalize(vmin=float(np.nanmin(rate)), vmax=float(np.nanmax(rate)))
    shown = choropleth(ax, world, rate.to_numpy(), "YlGnBu", norm)
    graticule(ax)
    region_labels(ax, world, {code: f"{code}\n{rate[code]:.1f}" for code in rate.index})
    frame(ax, extent)
    bar = fig.colorbar(shown, ax=ax, shrink=0.6, pad=0.01)
    bar.set_label("innovations per 1,000 jobs and year")
    ax.set_title(title, fontsize=12)
    fig.savefig(out, bbox_inches="tight")
    return out


def spread_in_cell(rows: np.ndarray, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """A fixed offset of each firm row within its cell (low-discrepancy in the row number), so
    firms of one cell do not sit on one point.
    """
    dx = ((rows * 0.6180339887) % 1.0 - 0.5) * cell_km * 0.9
    dy = ((rows * 0.7548776662) % 1.0 - 0.5) * cell_km * 0.9
    return dx, dy


def _firm_positions(firms: pd.DataFrame, cell_km: float) -> pd.DataFrame:
    """Projected position of each firm: its cell centre plus its offset within the cell."""
    x, y = to_xy(firms["lon"].to_numpy(), firms["lat"].to_numpy())
    rows = firms["row"].to_numpy()
    dx, dy = spread_in_cell(rows, cell_km)
    return pd.DataFrame({"x": x + dx, "y": y + dy}, index=rows)


def run_figures(
    world: World,
    indicators: pd.DataFrame,
    regions: pd.DataFrame,
    firms: pd.DataFrame,
    links: pd.DataFrame,
    out_dir: Path,
    scenario_name: str,
) -> list[Path]:
    """All figures of one run into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final_year = int(indicators["year"].max())
    final = firms[firms["year"] == firms["year"].max()]
    return [
        indicator_panels(
            indicators,
            out_dir / "indicators.png",
            f"Scenario '{scenario_name}': corridor-wide indicators",
        ),
        network_map(
            world,
            final,
            links,
            out_dir / "network.png",
            f"Scenario '{scenario_name}': partner network after {final_year} years",
        ),
        innovation_map(
            world,
            regions,
            out_dir / "innovation_map.png",
            f"Scenario '{scenario_name}': innovation by region, years 1-{final_year}",
        ),
    ]
