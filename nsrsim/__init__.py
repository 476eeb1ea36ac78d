"""nsrsim: agent-based simulation of transnational cluster cooperation in the North Sea Region."""

from nsrsim.model import NSRModel

__all__ = ["NSRModel"]
__version__ = "0.1.0"
