"""The industry sectors of the NSR corridor that the model distinguishes."""

from enum import StrEnum


class Sector(StrEnum):
    """Sector codes used in data files, configs and outputs."""

    MARITIME = "maritime"
    WIND = "wind"
    CLEANTECH = "cleantech"
    ICT = "ict"
    CREATIVE = "creative"
    LIFE_SCIENCE = "life_science"
    FOOD = "food"
    OTHER = "other"


SECTORS: list[Sector] = list(Sector)  # in their order: index i is sector code i

SECTOR_LABELS: dict[Sector, str] = {
    Sector.MARITIME: "maritime & logistics",
    Sector.WIND: "wind & offshore energy",
    Sector.CLEANTECH: "clean tech",
    Sector.ICT: "ICT",
    Sector.CREATIVE: "creative industries",
    Sector.LIFE_SCIENCE: "life science",
    Sector.FOOD: "food",
    Sector.OTHER: "other",
}
