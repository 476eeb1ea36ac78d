"""Where a pair of the framework file spends its time: wrapped timers per function.

Wraps the model's sub-models and the instruments' functions (or, with ``--compiled``, every
compiled kernel of the package) with timers, runs ``--pairs`` pairs of
``experiments/sa_sobol_framework.yaml`` at its default parameters on one core after a warm
pair, and prints each function's milliseconds a pair, calls a pair and microseconds a call.
Timers nest (a sub-model includes what it calls) and add a little to small calls; the machine's
speed drifts, so compare with ``pairs_ab.py`` rather than across sessions.

    python experiments/benchmarks/pair_timers.py --pairs 8
    python experiments/benchmarks/pair_timers.py --pairs 8 --compiled
    python experiments/benchmarks/pair_timers.py --pairs 8 --firms 4500  # and 18000: what a
    # sub-model costs a pair whatever the population (extrapolated to none) and per agent
"""

import argparse
import collections
import importlib
import pkgutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from numba.core.registry import CPUDispatcher

import nsrsim
from nsrsim import model, policy, runner
from nsrsim.rules import partnering
from nsrsim.sa import load_sa, outputs_spec, scenario_path

SA_FILE = Path(__file__).resolve().parents[1] / "sa_sobol_framework.yaml"
MODEL_PARTS = (
    "governments_decide", "clusters_act", "firms_partner", "firms_learn", "firms_innovate",
    "market_selects", "workers_move", "investment_flows", "_record_year", "_reset_year",
    "_init_agents", "link_economics", "innovation_effort", "absorptive", "link_terms",
    "__init__", "_burn_in", "with_policy", "_init_regions", "_init_demography",
    "_calibrate_propensity", "_enter_firms", "_births", "partner_values",
)  # fmt: skip
RUNNER_PARTS = ("paired_effects", "condense", "free_finished_runs")  # a pair's row and clean-up
POLICY_PARTS = (
    "matchmaking", "rd_projects", "_shortlist", "_introduce", "_record", "applicants",
    "_broker_pass",
)  # fmt: skip

spent: collections.Counter = collections.Counter()
calls: collections.Counter = collections.Counter()


def timed(function: Callable, name: str) -> Callable:
    """``function`` with its time and calls added to the counters under ``name``."""

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
            calls[name] += 1

    return wrapper


def wrap_parts() -> None:
    """Time the sub-models, the set-up (``__init__``: set-up and burn-in), the twin, the
    instruments' functions and a pair's row (by name, where they are looked up).
    """
    for name in MODEL_PARTS:
        setattr(model.NSRModel, name, timed(getattr(model.NSRModel, name), name))
    for name in POLICY_PARTS:
        setattr(policy, name, timed(getattr(policy, name), name))
    for name in RUNNER_PARTS:
        setattr(runner, name, timed(getattr(runner, name), name))
    policy.introduce = timed(partnering.introduce, "introduce (compiled)")
    policy.KINDS = {kind: getattr(policy, f.__name__) for kind, f in policy.KINDS.items()}


def wrap_compiled() -> None:
    """Time every compiled kernel of the package where a module holds it (outermost calls
    only: a kernel called by another is part of its caller's time).
    """
    for info in pkgutil.walk_packages(nsrsim.__path__, "nsrsim."):
        if ".dashboard" not in info.name:
            importlib.import_module(info.name)
    depth = [0]
    wrapped: dict[int, Callable] = {}

    def outermost(kernel: CPUDispatcher) -> Callable:
        inner = timed(kernel, kernel.__name__)

        def wrapper(*args, **kwargs):
            if depth[0]:
                return kernel(*args, **kwargs)
            depth[0] += 1
            try:
                return inner(*args, **kwargs)
            finally:
                depth[0] -= 1

        return wrapper

    for name, module in list(sys.modules.items()):
        if name.startswith("nsrsim"):
            for attr, value in list(vars(module).items()):
                if isinstance(value, CPUDispatcher):
                    wrapped.setdefault(id(value), outermost(value))
                    setattr(module, attr, wrapped[id(value)])


def main() -> None:
    """Run the pairs with the timers and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--compiled", action="store_true", help="time the compiled kernels")
    parser.add_argument(
        "--firms", type=int, help="population.n_firms instead of the file's (fixed vs per agent)"
    )
    args = parser.parse_args()
    (wrap_compiled if args.compiled else wrap_parts)()
    spec, base = load_sa(SA_FILE)
    runs = runner.plan_points(
        base,
        pd.DataFrame(index=pd.RangeIndex(1)),
        args.pairs + 1,
        spec.seed,
        "timers",
        years=spec.years,
        paired=scenario_path(spec, SA_FILE),
        constants={**spec.constants, **({"population.n_firms": args.firms} if args.firms else {})},
    )
    outputs = runner.RunOutputs.of(outputs_spec(spec))
    runner.execute(runs[0], outputs)  # compiled code loaded, caches warm
    spent.clear()
    calls.clear()
    start = time.perf_counter()
    for run in runs[1:]:
        runner.execute(run, outputs)
    pair = (time.perf_counter() - start) / args.pairs
    print(f"a pair: {pair * 1000:.1f} ms on one core ({args.pairs} pairs)")
    if args.compiled:
        total, count = sum(spent.values()) / args.pairs, sum(calls.values()) / args.pairs
        print(f"in compiled kernels: {total * 1000:.1f} ms, {count:.0f} calls")
    for name, seconds in spent.most_common():
        per_pair = seconds / args.pairs
        print(
            f"{name:28s} {per_pair * 1000:8.2f} ms {calls[name] / args.pairs:8.1f} calls "
            f"{seconds / calls[name] * 1e6:8.1f} us a call"
        )


if __name__ == "__main__":
    main()
