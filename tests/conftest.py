"""Shared fixtures: the baseline scenario and its world, a small five-region scenario for fast
tests, built once per session."""

import os
import tempfile
from pathlib import Path

import pytest

from nsrsim.config import Scenario, load_scenario
from nsrsim.world.world import World, build_world

# travel times are cached on disk; the suite keeps its own cache so it never sees stale files
os.environ["NSRSIM_CACHE"] = tempfile.mkdtemp(prefix="nsrsim-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"
SMALL = Path(__file__).resolve().parent / "small.yaml"


def small(**overrides) -> Scenario:
    """The small scenario with dotted overrides (``{"run.years": 2}``)."""
    return load_scenario(SMALL, overrides)


@pytest.fixture(scope="session")
def baseline_world() -> World:
    return build_world(load_scenario(BASELINE).world)
