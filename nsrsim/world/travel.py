"""Travel times between cells: roads over land cells plus the shipped transport links.

Neighbouring land cells are joined by road where the grid marks them passable; cities are
joined by the rail, road, bridge, tunnel and ferry links of ``links.csv``. Open sea has no edge,
so the Skagerrak can only be crossed by ferry. Islands without a listed link (the Wadden
islands, Samsø, Bornholm, the Norwegian skerries) get a local ferry to the nearest mainland cell,
as almost all inhabited islands have one. Times are shortest paths (scipy's Dijkstra) in
hours, computed once per world and set of open transport projects.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from nsrsim.world.grid import Grid

LOCAL_FERRY_KMH = 25.0  # typical speed of a small car ferry


@dataclass(frozen=True)
class TravelNetwork:
    """The travel graph over land cells; ``graph`` is a sparse matrix of hours between cells."""

    grid: Grid
    graph: coo_matrix

    def hours_from(self, sources: np.ndarray) -> np.ndarray:
        """Shortest travel time in hours from each source cell to every cell (inf: unreachable)."""
        return dijkstra(self.graph.tocsr(), directed=False, indices=sources)

    def path(self, source: int, target: int) -> list[int]:
        """Cells along the fastest route from ``source`` to ``target``."""
        _, predecessors = dijkstra(
            self.graph.tocsr(), directed=False, indices=[source], return_predecessors=True
        )
        route = [target]
        while route[-1] != source:
            step = predecessors[0, route[-1]]
            if step < 0:
                return []
            route.append(int(step))
        return route[::-1]


def hub_cells(grid: Grid, cities: pd.DataFrame) -> pd.Series:
    """Each city's hub: the nearest land cell of its own region (of its country if outside).

    Two cities can share a 10 km cell across a border (Helsingør and Helsingborg); snapping to
    the nearest cell of the city's own region keeps each hub on its side of the strait.
    """
    from nsrsim.world.projection import to_xy

    cells = grid.cells
    x, y = to_xy(cities["lon"].to_numpy(), cities["lat"].to_numpy())
    cx, cy = cells["x_km"].to_numpy(), cells["y_km"].to_numpy()
    land = cells["land"].to_numpy()
    region = cells["region"].to_numpy()
    country = cells["country"].to_numpy()
    hubs = np.empty(len(cities), dtype=np.int64)
    for i, (code, iso) in enumerate(zip(cities["region"], cities["country"], strict=True)):
        candidates = np.flatnonzero(land & (region == code))
        if candidates.size == 0:
            candidates = np.flatnonzero(land & (country == iso))
        nearest = np.argmin(np.hypot(cx[candidates] - x[i], cy[candidates] - y[i]))
        hubs[i] = candidates[nearest]
    return pd.Series(hubs, index=cities.index, name="cell")


def build_network(
    grid: Grid,
    cities: pd.DataFrame,
    links: pd.DataFrame,
    *,
    road_speed_kmh: float,
    detour_factor: float,
    ferry_boarding_h: float,
    open_projects: frozenset[str] = frozenset(),
) -> TravelNetwork:
    """Assemble the travel graph; links of projects not in ``open_projects`` are left out."""
    a, b = grid.road_edges()
    dx = grid.cells["x_km"].to_numpy()
    dy = grid.cells["y_km"].to_numpy()
    road_h = np.hypot(dx[a] - dx[b], dy[a] - dy[b]) * detour_factor / road_speed_kmh

    active = links[(links["project"] == "") | links["project"].isin(open_projects)]
    hubs = hub_cells(grid, cities)
    la = hubs.loc[active["from"]].to_numpy()
    lb = hubs.loc[active["to"]].to_numpy()
    link_h = active["time_h"].to_numpy(dtype=float)
    link_h = link_h + np.where(active["kind"].to_numpy() == "ferry", ferry_boarding_h, 0.0)
    keep = la != lb

    n = len(grid.cells)
    rows = np.concatenate([a, la[keep]])
    cols = np.concatenate([b, lb[keep]])
    hours = np.concatenate([road_h, link_h[keep]])
    ia, ib, ih = _local_ferries(grid, rows, cols, ferry_boarding_h)
    rows, cols, hours = np.r_[rows, ia], np.r_[cols, ib], np.r_[hours, ih]
    # duplicate (row, col) pairs would be summed by the sparse format: keep the fastest only
    frame = pd.DataFrame({"r": np.minimum(rows, cols), "c": np.maximum(rows, cols), "h": hours})
    fastest = frame.groupby(["r", "c"], sort=True)["h"].min().reset_index()
    graph = coo_matrix(
        (fastest["h"].to_numpy(), (fastest["r"].to_numpy(), fastest["c"].to_numpy())), shape=(n, n)
    )
    return TravelNetwork(grid, graph)


def _local_ferries(
    grid: Grid, rows: np.ndarray, cols: np.ndarray, boarding_h: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edges joining each land component to the nearest cell of the largest one."""
    n = len(grid.cells)
    land = grid.cells["land"].to_numpy()
    adjacency = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    sizes = np.bincount(label[land], minlength=label.max() + 1)
    main = np.flatnonzero(land & (label == np.argmax(sizes)))
    x = grid.cells["x_km"].to_numpy()
    y = grid.cells["y_km"].to_numpy()
    edges: list[tuple[int, int, float]] = []
    for component in np.unique(label[land]):
        members = np.flatnonzero(land & (label == component))
        if component == label[main[0]]:
            continue
        dist = np.hypot(x[members, None] - x[None, main], y[members, None] - y[None, main])
        i, j = np.unravel_index(np.argmin(dist), dist.shape)
        edges.append((members[i], main[j], dist[i, j] / LOCAL_FERRY_KMH + boarding_h))
    if not edges:
        return np.empty(0, int), np.empty(0, int), np.empty(0)
    ea, eb, eh = (np.asarray(v) for v in zip(*edges, strict=True))
    return ea, eb, eh
