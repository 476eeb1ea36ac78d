"""Scenario files: YAML loading with extends:, dotted overrides, validation, and the
one-paragraph error that names the field and what is allowed.
"""

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)

from nsrsim.config.scenario import Scenario
from nsrsim.errors import ConfigError

Overrides = Annotated[dict[str, Any], "dotted path -> value"]


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML itself would keep
    the last silently, so a scenario would not say what it seems to).
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """The mapping, or a constructor error at the second occurrence of a key."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (first at line {seen[key] + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML mapping, turning I/O, encoding and syntax problems (and keys given
    twice) into :class:`ConfigError`.
    """
    if not path.is_file():
        raise ConfigError(
            f"Scenario file {path} does not exist; give the path of a YAML file "
            "such as configs/baseline.yaml."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8."
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    try:
        data = yaml.load(text, Loader=UniqueKeyLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path} is not valid YAML{where}: {problem}. Fix the syntax "
            "(indentation, colons, quotes, keys given twice) and try again."
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path} must hold a YAML mapping of scenario fields (name:, world:, "
            f"run:, ...), not a {type(data).__name__}."
        )
    return data


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge mappings recursively; values (including lists) in ``override`` win."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def resolve_raw(path: Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """The file's mapping with its ``extends:`` chain merged in (paths relative to the file)."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, path))
        raise ConfigError(f"Scenario files extend each other in a cycle: {cycle}.")
    data = load_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(
            f"{path}: field 'extends' must be the path of another scenario file, not {parent!r}."
        )
    parent_path = (path.parent / parent).resolve()
    if not parent_path.is_file():
        raise ConfigError(
            f"{path}: field 'extends' names {parent}, but {parent_path} does not "
            "exist; paths are relative to the file that extends."
        )
    return deep_merge(resolve_raw(parent_path, (*_chain, path)), data)


def set_dotted(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``data`` with ``dotted`` (``run.seed``) set to ``value``."""
    head, _, rest = dotted.partition(".")
    out = dict(data)
    out[head] = set_dotted(dict(out.get(head) or {}), rest, value) if rest else value
    return out


def validate(data: dict[str, Any], source: str) -> Scenario:
    """Validate a raw mapping; every problem is reported in one paragraph naming its field."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, Scenario)) from None


def load_scenario(path: Path | str, overrides: Overrides | None = None) -> Scenario:
    """Load, merge ``extends:``, apply dotted overrides (CLI flags) and validate a scenario."""
    path = Path(path)
    data = resolve_raw(path)
    for dotted, value in (overrides or {}).items():
        data = set_dotted(data, dotted, value)
    return validate(data, str(path))


def format_validation_error(exc: ValidationError, source: str, root: type[BaseModel]) -> str:
    """One paragraph: the file, each bad field path, what was given and what is allowed."""
    problems = []
    for error in exc.errors():
        field = _dotted(error["loc"])
        given = error.get("input")
        kind = error["type"]
        if kind == "extra_forbidden":
            allowed = _allowed_keys(root, error["loc"][:-1])
            problems.append(f"'{field}' is not a known field; allowed here: {allowed}")
        elif kind == "missing":
            problems.append(f"'{field}' is required")
        elif isinstance(given, dict):  # a check across fields: the values are in the text
            detail = error["msg"].removeprefix("Value error, ")
            problems.append(f"'{field}': {detail}" if error["loc"] else detail)
        else:
            detail = error["msg"].removeprefix("Value error, ")
            hint = _field_hint(root, error["loc"])
            problems.append(f"'{field}' = {given!r} is not allowed: {detail}{hint}")
    return f"Configuration error in {source}: " + "; ".join(problems) + "."


def _dotted(loc: tuple[Any, ...]) -> str:
    """``('policies', 0, 'regions')`` -> ``policies[0].regions``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


def _walk(root: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, Any]:
    """Follow a pydantic error location to (model class, field info) where possible."""
    model: type[BaseModel] | None = root
    info = None
    for part in loc:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            if isinstance(part, int) and info is not None:
                continue  # list index: stay on the list's item type
            return None, None
        info = model.model_fields[part]
        annotation = info.annotation
        inner = getattr(annotation, "__args__", (annotation,))
        model = next((t for t in inner if isinstance(t, type) and issubclass(t, BaseModel)), None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return model, info


def field_info(path: str) -> Any:
    """The schema field at a dotted scenario path (None where the path is no schema field)."""
    return _walk(Scenario, tuple(path.split(".")))[1]


def _allowed_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    model = root if not loc else _walk(root, loc)[0]
    if model is None:
        return "(see 'nsrsim config schema')"
    return ", ".join(model.model_fields)


def _field_hint(root: type[BaseModel], loc: tuple[Any, ...]) -> str:
    _, info = _walk(root, loc)
    if info is None:
        return ""
    bounds = {type(m).__name__: m for m in info.metadata}
    lo = getattr(bounds.get("Ge"), "ge", None)
    hi = getattr(bounds.get("Le"), "le", None)
    parts = []
    if lo is not None or hi is not None:
        upper = hi if hi is not None else "no upper bound"
        parts.append(f"allowed range [{lo if lo is not None else '-inf'}, {upper}]")
    if info.description:
        parts.append(f"meaning: {info.description}")
    return f" ({'; '.join(parts)})" if parts else ""
