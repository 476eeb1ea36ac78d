"""The NSR map: land, modelled regions, cities and transport links in the equal-area projection."""

import weakref
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.spatial import cKDTree

from nsrsim.world import facts
from nsrsim.world.grid import land_fine
from nsrsim.world.projection import to_xy
from nsrsim.world.world import World

SEA = "#d4e6f1"
OTHER_LAND = "#ecebe6"
# Distinct land colours with no blue (blue is the sea), in region order so neighbours differ.
REGION_COLOURS = (
    "#8dd3c7",
    "#fdb462",
    "#b3de69",
    "#fb8072",
    "#ffed6f",
    "#bc80bd",
    "#ccebc5",
    "#fccde5",
    "#e5c494",
    "#d9ef8b",
    "#f4a582",
    "#c51b7d",
    "#dfc27d",
    "#66c2a5",
    "#e78ac3",
    "#bf812d",
    "#c2a5cf",
    "#fc8d62",
    "#80cdc1",
)
LINK_STYLE = {
    "rail": dict(color="#7a1f1f", linestyle="-", linewidth=1.2),
    "road": dict(color="#555555", linestyle="-", linewidth=1.0),
    "bridge": dict(color="#000000", linestyle="-", linewidth=2.2),
    "tunnel": dict(color="#000000", linestyle="-", linewidth=2.2),
    "ferry": dict(color="#1f4e9a", linestyle="--", linewidth=1.2),
}


_RASTERS: dict[int, tuple[np.ndarray, tuple[float, float, float, float]]] = {}


def region_raster(world: World) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The 2 km raster with each land pixel's modelled region index (-1 sea, -2 other land),
    and its extent in km (left, right, bottom, top) for ``imshow``. Made once per world (a
    run's three maps and the brief read it; ~60 ms each); the raster is read-only.
    """
    if id(world) not in _RASTERS:
        raster, extent = _region_raster(world)
        raster.flags.writeable = False
        _RASTERS[id(world)] = (raster, extent)
        weakref.finalize(world, _RASTERS.pop, id(world), None)  # the entry dies with the world
    return _RASTERS[id(world)]


def _region_raster(world: World) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    mask, x0, y0, step = land_fine()
    rows, cols = mask.shape
    px = x0 + (np.arange(cols) + 0.5) * step
    py = y0 + (np.arange(rows) + 0.5) * step
    cells = world.grid.cells
    land_cells = cells[cells["land"]]
    tree = cKDTree(land_cells[["x_km", "y_km"]].to_numpy())
    pxx, pyy = np.meshgrid(px, py)
    _, nearest = tree.query(np.column_stack([pxx[mask], pyy[mask]]))
    codes = {code: i for i, code in enumerate(world.regions.index)}
    cell_code = np.array([codes.get(r, -2) for r in land_cells["region"]], dtype=int)
    image = np.full(mask.shape, -1, dtype=int)
    image[mask] = cell_code[nearest]
    return image, (x0, x0 + cols * step, y0, y0 + rows * step)


def draw_map(world: World, out: Path, title: str | None = None) -> Path:
    """Draw the world to ``out`` (PNG); planned links are dotted unless the scenario opens them."""
    raster, extent = region_raster(world)
    codes = list(world.regions.index)
    image = raster + 2  # 0 other land, 1 sea, 2.. regions
    colours = [OTHER_LAND, SEA] + [
        REGION_COLOURS[i % len(REGION_COLOURS)] for i in range(len(codes))
    ]

    fig = Figure(figsize=(12.5, 12), dpi=120)
    ax = fig.subplots()
    ax.imshow(
        image,
        origin="lower",
        extent=extent,
        cmap=ListedColormap(colours),
        vmin=0,
        vmax=len(colours) - 1,
        interpolation="nearest",
    )
    graticule(ax)
    _links(ax, world)
    _cities(ax, world)

    handles = [
        Patch(color=colours[i + 2], label=f"{c} {world.regions.loc[c, 'name']}")
        for i, c in enumerate(codes)
    ]
    handles.append(Patch(color=OTHER_LAND, label="land outside the modelled regions"))
    kinds = [("rail", "rail"), ("road", "road"), ("bridge", "bridge / tunnel"), ("ferry", "ferry")]
    handles += [Line2D([], [], label=label, **LINK_STYLE[k]) for k, label in kinds]
    handles.append(
        Line2D(
            [], [], color="#c0392b", linestyle=":", linewidth=1.6, label="planned link (not open)"
        )
    )
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
        title="Regions and links",
        title_fontsize=9,
    )
    frame(ax, extent)
    opened = ", ".join(f"{p} from {y}" for p, y in world.config.transport_projects.items())
    ax.set_title(
        title or "North Sea Region corridor: modelled regions, cities and transport links",
        fontsize=11,
    )
    ax.text(
        0.99,
        0.005,
        f"Lambert azimuthal equal-area (52°N, 10°E); {world.grid.cell_km:g} km "
        f"cells. Open projects: {opened or 'none'}.",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6.5,
        color="#333333",
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, bbox_inches="tight")
    return out


def choropleth(ax: Axes, world: World, values: np.ndarray, cmap: str, norm: Normalize) -> AxesImage:
    """Land and sea, and the modelled regions coloured by ``values`` (one per region, in the
    world's region order; NaN leaves a region blank). Returns the regions' image for a
    colour bar.
    """
    raster, extent = region_raster(world)
    ax.imshow(
        np.where(raster == -1, 1, 0),
        origin="lower",
        extent=extent,
        cmap=ListedColormap([OTHER_LAND, SEA]),
        vmin=0,
        vmax=1,
        interpolation="nearest",
    )
    shown = np.where(raster >= 0, np.asarray(values, float)[np.maximum(raster, 0)], np.nan)
    return ax.imshow(
        np.ma.masked_invalid(shown),
        origin="lower",
        extent=extent,
        cmap=cmap,
        norm=norm,
        interpolation="nearest",
    )


def region_labels(
    ax: Axes, world: World, texts: dict[str, str], line_km: float = 19.0, fontsize: float = 7.5
) -> None:
    """A label at each region's largest city, moved to the nearest free place below or above
    where a label is already too close (Copenhagen and Roskilde, the three Dutch regions).
    """
    hubs = world.cities.sort_values("population", ascending=False).groupby("region").head(1)
    placed: list[tuple[float, float]] = []
    for code, row in hubs.set_index("region").iterrows():
        if code not in texts:
            continue
        x, y0 = to_xy(row["lon"], row["lat"])
        line = line_km * fontsize / 7.5  # km a line takes (19 km at 7.5 pt)
        height = line * (texts[code].count("\n") + 1)
        for k in range(40):  # nearest free place: at the city, then below, above, ...
            y = y0 + (-1) ** k * ((k + 1) // 2) * line
            if not any(abs(x - px) < 70 and abs(y - py) < height for px, py in placed):
                break
        placed.append((x, y))
        box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)
        ax.annotate(texts[code], (x, y), fontsize=fontsize, ha="center", bbox=box)


def frame(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """Fit the axes to the raster, without ticks (coordinates are km in the projection)."""
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([])
    ax.set_yticks([])


def graticule(ax: Axes) -> None:
    """Meridians and parallels every 2 degrees, labelled."""
    for lon in range(4, 17, 2):
        x, y = to_xy(np.full(50, lon), np.linspace(51.5, 63.0, 50))
        ax.plot(x, y, color="#9aa7b0", linewidth=0.4, zorder=1)
        ax.text(x[2], y[2], f"{lon}°E", fontsize=6, color="#6b7780")
    for lat in range(52, 63, 2):
        x, y = to_xy(np.linspace(3.0, 17.0, 50), np.full(50, lat))
        ax.plot(x, y, color="#9aa7b0", linewidth=0.4, zorder=1)
        ax.text(x[-3], y[-3], f"{lat}°N", fontsize=6, color="#6b7780")


def _links(ax: Axes, world: World) -> None:
    cities = facts.cities()
    opened = set(world.config.transport_projects)
    labelled: set[str] = set()
    for link in facts.links().itertuples():
        a, b = cities.loc[link._1], cities.loc[link.to]  # "from" is a keyword
        x, y = to_xy([a["lon"], b["lon"]], [a["lat"], b["lat"]])
        if link.project and link.project not in opened:
            ax.plot(x, y, color="#c0392b", linestyle=":", linewidth=2.4, zorder=3.5)
            if link.project not in labelled and np.hypot(*np.diff([x, y])) < 60.0:
                labelled.add(link.project)  # label a short link: it sits where the works are
                ax.annotate(
                    f"{link.project} (planned)",
                    (x.mean(), y.mean()),
                    xytext=(6, -10),
                    textcoords="offset points",
                    fontsize=7,
                    color="#c0392b",
                )
        else:
            ax.plot(x, y, zorder=3, **LINK_STYLE[link.kind])


def _cities(ax: Axes, world: World) -> None:
    cities = world.cities[world.cities["population"] > 0]
    x, y = to_xy(cities["lon"].to_numpy(), cities["lat"].to_numpy())
    size = 4 + 60 * np.sqrt(cities["population"].to_numpy() / 2e6)
    ax.scatter(x, y, s=size, color="#222222", zorder=4, edgecolor="white", linewidth=0.5)
    placed: list[tuple[float, float]] = []
    for i in np.argsort(-cities["population"].to_numpy()):
        if cities["population"].iloc[i] < 60_000:
            break
        if any(np.hypot(x[i] - a, y[i] - b) < 25.0 for a, b in placed):
            continue  # a larger neighbour is already labelled (Frederiksberg by Copenhagen)
        placed.append((x[i], y[i]))
        ax.annotate(
            cities.index[i],
            (x[i], y[i]),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=7.5,
            zorder=5,
            bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.6),
        )
