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
