"""Digests of model states, to show that a speed change leaves every number as it was.

Runs three pairs of ``experiments/sa_sobol_framework.yaml`` at its analysis resolution, an
8-year pair of the small test scenario with the framework and one instrument of every kind,
and six years of the baseline at its default resolution; writes a short hash of every firm
array, of the links and of the yearly indicators of each. Run it before and after a change
and compare:

    python experiments/benchmarks/state_digest.py before.json
    # ... change the code ...
    python experiments/benchmarks/state_digest.py after.json --against before.json
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from nsrsim.config import Scenario, load_scenario
from nsrsim.model import NSRModel
from nsrsim.runner import plan_points
from nsrsim.sa import load_sa, scenario_path
from nsrsim.warm import EVERY_KIND

ROOT = Path(__file__).resolve().parents[2]


def short_hash(data: bytes) -> str:
    """The first 12 hex digits of a SHA-1."""
    return hashlib.sha1(data).hexdigest()[:12]


def finished(model: NSRModel) -> NSRModel:
    """The model stepped to the end of its run."""
    while model.running:
        model.step()
    return model


def pair(base: Scenario, policy: Scenario) -> tuple[NSRModel, NSRModel]:
    """Both arms of a pair, as the batch runner makes them (one set-up and burn-in)."""
    model = NSRModel(base)
    return finished(model.with_policy(policy)), finished(model)


def digest(model: NSRModel) -> dict[str, str]:
    """A hash per firm array (rows in use), per link array and of the indicators."""
    firms = model.firms
    out = {
        f"firm.{name}": short_hash(np.ascontiguousarray(getattr(firms, name)[: firms.n]).tobytes())
        for name in firms.columns()
    }
    for name in ("a", "b", "age"):
        out[f"link.{name}"] = short_hash(np.ascontiguousarray(getattr(model.links, name)).tobytes())
    hashed = pd.util.hash_pandas_object(pd.DataFrame(model.indicator_rows), index=True)
    out["indicators"] = short_hash(hashed.to_numpy().tobytes())
    return out


def states() -> dict[str, dict[str, str]]:
    """The digests of every run described in the module docstring."""
    out = {}
    path = ROOT / "experiments" / "sa_sobol_framework.yaml"
    spec, base = load_sa(path)
    point = pd.DataFrame(index=pd.RangeIndex(1))
    runs = plan_points(
        base,
        point,
        3,
        spec.seed,
        "digest",
        years=spec.years,
        paired=scenario_path(spec, path),
        constants=spec.constants,
    )
    for i, run in enumerate(runs):
        arms = pair(Scenario.model_validate(run.scenario), Scenario.model_validate(run.paired))
        out[f"sa{i}.policy"], out[f"sa{i}.base"] = (digest(m) for m in arms)
    small = load_scenario(ROOT / "tests" / "small.yaml", {"run.years": 8})
    data = small.model_dump(mode="json")
    data["framework"].update(enabled=True, start_year=1, duration_years=5)
    data["policies"] = [
        {**kind, "duration_years": 5, "budget_eur_per_year": 3e5} for kind in EVERY_KIND
    ]
    arms = pair(small, Scenario.model_validate(data))
    out["every.policy"], out["every.base"] = (digest(m) for m in arms)
    baseline = load_scenario(ROOT / "configs" / "baseline.yaml", {"run.years": 6})
    out["baseline6"] = digest(finished(NSRModel(baseline)))
    return out


def main() -> int:
    """Write the digests; with ``--against``, list what differs (exit 1 if anything)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--against", type=Path, help="an earlier digest file to compare with")
    args = parser.parse_args()
    mine = states()
    args.out.write_text(json.dumps(mine, indent=1))
    if args.against is None:
        return 0
    theirs = json.loads(args.against.read_text())
    differ = [
        f"{run}:{name}"
        for run in theirs
        for name in theirs[run]
        if mine.get(run, {}).get(name) != theirs[run][name]
    ]
    print("every state equal" if not differ else f"{len(differ)} differ: {', '.join(differ[:20])}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
