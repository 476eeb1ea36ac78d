"""The project's exception hierarchy: one base, one class per kind of user-facing failure.

The CLI turns any :class:`NsrsimError` into a one-paragraph message and exit code 2; anything
else is a bug and keeps its traceback.
"""


class NsrsimError(Exception):
    """Base class for errors a user can act on (bad input, not bugs)."""


class ConfigError(NsrsimError):
    """A scenario or experiment file is missing, malformed or has an invalid value."""


class DataError(NsrsimError):
    """A shipped or user-supplied data file is missing or inconsistent."""


def _damaged() -> tuple[type[BaseException], ...]:
    """Exceptions of reading a file that is not what it claims to be (a truncated Parquet
    file, a CSV or JSON that is not one, malformed YAML).
    """
    import json

    import pandas as pd
    import pyarrow as pa
    import yaml

    return (
        pa.ArrowException,
        json.JSONDecodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        yaml.YAMLError,
    )


DAMAGED = _damaged()


def describe_os_error(exc: OSError | UnicodeError) -> str:
    """One paragraph for a file that cannot be read or written: which, why, what to do."""
    if isinstance(exc, UnicodeError):
        return (
            f"a file is not UTF-8 text ({exc.__class__.__name__}: {exc}); scenario, experiment "
            "and results files are UTF-8. Save it as UTF-8 or give another file."
        )
    if not exc.filename and not exc.strerror:  # e.g. pandas names the path in its message
        return f"cannot use a path: {exc}. Check the path. Nothing was overwritten."
    path = exc.filename or "a file"
    why = exc.strerror or exc.__class__.__name__
    hints = {
        PermissionError: "nsrsim may not read or write there; give a path you own (e.g. a "
        "new --out folder under results/)",
        FileNotFoundError: "it (or a folder above it) does not exist; check the path",
        NotADirectoryError: "a part of the path is a file, not a folder; give a folder path",
        IsADirectoryError: "it is a folder where a file is expected; give a file path",
        FileExistsError: "it exists already; nsrsim does not overwrite it",
    }
    hint = next((h for kind, h in hints.items() if isinstance(exc, kind)), "check the path")
    return f"cannot use {path}: {why}. {hint[0].upper()}{hint[1:]}. Nothing was overwritten."


def describe_damage(exc: BaseException) -> str:
    """One paragraph for a damaged or foreign file."""
    return (
        f"a file nsrsim read is damaged or not what nsrsim wrote ({exc.__class__.__name__}: "
        f"{str(exc).splitlines()[0] if str(exc) else ''}). If it is a results folder, move the "
        "damaged file aside (a batch folder then recomputes the runs it held) or give another "
        "--out folder; if it is an input file, check it."
    )
