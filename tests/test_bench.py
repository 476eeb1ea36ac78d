"""The benchmark suite runs end to end (a smoke run; speed targets are printed, not asserted)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "experiments" / "benchmarks" / "bench.py"


@pytest.mark.slow
def test_bench_quick_prints_a_summary():
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    summary = dict(item.split("=") for item in out.strip().splitlines()[-1].split())
    assert float(summary["speedup_1000"]) > 1
    assert float(summary["floor_ratio_2000"]) > 0
    assert 0 <= float(summary["mesa_share_1000"]) < 1
    assert float(summary["baseline_run_s"]) > 0
