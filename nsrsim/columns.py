"""Names of a batch's output columns, written and read in one place: ``indicator@year`` for
the corridor, ``indicator@year@area`` for a region or an urban class (one row per run, the
wide table of ``runs.parquet``). Other columns (``run_id``, ``param:…``, ``pattern:…``) are no
outputs and parse to None.
"""

from dataclasses import dataclass

SEPARATOR = "@"


@dataclass(frozen=True)
class Column:
    """An output column's parts; ``area`` is None at the corridor."""

    indicator: str
    year: int
    area: str | None = None

    @property
    def name(self) -> str:
        """The column's name in the runs table."""
        return column(self.indicator, self.year, self.area)


def column(indicator: str, year: int, area: str | None = None) -> str:
    """The column name of an indicator in a year, at the corridor or in an area."""
    parts = [indicator, str(int(year))] + ([area] if area is not None else [])
    return SEPARATOR.join(parts)


def parse(name: str) -> Column | None:
    """The parts of an output column's name, or None if it is not one."""
    parts = name.split(SEPARATOR)
    if len(parts) not in (2, 3) or not parts[1].isdigit() or ":" in parts[0]:
        return None
    return Column(parts[0], int(parts[1]), parts[2] if len(parts) == 3 else None)


def outputs(names, indicator: str | None = None, area: bool | None = None) -> list[Column]:
    """The output columns among ``names`` (of ``indicator`` if given; corridor only when
    ``area`` is False, areas only when True), in year order.
    """
    found = [c for c in map(parse, names) if c is not None]
    if indicator is not None:
        found = [c for c in found if c.indicator == indicator]
    if area is not None:
        found = [c for c in found if (c.area is not None) == area]
    return sorted(found, key=lambda c: (c.indicator, c.area or "", c.year))
