"""nsrsim: agent-based simulation of transnational cluster cooperation in the North Sea Region."""

__version__ = "0.1.0"
