"""The schema described: every field's default, unit, bounds, role and meaning (the ODD's
parameter table) and the JSON schema for editors.
"""

from typing import Any

from nsrsim.config.fields import Block
from nsrsim.config.scenario import Scenario


def parameter_table() -> list[dict[str, Any]]:
    """Every scenario field below the top level: dotted path, default, unit, range, meaning and
    role (constant, uncertainty or lever), in schema order.
    """
    rows = []
    for block, info in Scenario.model_fields.items():
        model = info.annotation
        if not (isinstance(model, type) and issubclass(model, Block)):
            continue
        role_default = (
            "lever"
            if block == "framework"
            else ("constant" if block in ("world", "population", "run") else "uncertainty")
        )
        for name, field in model.model_fields.items():
            bounds = {type(m).__name__: m for m in field.metadata}
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            description = field.description or ""
            unit = extra.get("unit") or (
                description.rsplit("[", 1)[-1].rstrip("]") if description.endswith("]") else ""
            )
            rows.append(
                {
                    "path": f"{block}.{name}",
                    "default": field.get_default(call_default_factory=True),
                    "unit": unit,
                    "min": getattr(bounds.get("Ge"), "ge", None),
                    "max": getattr(bounds.get("Le"), "le", None),
                    "role": extra.get("role", role_default),
                    "meaning": description.rsplit(" [", 1)[0]
                    if description.endswith("]")
                    else description,
                    "basis": extra.get("basis", ""),
                }
            )
    return rows


def json_schema() -> dict[str, Any]:
    """The JSON schema of a scenario file, for editors and external validation."""
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "path of a scenario file this one overrides",
    }
    return schema
