"""nsrsim: agent-based simulation of transnational cluster cooperation in the North Sea Region."""

from nsrsim.compiled_cache import use_source_keyed_cache

use_source_keyed_cache()  # before any kernel is defined (nsrsim/compiled_cache.py)

from nsrsim.model import NSRModel  # noqa: E402

__all__ = ["NSRModel"]
__version__ = "0.1.0"
