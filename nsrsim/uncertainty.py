"""The model's declared uncertainties and how sampled designs honour them.

Every uncertain parameter (role ``uncertainty`` in the schema) declares a plausible range, a
distribution and a one-line reason or source beside its validation bounds (its ``param`` in
``nsrsim/config/scenario.py``). These — not
the schema's validation bounds, which only exclude meaningless values — are what sensitivity
analyses, calibrations and Latin-hypercube sweeps sample by default. Whole-number parameters
are sampled as integers; the shares of one composition (``partnering.cluster_share`` and
``referral_share`` split each candidate draw with the geographic rest) are sampled by stick
breaking, so a design never leaves the simplex.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from nsrsim.config import Range, Scenario, field_info, parameter_table
from nsrsim.errors import ConfigError

SCALE_OF = {
    "uniform": "linear",
    "log-uniform": "log",
    "integer": "integer",
    "composition": "linear",
}


@dataclass(frozen=True)
class Uncertainty:
    """A declared uncertainty: its plausible distribution, composition group and reason."""

    path: str
    range: Range
    distribution: str
    composition: str
    reason: str


@cache
def declared() -> dict[str, Uncertainty]:
    """Every declared uncertainty by dotted path, in schema order (``param``'s ``plausible``,
    ``distribution``, ``composition`` and ``reason``, nsrsim.config).
    """
    found = {}
    for block, info in Scenario.model_fields.items():
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, field in model.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            if "plausible" not in extra:
                continue
            low, high = extra["plausible"]
            path = f"{block}.{name}"
            found[path] = Uncertainty(
                path,
                Range(min=low, max=high, scale=SCALE_OF[extra["distribution"]]),
                extra["distribution"],
                extra.get("composition", ""),
                extra["reason"],
            )
    return found


def is_integer(path: str) -> bool:
    """Whether the scenario field at ``path`` holds whole numbers."""
    info = field_info(path)
    return info is not None and info.annotation is int


def resolve(parameters: Mapping[str, Range | None], kind: str) -> dict[str, Range]:
    """Each sampled parameter's full distribution: fields the file leaves out come from the
    declaration; a :class:`ConfigError` names a parameter that has neither, or an integer
    parameter given a continuous distribution or fractional bounds.
    """
    known = declared()
    resolved = {}
    for path, given in parameters.items():
        given = given or Range()
        fallback = known[path].range if path in known else None
        if fallback is None and (given.min is None or given.max is None):
            raise ConfigError(
                f"{kind} parameter '{path}' has no declared uncertainty: give its min and max "
                f"(declared: {', '.join(known)})."
            )
        scale = given.scale or (fallback.scale if fallback else None) or "linear"
        if is_integer(path) and scale != "integer":
            if given.scale is not None:
                raise ConfigError(
                    f"{kind} parameter '{path}' is a whole number: its scale must be 'integer', "
                    f"got '{given.scale}'."
                )
            scale = "integer"
        low = given.min if given.min is not None else fallback.min  # type: ignore[union-attr]
        high = given.max if given.max is not None else fallback.max  # type: ignore[union-attr]
        try:
            resolved[path] = Range(min=low, max=high, scale=scale)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ConfigError(f"{kind} parameter '{path}': {reason}.") from None
    for group, members in compositions(list(resolved)).items():
        for path in members:
            if resolved[path].scale != "linear":
                raise ConfigError(
                    f"{kind} parameter '{path}' is a share of the composition '{group}': its "
                    f"scale must be 'linear', got '{resolved[path].scale}'."
                )
    return resolved


def compositions(paths: list[str]) -> dict[str, list[str]]:
    """The composition groups among ``paths``, members in declaration order."""
    groups: dict[str, list[str]] = {}
    for path, item in declared().items():
        if item.composition and path in paths:
            groups.setdefault(item.composition, []).append(path)
    return groups


def to_values(unit: np.ndarray, ranges: Mapping[str, Range]) -> pd.DataFrame:
    """Parameter values of unit-cube points (rows; one column per range, in order).

    The members of a composition are broken off one after another: each takes its quantile
    of [min, min(max, 1 - the members before it)], so their sum never exceeds 1 and a
    member's share still spans its range wherever the others leave room.
    """
    names = list(ranges)
    frame = pd.DataFrame({n: ranges[n].values(unit[:, k]) for k, n in enumerate(names)})
    for members in compositions(names).values():
        taken = np.zeros(len(frame))
        for name in members:
            low, high = ranges[name].min, np.minimum(ranges[name].max, 1.0 - taken)
            u = unit[:, names.index(name)]
            frame[name] = np.clip(low + u * (high - low), 0.0, np.maximum(high, 0.0))
            taken = taken + frame[name].to_numpy()
    return frame


def in_composition(values: pd.DataFrame, base: Mapping[str, float]) -> np.ndarray:
    """Which rows keep every composition's shares (the row's, else ``base``'s) within 1."""
    ok = np.ones(len(values), bool)
    for members in compositions(list(declared())).values():
        if not any(m in values.columns for m in members):
            continue
        total = sum(
            (values[m].to_numpy(float) if m in values.columns else base[m]) for m in members
        )
        ok &= np.asarray(total) <= 1.0 + 1e-12
    return ok


def table() -> pd.DataFrame:
    """The parameter table (``nsrsim config params``) with each uncertainty's declaration."""
    rows = pd.DataFrame(parameter_table())
    known = declared()
    rows["plausible"] = [
        f"[{known[p].range.min:g}, {known[p].range.max:g}]" if p in known else ""
        for p in rows["path"]
    ]
    rows["distribution"] = [
        (
            f"{known[p].distribution} ({known[p].composition})"
            if p in known and known[p].composition
            else (known[p].distribution if p in known else "")
        )
        for p in rows["path"]
    ]
    rows["reason"] = [known[p].reason if p in known else "" for p in rows["path"]]
    return rows
