"""How a scenario field is declared: behaviour parameters with their validation bounds and
(uncertain ones) their plausible range, distribution and reason; the immutable block base.
"""

from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from nsrsim.world import facts

DEFAULT_REGIONS = (
    "NO09",
    "NO0A",
    "NO08",
    "SE23",
    "SE22",
    "DK01",
    "DK02",
    "DK03",
    "DK04",
    "DK05",
    "DEF0",
    "DE60",
    "DE93",
    "DE94",
    "NL11",
    "NL12",
    "NL13",
)


# Partner searches per innovation project by country, relative to searches_per_project: fitted
# by experiments/fit_search_culture.py so that each country's innovating firm agents cooperate
# as its innovation survey finds (innovation_survey.csv's cooperating_pct).
DEFAULT_SEARCH_CULTURE = {"DE": 0.3, "DK": 2.44, "NL": 0.56, "NO": 1.42, "SE": 1.6}


def _check_regions(value: list[str]) -> list[str]:
    known = facts.region_codes()
    unknown = [code for code in value if code not in known]
    if unknown:
        raise ValueError(
            f"unknown region code(s) {', '.join(unknown)}; allowed: {', '.join(known)}"
        )
    if len(set(value)) != len(value):
        raise ValueError("region codes must not repeat")
    return value


RegionCodes = Annotated[list[str], AfterValidator(_check_regions)]


def declaration(
    plausible: tuple[float, float] | None, distribution: str, composition: str, reason: str
) -> dict[str, Any]:
    """An uncertainty's declaration, kept in its field's schema: the plausible range and
    distribution that sampling uses (not the validation bounds, which only exclude meaningless
    values), its composition group and the reason or source.
    """
    if plausible is None:
        return {}
    extra: dict[str, Any] = {"plausible": list(plausible), "distribution": distribution}
    if composition:
        extra["composition"] = composition
    extra["reason"] = reason
    return extra


def param(
    default: float,
    ge: float,
    le: float,
    unit: str,
    meaning: str,
    basis: str = "",
    *,
    plausible: tuple[float, float] | None = None,
    distribution: str = "uniform",
    composition: str = "",
    reason: str = "",
) -> Any:
    """A behaviour parameter: default, inclusive range, unit, one-line meaning and, where the
    value rests on a published figure or an argument, its basis; an uncertain one also its
    plausible range, distribution and reason (:func:`declaration`).
    """
    extra: dict[str, Any] = {"unit": unit, "role": "uncertainty"}
    if basis:
        extra["basis"] = basis
    extra |= declaration(plausible, distribution, composition, reason)
    return Field(default, ge=ge, le=le, description=f"{meaning} [{unit}]", json_schema_extra=extra)


def iparam(
    default: int,
    ge: int,
    le: int,
    meaning: str,
    *,
    plausible: tuple[int, int] | None = None,
    distribution: str = "integer",
    reason: str = "",
) -> Any:
    """An integer behaviour parameter (a count)."""
    return Field(
        default,
        ge=ge,
        le=le,
        description=f"{meaning} [-]",
        json_schema_extra={
            "unit": "-",
            "role": "uncertainty",
            **declaration(plausible, distribution, "", reason),
        },
    )


class Block(BaseModel):
    """Base for every config block: unknown keys are errors, values are immutable, numbers
    are finite (no .inf, no .nan) and a whole number is not true/false (YAML's ``years:
    true`` would otherwise run one year).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numeric(field.annotation):
            raise ValueError(f"must be a number, not {str(value).lower()}")
        return value


def _numeric(annotation: Any) -> bool:
    """Whether a field holds an int or a float (alone or with None), not a bool."""
    options = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else ()
    kinds = [a for a in (options or (annotation,)) if a is not type(None)]
    return bool(kinds) and all(k in (int, float) for k in kinds)
