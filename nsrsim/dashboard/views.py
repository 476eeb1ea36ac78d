"""What the dashboard draws: each world's map (regions with their borders and names, and the
partner relations between regions as flows whose width is the number of relations), the
charts of both worlds and their difference, and the status line. Sized to be read at
1280x720 and on a projector: 11-pt text or larger, one axis per chart.
"""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from nsrsim.dashboard.worlds import Worlds, beyond_interreg_links
from nsrsim.maps import OTHER_LAND, SEA, frame, region_labels, region_raster
from nsrsim.model import NSRModel
from nsrsim.world.projection import to_xy
from nsrsim.world.world import World

WITHIN, INTERREG, BEYOND = "#8c8c8c", "#2b6cb0", "#e66101"
TODAY, CHOSEN = "#7a7a7a", "#1a7f37"
COUNTRY_FILL = {"DE": "#f4efe1", "DK": "#eef3e2", "NL": "#f6e9e1", "NO": "#e6eef2", "SE": "#efe9f4"}
FONT = 11

_BACKGROUNDS: dict[int, tuple[World, np.ndarray, tuple[float, float, float, float]]] = {}


def background(world: World) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """An RGB image of sea, other land, the modelled regions filled by country and their
    borders; once per world (worlds are cached, so their id is stable).
    """
    if id(world) not in _BACKGROUNDS:
        raster, extent = region_raster(world)
        colours = [_rgb(SEA), _rgb(OTHER_LAND)]
        fills = [_rgb(COUNTRY_FILL.get(c, "#f0f0f0")) for c in world.regions["country"]]
        image = np.zeros((*raster.shape, 3))
        image[raster == -1] = colours[0]
        image[raster == -2] = colours[1]
        for index, fill in enumerate(fills):
            image[raster == index] = fill
        border = np.zeros(raster.shape, bool)
        for shifted in (np.roll(raster, 1, 0), np.roll(raster, 1, 1)):
            border |= (raster != shifted) & ((raster >= 0) | (shifted >= 0))
        image[border & (raster != -1)] = _rgb("#6b6b6b")
        _BACKGROUNDS[id(world)] = (world, image, extent)
    _, image, extent = _BACKGROUNDS[id(world)]
    return image, extent


def _rgb(colour: str) -> tuple[float, float, float]:
    value = colour.lstrip("#")
    return tuple(int(value[k : k + 2], 16) / 255 for k in (0, 2, 4))  # type: ignore[return-value]


def region_flows(model: NSRModel) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Partner relations between every pair of different regions: (region a, region b,
    relations, kind: 0 same country, 1 sharing INTERREG A, 2 beyond INTERREG A).
    """
    regions = model.regions
    ra = model.firms.region[model.links.a].astype(np.int64)
    rb = model.firms.region[model.links.b].astype(np.int64)
    pairs = model.links.relations(model.firms.weight, model.pair_firms)
    low, high = np.minimum(ra, rb), np.maximum(ra, rb)
    keep = low != high
    n = len(regions.codes)
    flows = np.bincount(low[keep] * n + high[keep], weights=pairs[keep], minlength=n * n)
    found = np.flatnonzero(flows)
    a, b = found // n, found % n
    kind = np.where(
        regions.country[a] == regions.country[b], 0, np.where(regions.interreg_tie[a, b], 1, 2)
    )
    return a, b, flows[found], kind


def hub_xy(world: World) -> np.ndarray:
    """Map position of each region's largest city (where its flows start)."""
    hubs = world.cities.sort_values("population", ascending=False).groupby("region").head(1)
    hubs = hubs.set_index("region").reindex(world.regions.index)
    x, y = to_xy(hubs["lon"].to_numpy(), hubs["lat"].to_numpy())
    return np.column_stack([x, y])


def flow_map(model: NSRModel, title: str, widest: float) -> Figure:
    """One world's map: regions with borders and names, and flows of partner relations
    between regions (width: relations, the same scale ``widest`` in both worlds).
    """
    world = model.world
    image, extent = background(world)
    fig = Figure(figsize=(5.8, 6.0), dpi=100)
    ax = fig.add_axes((0, 0.09, 1, 0.84))
    ax.imshow(image, origin="lower", extent=extent, interpolation="nearest")
    xy = hub_xy(world)
    a, b, relations, kind = region_flows(model)
    order = np.argsort(kind, kind="stable")  # beyond INTERREG A on top
    for code, colour in ((0, WITHIN), (1, INTERREG), (2, BEYOND)):
        mine = order[kind[order] == code]
        if mine.size:
            widths = 0.8 + 9.0 * np.sqrt(relations[mine] / max(widest, 1.0))  # area-like
            segments = np.stack([xy[a[mine]], xy[b[mine]]], axis=1)
            ax.add_collection(LineCollection(segments, colors=colour, linewidths=widths,
                                             alpha=0.85, capstyle="round"))  # fmt: skip
    ax.scatter(xy[:, 0], xy[:, 1], s=14, color="#222", zorder=3)
    region_labels(ax, world, world.regions["name"].to_dict(), fontsize=9)
    frame(ax, extent)
    ax.set_title(title, fontsize=FONT + 2)
    handles = [
        Line2D([], [], color=BEYOND, lw=4, label="beyond INTERREG A"),
        Line2D([], [], color=INTERREG, lw=4, label="within an INTERREG A programme"),
        Line2D([], [], color=WITHIN, lw=4, label="same country"),
    ]
    fig.legend(handles=handles, loc="lower center", ncols=2, fontsize=FONT - 1, frameon=False,
               title="partner relations between regions (width grows with their number)",
               title_fontsize=FONT - 1)  # fmt: skip
    return fig


def widest_flow(worlds: Worlds) -> float:
    """The largest flow in either world (both maps share one width scale)."""
    return max(float(region_flows(m)[2].max(initial=0.0)) for m in (worlds.today, worlds.chosen))


CHARTS = (
    ("transnational_firm_share", "Firms with a partner\nbeyond INTERREG A, %", 100.0),
    ("innovations", "Innovations\na year", 1.0),
    ("productivity_eur", "Productivity,\nthousand EUR per job", 1e-3),
)


def charts(worlds: Worlds) -> Figure:
    """Both worlds' indicators so far, one axis per chart, and the policy's difference in
    partner relations beyond INTERREG A.
    """
    fig = Figure(figsize=(12.8, 3.0), dpi=100)
    axes = fig.subplots(1, len(CHARTS) + 1)
    start = worlds.chosen.config.run.start_year
    last = start + max(worlds.year, 5)
    for ax, (name, title, scale) in zip(axes, CHARTS, strict=False):
        for model, colour, label in ((worlds.today, TODAY, "today"),
                                     (worlds.chosen, CHOSEN, "with the levers")):  # fmt: skip
            rows = model.indicator_rows
            ax.plot([r["calendar_year"] for r in rows], [r[name] * scale for r in rows],
                    marker="o", ms=4, lw=2, color=colour, label=label)  # fmt: skip
        ax.set_title(title, fontsize=FONT, loc="left")
    difference = axes[-1]
    history = worlds.history
    difference.bar([y for y, _ in history], [d for _, d in history], color=BEYOND, width=0.7)
    difference.axhline(0, color="#333", lw=1)
    difference.set_title("The levers' effect: extra\nrelations beyond INTERREG A", fontsize=FONT,
                         loc="left")  # fmt: skip
    for ax in axes:
        ax.set_xlim(start - 0.5, last + 0.5)
        ax.tick_params(labelsize=FONT - 1)
        ax.grid(color="#e5e5e5")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes[0].legend(fontsize=FONT - 1, loc="upper left", frameon=False)
    fig.tight_layout()
    return fig


def status(worlds: Worlds) -> str:
    """Where the worlds are and what the levers world runs (read from its scenario)."""
    fw = worlds.chosen.config.framework
    policies = [p.kind for p in worlds.chosen.config.policies]
    framework = (
        f"framework {fw.duration_years} years, {fw.budget_eur_per_year / 1e6:g} M EUR a year"
        if fw.enabled
        else "no framework"
    )
    rural = "rural inclusion" if "rural_inclusion" in policies else "no rural inclusion"
    belt = (
        "Fehmarnbelt link from 2032"
        if "fehmarnbelt" in worlds.chosen.config.world.transport_projects
        else "no Fehmarnbelt link"
    )
    today, chosen = (beyond_interreg_links(m) for m in (worlds.today, worlds.chosen))
    return (
        f"Year {worlds.calendar_year} ({worlds.year} of {worlds.chosen.config.run.years} "
        f"simulated) — with the levers: {framework}, {rural}, {belt}; seed "
        f"{worlds.chosen.config.run.seed}. Partner relations beyond INTERREG A: today "
        f"{today:,.0f}, with the levers {chosen:,.0f} ({chosen - today:+,.0f})."
    )
