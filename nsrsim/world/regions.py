"""The modelled regions as one frozen value: codes, countries, INTERREG A programmes and the
ties between regions they make, each region's hub cell and every cell's region. Built once per
run from the world and handed to whatever needs it (the model, the instruments), so "do two
regions share an INTERREG A programme" is decided in one place.
"""

from dataclasses import dataclass

import numpy as np

from nsrsim.world.world import World

# INTERREG A programmes of the corridor (regions' ``interreg_a`` column): Øresund-Kattegat-
# Skagerrak, Deutschland-Danmark, Deutschland-Nederland, Sverige-Norge, South Baltic
PROGRAMMES = ("OKS", "DE-DK", "DE-NL", "SE-NO", "SB")


@dataclass(frozen=True)
class Regions:
    """Region-level facts of a run, index-aligned with ``codes``; arrays are read-only."""

    codes: tuple[str, ...]
    countries: tuple[str, ...]  # sorted country codes
    country: np.ndarray  # index into ``countries`` per region
    programmes: np.ndarray  # INTERREG A programmes per region, one bit each
    interreg_tie: np.ndarray  # region x region: the two share an INTERREG A programme
    cell_region: np.ndarray  # region of every modelled cell
    cell_population: np.ndarray  # residents of every cell, plus one (no empty weights)
    hubs: np.ndarray  # cell of each region's most populous cell

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @classmethod
    def of(cls, world: World) -> "Regions":
        """The regions of ``world`` (its region table and modelled cells)."""
        table = world.regions
        codes = tuple(table.index)
        countries = tuple(sorted(table["country"].unique()))
        programmes = np.array(
            [
                sum(1 << PROGRAMMES.index(p) for p in str(names).split(";") if p in PROGRAMMES)
                for names in table["interreg_a"]
            ],
            np.int64,
        )
        cells = world.grid.cells.iloc[world.cells]
        cell_region = np.array([codes.index(r) for r in cells["region"]])
        cell_population = cells["population"].to_numpy(float) + 1.0
        order = np.lexsort((-cell_population, cell_region))
        first = np.r_[True, np.diff(cell_region[order]) != 0]
        return cls(
            codes=codes,
            countries=countries,
            country=np.array([countries.index(c) for c in table["country"]]),
            programmes=programmes,
            interreg_tie=(programmes[:, None] & programmes[None, :]) != 0,
            cell_region=cell_region,
            cell_population=cell_population,
            hubs=order[first],
        )
