"""The assembled world of one scenario: active regions, their land cells, hubs and travel times."""

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from nsrsim.config import WorldConfig
from nsrsim.world import facts
from nsrsim.world.grid import Grid, grid_at
from nsrsim.world.travel import TravelNetwork, build_network, hub_cells

TRAVEL_BLOCK = 256  # sources per shortest-path call
T = TypeVar("T")


def cache_dir() -> Path:
    """Where computed travel times are kept: ``$NSRSIM_CACHE``, else ~/.cache/nsrsim."""
    return Path(os.environ.get("NSRSIM_CACHE", Path.home() / ".cache" / "nsrsim"))


def _load_cache(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """A cached travel-time matrix, or None if there is none or it is damaged (truncated,
    another shape, not a NumPy file): a cache is rebuilt, never trusted blindly.
    """
    if not path.exists():
        return None
    try:
        hours = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    if hours.shape != shape or hours.dtype != np.float32 or np.isnan(hours).any():
        return None
    return hours


def _save_atomic(path: Path, array: np.ndarray) -> None:
    """Save via a temporary file and rename, so concurrent workers never read half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy")
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, array)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home only costs the recomputation next time


@dataclass
class World:
    """The regions a scenario models, the grid cells where agents may live, and travel times.

    ``cells`` are the indices (into ``grid.cells``) of land cells in the active regions; travel
    matrices are indexed by position in ``cells``.
    """

    config: WorldConfig
    grid: Grid
    regions: pd.DataFrame
    cities: pd.DataFrame
    clusters: pd.DataFrame
    cells: np.ndarray
    _travel: dict[frozenset[str], np.ndarray] = field(default_factory=dict, repr=False)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    def derived(self, name: str, make: Callable[["World"], T]) -> T:
        """``make(self)``, computed once per world and kept under ``name``: what every model
        of this world derives alike (a batch worker builds thousands of models of one world).
        What it returns must not be changed in place.
        """
        if name not in self._derived:
            self._derived[name] = make(self)
        return self._derived[name]

    def open_projects(self, calendar_year: int) -> frozenset[str]:
        """Transport projects open in ``calendar_year``."""
        return frozenset(
            name for name, opens in self.config.transport_projects.items() if calendar_year >= opens
        )

    def network(self, open_projects: frozenset[str] = frozenset()) -> TravelNetwork:
        """The travel graph with the given projects open."""
        return build_network(
            self.grid,
            facts.cities(),
            facts.links(),
            road_speed_kmh=self.config.road_speed_kmh,
            detour_factor=self.config.detour_factor,
            ferry_boarding_h=self.config.ferry_boarding_h,
            open_projects=open_projects,
        )

    def travel_hours(self, open_projects: frozenset[str] = frozenset()) -> np.ndarray:
        """Hours between every pair of active cells (float32, symmetric), cached per project set.

        Computing them takes seconds, so they are also kept on disk (see :func:`cache_dir`),
        which lets every batch worker after the first start at once.
        """
        if open_projects not in self._travel:
            path = cache_dir() / f"travel-{self._travel_key(open_projects)}.npy"
            hours = _load_cache(path, (len(self.cells), len(self.cells)))
            if hours is None:  # none yet, or damaged: computed again and replaced
                hours = self._shortest_paths(open_projects)
                _save_atomic(path, hours)
            self._travel[open_projects] = hours
        return self._travel[open_projects]

    def _shortest_paths(self, open_projects: frozenset[str]) -> np.ndarray:
        """Dijkstra in blocks of sources, so only one block's all-cell rows are in memory."""
        network = self.network(open_projects)
        hours = np.empty((len(self.cells), len(self.cells)), np.float32)
        for start in range(0, len(self.cells), TRAVEL_BLOCK):
            block = self.cells[start : start + TRAVEL_BLOCK]
            hours[start : start + len(block)] = network.hours_from(block)[:, self.cells]
        return hours

    def _travel_key(self, open_projects: frozenset[str]) -> str:
        """Hash of everything travel times depend on: data files, world config, projects."""
        digest = hashlib.sha256()
        for name in ("grid.csv.gz", "links.csv", "cities.csv", "regions.csv"):
            digest.update((facts.DATA_DIR / name).read_bytes())
        digest.update(self.config.model_dump_json().encode())
        digest.update(",".join(sorted(open_projects)).encode())
        digest.update(self.cells.tobytes())
        return digest.hexdigest()[:20]

    def region_table(self) -> pd.DataFrame:
        """One row per active region: facts and grid summary."""
        cells = self.grid.cells.iloc[self.cells]
        per_region = cells.groupby("region")
        urban_pop = cells[cells["urban_class"] == "urban"].groupby("region")["population"].sum()
        table = pd.DataFrame(
            {
                "name": self.regions["name"],
                "country": self.regions["country"],
                "population": self.regions["population"],
                "land_cells": per_region.size(),
                "urban_pop_share": (urban_pop / per_region["population"].sum()).fillna(0.0),
                "cities": self.cities.groupby("region").size(),
                "clusters": self.clusters.groupby("region").size(),
                "interreg_a": self.regions["interreg_a"],
            },
            index=self.regions.index,
        )
        table[["cities", "clusters", "land_cells"]] = (
            table[["cities", "clusters", "land_cells"]].fillna(0).astype(int)
        )
        return table


def build_world(config: WorldConfig) -> World:
    """Select the configured regions from the shipped facts and grid."""
    grid = grid_at(float(config.cell_km))
    regions = facts.regions().loc[config.regions]
    cities = facts.cities()
    clusters = facts.clusters()
    region_of_cell = grid.cells["region"].to_numpy()
    cells = np.flatnonzero(grid.cells["land"].to_numpy() & np.isin(region_of_cell, config.regions))
    hubs = hub_cells(grid, cities)
    active_cities = cities[cities["region"].isin(config.regions)].assign(cell=hubs)
    return World(
        config=config,
        grid=grid,
        regions=regions,
        cities=active_cities,
        clusters=clusters[clusters["region"].isin(config.regions)].reset_index(drop=True),
        cells=cells,
    )


_WORLDS: dict[str, World] = {}


def cached_world(config: WorldConfig) -> World:
    """The world for ``config``, built once per process (batch runs share its travel times)."""
    key = config.model_dump_json()
    if key not in _WORLDS:
        _WORLDS[key] = build_world(config)
    return _WORLDS[key]
