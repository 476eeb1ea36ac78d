"""Shared fixtures: the baseline scenario and its world, a small five-region scenario for fast
tests, built once per session."""

import importlib.util
import os
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from nsrsim.config import Scenario, load_scenario
from nsrsim.world.world import World, build_world

# travel times are cached on disk; the suite keeps its own cache so it never sees stale files
os.environ["NSRSIM_CACHE"] = tempfile.mkdtemp(prefix="nsrsim-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "configs" / "baseline.yaml"
SMALL = Path(__file__).resolve().parent / "small.yaml"


def experiment_script(relative: str) -> ModuleType:
    """A script of experiments/ (``"benchmarks/reference.py"``) loaded as a module."""
    path = ROOT / "experiments" / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small(**overrides) -> Scenario:
    """The small scenario with dotted overrides (``{"run.years": 2}``)."""
    return load_scenario(SMALL, overrides)


@pytest.fixture(scope="session")
def baseline_world() -> World:
    return build_world(load_scenario(BASELINE).world)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite leaves no process behind: once joblib's reusable workers are shut down, no
    child of the test process may still run (a dashboard server, a Dask worker, a batch).
    """
    import subprocess

    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    found = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True)
    left = []
    for pid in found.stdout.split():
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split()[2] in ("Z", "X"):
            continue
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        if "resource_tracker" not in command:  # joblib's tracker ends with this process
            left.append(f"{pid}: {command[:120]}")
    if left:
        print("\nprocesses the tests left behind:\n  " + "\n  ".join(left))
        session.exitstatus = 1
