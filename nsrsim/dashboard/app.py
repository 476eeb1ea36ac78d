"""The Solara page of ``nsrsim dashboard``: a map of the NSR with firms and links, the levers,
play / step / reset, and live charts of competitiveness, cohesion and cooperation.

``solara run nsrsim.dashboard.app`` serves it (``nsrsim dashboard`` does, with the right
settings). Each browser session builds its own model in :func:`Page`.
"""

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from mesa.visualization import SolaraViz

from nsrsim.dashboard.levers import DashboardModel
from nsrsim.indicators import OUTCOME_BY_NAME
from nsrsim.maps import OTHER_LAND, SEA, frame, region_raster
from nsrsim.plots.run import spread_in_cell
from nsrsim.sectors import SECTORS
from nsrsim.world.projection import to_xy
from nsrsim.world.world import World

SECTOR_COLOURS = ("#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928",
                  "#a6cee3", "#fb9a99", "#cab2d6", "#999999")  # fmt: skip
WITHIN, CROSS = "#4a6fa5", "#d7301f"
CHARTS = (
    ("competitiveness", ("productivity_eur", "innovations")),
    ("cohesion", ("theil_gdp_per_head", "innovation_outside_hotspots")),
    ("cooperation", ("cross_border_share", "transnational_firm_share")),
)
MODEL_PARAMS = {
    "framework": {"type": "Checkbox", "value": True, "label": "Transnational framework"},
    "duration_years": {"type": "SliderInt", "value": 10, "min": 1, "max": 30, "step": 1,
                       "label": "Framework duration (years)"},
    "budget_meur": {"type": "SliderFloat", "value": 1.0, "min": 0.0, "max": 10.0, "step": 0.25,
                    "label": "Framework budget (M EUR a year)"},
    "rural_inclusion": {"type": "Checkbox", "value": False, "label": "Rural inclusion"},
    "fehmarnbelt": {"type": "Checkbox", "value": False, "label": "Fehmarnbelt link (2032)"},
    "seed": {"type": "SliderInt", "value": 42, "min": 0, "max": 9999, "step": 1, "label": "Seed"},
}  # fmt: skip


_BACKGROUNDS: dict[int, tuple[World, np.ndarray, tuple[float, float, float, float]]] = {}


def _background(world: World) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Land and sea of the map, once per world (worlds are cached, so their id is stable)."""
    if id(world) not in _BACKGROUNDS:
        raster, extent = region_raster(world)
        _BACKGROUNDS[id(world)] = (world, np.where(raster >= 0, 2, raster + 2), extent)
    _, image, extent = _BACKGROUNDS[id(world)]
    return image, extent


def _positions(model: DashboardModel) -> np.ndarray:
    """Projected position of every firm row: its cell centre plus its offset within the cell."""
    cells = model.world.grid.cells.iloc[model.world.cells]
    x, y = to_xy(cells["lon"].to_numpy(), cells["lat"].to_numpy())
    cell = model.firms.cell[: model.firms.n]
    dx, dy = spread_in_cell(np.arange(model.firms.n), model.world.grid.cell_km)
    return np.column_stack([x[cell] + dx, y[cell] + dy])


def MapView(model: DashboardModel):
    """The run's status over the map: firms coloured by sector, links between them,
    cross-border links highlighted.
    """
    image, extent = _background(model.world)
    fig = Figure(figsize=(7, 7.5), dpi=90)
    ax = fig.subplots()
    ax.imshow(image, origin="lower", extent=extent, interpolation="nearest",
              cmap=ListedColormap([OTHER_LAND, SEA, "#f3efe4"]), vmin=0, vmax=2)  # fmt: skip
    xy = _positions(model)
    a, b = model.links.a, model.links.b
    cross = (
        model.region_country[model.firms.region[a]] != model.region_country[model.firms.region[b]]
    )
    segments = np.stack([xy[a], xy[b]], axis=1)
    ax.add_collection(LineCollection(segments[~cross], colors=WITHIN, linewidths=0.3, alpha=0.3))
    ax.add_collection(LineCollection(segments[cross], colors=CROSS, linewidths=0.9, alpha=0.8))
    live = model.firms.live()
    sector = model.firms.sector[live]
    ax.scatter(xy[live, 0], xy[live, 1], s=3, linewidths=0,
               c=np.asarray(SECTOR_COLOURS)[sector % len(SECTOR_COLOURS)])  # fmt: skip
    frame(ax, extent)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=4, color=SECTOR_COLOURS[k],
                      label=s.value) for k, s in enumerate(SECTORS)]  # fmt: skip
    handles.append(Line2D([], [], color=CROSS, label=f"cross-border links ({int(cross.sum())})"))
    ax.legend(handles=handles, loc="upper left", fontsize=7, ncols=2)
    ax.set_title(f"{model.config.run.start_year + model.year}: {live.size:,} firm agents, "
                 f"{len(a):,} links", fontsize=10)  # fmt: skip
    with solara.Column() as column:
        # Text, not Markdown: Markdown loads mermaid from the CDN
        solara.Text(status(model), style={"font-size": "1.2em", "font-weight": "600"})
        solara.FigureMatplotlib(fig, format="png")
    return column


def status(model: DashboardModel) -> str:
    """Where the run is: step, simulated year, what is switched on."""
    fw = model.config.framework
    framework = (
        f"framework {fw.duration_years} years, {fw.budget_eur_per_year / 1e6:g} M EUR a year"
        if fw.enabled
        else "no framework"
    )
    return (
        f"Step {model.steps} (year {model.config.run.start_year + model.year}, quarter "
        f"{model.steps % model.config.run.steps_per_year + 1}) — {framework}; "
        f"seed {model.config.run.seed}"
    )


def Charts(model: DashboardModel):
    """Yearly indicators so far: competitiveness, cohesion, cooperation."""
    rows = model.indicator_rows
    years = [r["calendar_year"] for r in rows]
    fig = Figure(figsize=(7, 7.5), dpi=90)
    axes = fig.subplots(len(CHARTS), 1, sharex=True)
    for ax, (group, names) in zip(axes, CHARTS, strict=True):
        for k, name in enumerate(names):
            target = ax if k == 0 else ax.twinx()
            outcome = OUTCOME_BY_NAME[name]
            target.plot(years, [r[name] for r in rows], marker="o", ms=3,
                        color=("#4a6fa5", "#d95f02")[k], label=outcome.label)  # fmt: skip
            target.set_ylabel(f"{outcome.label}\n({outcome.unit})", fontsize=7,
                              color=("#4a6fa5", "#d95f02")[k])  # fmt: skip
            target.tick_params(labelsize=7)
        ax.set_title(group, fontsize=9, loc="left")
    axes[-1].set_xlabel("year")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return solara.FigureMatplotlib(fig, format="png")


@solara.component
def Page():
    """One model per browser session, with the levers, controls, map and charts."""
    model = solara.use_memo(DashboardModel, [])
    SolaraViz(
        model,
        components=[(MapView, 0), (Charts, 0)],
        model_params=MODEL_PARAMS,
        name="nsrsim: North Sea Region cluster cooperation",
    )
