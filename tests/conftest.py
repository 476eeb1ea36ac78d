"""Shared fixtures: the baseline scenario and its world, built once per session."""

from pathlib import Path

import pytest

from nsrsim.config import load_scenario
from nsrsim.world.world import World, build_world

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"


@pytest.fixture(scope="session")
def baseline_world() -> World:
    return build_world(load_scenario(BASELINE).world)
