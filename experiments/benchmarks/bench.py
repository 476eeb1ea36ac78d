"""nsrsim performance suite (``make bench``): vectorised model vs a per-agent Mesa reference.

    python experiments/benchmarks/bench.py [--quick]

For each size it builds the baseline with that many firms, in the initial state and in a late
state (after 20 simulated years, when knowledge has converged and partner search is harder),
and prints: ms per step and firm-steps per second of the vectorised model; ms per step of the
per-agent reference (``reference.py``, same rules and draws) from the same state and the paired
speed ratio; Mesa's own share of step time; peak memory; and a compute yardstick — the bare
NumPy cost of the draws and arithmetic one step cannot avoid, at the same state — with the
model's ratio to it. Every measurement runs in a fresh process (so peak memory is its own). The
last line is a machine-readable summary.
"""

import argparse
import cProfile
import importlib.util
import json
import pstats
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from nsrsim import NSRModel
from nsrsim.config import Scenario, load_scenario
from nsrsim.errors import ConfigError
from nsrsim.simulate import simulate

HERE = Path(__file__).resolve().parent
BASELINE = HERE.parents[1] / "configs" / "baseline.yaml"
LATE_YEARS = 20
RESOLUTIONS = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 20000)


def resolution(n_firms: int) -> int:
    """The finest ``targeted_firms_per_agent`` (at least the default 10) that ``n_firms``
    agents allow: small models sample the targeted strata more coarsely.
    """
    from nsrsim.population import sample_design

    for per_agent in RESOLUTIONS:
        overrides = {
            "population.n_firms": n_firms,
            "population.targeted_firms_per_agent": per_agent,
        }
        try:
            sample_design(load_scenario(BASELINE, overrides))
            return per_agent
        except ConfigError:
            continue
    raise ConfigError(f"{n_firms} agents are too few for the baseline at any resolution")


def bench_scenario(n_firms: int, years: int) -> Scenario:
    """The baseline's rules at ``n_firms`` agents, without policy instruments (the per-agent
    reference implements the rules, not the instruments).
    """
    return load_scenario(
        BASELINE,
        {
            "population.n_firms": n_firms,
            "population.targeted_firms_per_agent": resolution(n_firms),
            "run.years": years,
            "programmes": [],
        },
    )


def load_reference():
    """The per-agent reference module (a file beside this one)."""
    spec = importlib.util.spec_from_file_location("reference", HERE / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def model_at(n_firms: int, state: str) -> NSRModel:
    """A baseline model of ``n_firms``, warmed up one year (initial) or 20 years (late)."""
    model = NSRModel(bench_scenario(n_firms, 100))
    years = LATE_YEARS if state == "late" else 1
    for _ in range(years * model.config.run.steps_per_year):
        model.step()
    return model


def time_steps(step, steps: int) -> float:
    """Median seconds per call of ``step`` over ``steps`` calls (robust to a busy machine)."""
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def yardstick(model: NSRModel, repeats: int = 5) -> float:
    """Seconds of the unavoidable NumPy work of one step at the model's current state.

    The same number of uniform draws as the step makes, the cognitive-distance evaluation of
    every candidate pair, learning along every link, and one update pass over the firm state.
    """
    cfg = model.config.partnering
    firms = model.firms
    live = firms.live()
    n, k = live.size, firms.knowledge.shape[1]
    degree = model.links.degree(firms.n)[live]
    free = live[degree < cfg.max_partners]
    culture = model.search_culture[firms.country[free]]
    rate = cfg.searches_per_project * culture * model.innovation_effort(free)
    searchers = round(float(-np.expm1(-rate * model.dt).sum()))
    pairs = searchers * cfg.candidates
    n_links = len(model.links)
    n_clusters = len(model.cluster_info.name)
    n_draws = (
        6 * n
        + (degree < cfg.max_partners).sum()
        + 3 * pairs
        + searchers
        + n_links
        + 3 * n_clusters**2
    )  # uniforms from a block generator: the bare cost of random numbers, keyed or not
    rng = np.random.default_rng(0)
    knowledge = firms.knowledge[live]
    a = rng.integers(0, n, size=n_links)
    b = rng.integers(0, n, size=n_links)
    cand = rng.integers(0, n, size=pairs)
    owner = np.repeat(np.arange(searchers), cfg.candidates) % max(n, 1)
    best = []
    for _ in range(repeats):
        start = time.perf_counter()
        rng.random(n_draws)
        ki, kj = knowledge[owner], knowledge[cand]
        cos = np.einsum("ij,ij->i", ki, kj) / (
            np.linalg.norm(ki, axis=1) * np.linalg.norm(kj, axis=1)
        )
        x = (1.0 - cos) / cfg.optimal_distance
        x * np.exp(1.0 - x)
        lead = knowledge[b] - knowledge[a]
        gain = np.zeros_like(knowledge)
        for field in range(k):
            gain[:, field] = np.bincount(a, weights=np.maximum(lead[:, field], 0), minlength=n)
        np.clip((knowledge + gain) * 0.99, 0.0, 1.0)
        jobs = firms.jobs[live] * np.exp(0.01 * (firms.productivity[live] / 1e5 - 1.0))
        np.bincount(firms.region[live], weights=jobs * firms.productivity[live])
        best.append(time.perf_counter() - start)
    return min(best)


def mesa_share(model: NSRModel, steps: int) -> float:
    """Share of step time spent in Mesa's own code (cProfile self time of mesa/ frames)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        model.step()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(row[2] for row in stats.values())
    mesa = sum(row[2] for (path, _, _), row in stats.items() if "/mesa/" in path.replace("\\", "/"))
    return mesa / total


def one(n_firms: int, state: str, ref_steps: int, vec_steps: int) -> dict:
    """All measurements of one size and state (run in its own process)."""
    model = model_at(n_firms, state)
    result = {
        "n_firms": n_firms,
        "state": state,
        "live": int(model.firms.live().size),
        "links": len(model.links),
    }
    if ref_steps:
        ref = load_reference().ReferenceModel.from_model(model)
        result["ref_ms"] = 1e3 * time_steps(ref.step, ref_steps)
    result["vec_ms"] = 1e3 * time_steps(model.step, vec_steps)
    result["floor_ms"] = 1e3 * yardstick(model)
    result["mesa_share"] = mesa_share(model, vec_steps)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def whole_workload() -> float:
    """Seconds of the 20-year baseline (configs/baseline.yaml, its 10-year burn-in and
    INTERREG A programmes included) on one core, world already built.
    """
    simulate(load_scenario(BASELINE, {"run.years": 1}))
    start = time.perf_counter()
    simulate(load_scenario(BASELINE))
    return time.perf_counter() - start


def sobol_estimate(sample: int) -> tuple[str, dict[str, float]]:
    """Projected time of the two shipped Sobol analyses (8 parameters, N=512, second order,
    2 replicates, 10 years, each at its analysis resolution): issue 11's yardstick, 18,432
    single baseline runs (experiments/sa_sobol_baseline.yaml), and the framework analysis
    (experiments/sa_sobol_framework.yaml), whose work unit is a pair of runs (baseline and
    framework) with the effects computed.

    Measured as ``nsrsim sa`` runs them: a random ``sample`` of each design's points (seed 0;
    their costs vary with the parameters) through joblib's loky backend on 2 workers, after a
    warm-up that loads the world and the compiled code in both. The one-core time of the same
    runs in this process is printed beside it.
    """
    from joblib import Parallel, delayed

    from nsrsim.runner import execute
    from nsrsim.sa import load_sa

    parts, minutes = [], {}
    for name, paired in (("sa_sobol_baseline.yaml", False), ("sa_sobol_framework.yaml", True)):
        path = HERE.parent / name
        spec, _ = load_sa(path)
        runs, outputs = sampled_runs(path, sample + 4, paired)
        warm, measured = runs[:4], runs[4:]
        execute(warm[0], outputs)
        start = time.process_time()
        for run in measured:
            execute(run, outputs)
        one_core = (time.process_time() - start) / len(measured)
        with Parallel(n_jobs=2, backend="loky") as parallel:
            parallel(delayed(execute)(run, outputs) for run in warm)
            start = time.perf_counter()
            parallel(delayed(execute)(run, outputs) for run in measured)
            two_workers = (time.perf_counter() - start) / len(measured)
        units = spec.n * (2 * len(spec.ranges()) + 2) * spec.replicates
        minutes["sobol_framework_min" if paired else "sobol_min"] = units * two_workers / 60
        parts.append(
            f"{name}: {units:,} {'pairs of runs' if paired else 'runs'} at {spec.constants}; "
            f"{len(measured)} sampled: {one_core:.3f} s each on one core, "
            f"{two_workers:.3f} s each on 2 workers ({one_core / two_workers:.2f}x): "
            f"{units * two_workers / 60:.0f} min, {units * two_workers / 1800:.2f}x the "
            "30-minute target"
        )
    return "Sobol SA projection: " + "; ".join(parts), minutes


def sampled_runs(path: Path, count: int, paired: bool) -> tuple[list, Any]:
    """``count`` design points of the SA file ``path`` (a random sample, seed 0: their costs
    vary with the parameters), planned as ``nsrsim sa`` runs them (pairs with ``paired``),
    and the outputs each run is condensed to.
    """
    from nsrsim.runner import RunOutputs, plan_points
    from nsrsim.sa import design, load_sa, outputs_spec, scenario_path

    spec, base = load_sa(path)
    _, values = design(spec)
    chosen = np.random.default_rng(0).choice(len(values), count, replace=False)
    runs = plan_points(
        base,
        values.iloc[chosen],
        1,
        spec.seed,
        "bench",
        years=spec.years,
        paired=scenario_path(spec, path) if paired else None,
        constants=spec.constants,
    )
    return runs, RunOutputs.of(outputs_spec(spec))


def batch_seconds(runs: int, n_firms: int, backend: str, jobs: int) -> float:
    """Seconds for ``runs`` 20-year baseline runs of ``n_firms`` through the batch runner."""
    import tempfile

    from nsrsim.config import Experiment
    from nsrsim.sweep import sweep

    base = BASELINE
    experiment = Experiment(
        name=f"bench-{backend}",
        base=str(base),
        replicates=runs,
        parameters={
            "population.n_firms": [n_firms],
            "population.targeted_firms_per_agent": [resolution(n_firms)],
        },
        years=20,
        outputs={"indicators": ["output_eur"]},
    )
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        sweep(
            experiment,
            base,
            Path(folder) / "out",
            backend=backend,
            jobs=jobs,
            progress=False,
            log=lambda _: None,
        )
        return time.perf_counter() - start


def main() -> None:
    """Run every measurement in a child process and print the table and the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--one", nargs=4, type=str, help=argparse.SUPPRESS)
    parser.add_argument(
        "--sa",
        type=int,
        metavar="SAMPLE",
        help="print only the Sobol projections, from SAMPLE design points of each file",
    )
    args = parser.parse_args()
    if args.sa:
        print(sobol_estimate(args.sa)[0])
        return
    if args.one:
        size, state, ref_steps, vec_steps = args.one
        print(json.dumps(one(int(size), state, int(ref_steps), int(vec_steps))))
        return
    plan = [(1000, 3, 20), (2000, 0, 20), (5000, 1, 12), (20000, 0, 12), (50000, 0, 6)]
    if args.quick:
        plan = [(1000, 1, 4), (2000, 0, 4)]
    rows = []
    print(
        f"{'firms':>7} {'state':>7} {'live':>6} {'links':>7} {'ms/step':>8} {'firm-st/s':>10} "
        f"{'ref ms':>9} {'speedup':>8} {'floor ms':>8} {'x floor':>7} {'mesa %':>7} "
        f"{'peak MB':>8}",
        flush=True,
    )
    for size, ref_steps, vec_steps in plan:
        for state in ("initial", "late"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(size),
                    state,
                    str(ref_steps),
                    str(vec_steps),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            ref = row.get("ref_ms")
            print(
                f"{size:>7} {state:>7} {row['live']:>6} {row['links']:>7} "
                f"{row['vec_ms']:>8.1f} {row['live'] / row['vec_ms'] * 1e3:>10,.0f} "
                f"{ref if ref else float('nan'):>9.0f} "
                f"{ref / row['vec_ms'] if ref else float('nan'):>8.0f} "
                f"{row['floor_ms']:>8.2f} {row['vec_ms'] / row['floor_ms']:>7.1f} "
                f"{100 * row['mesa_share']:>7.1f} {row['peak_mb']:>8.0f}",
                flush=True,
            )
    seconds = whole_workload()
    print(
        f"\nwhole workload: 20-year baseline run ({load_scenario(BASELINE).population.n_firms:,} "
        f"agents, burn-in included) on one core: {seconds:.1f} s",
        flush=True,
    )
    paired = 8 if args.quick else 100
    sequential = batch_seconds(paired, 1000, "sequential", 1)
    parallel = batch_seconds(paired, 1000, "loky", 2)
    print(
        f"batch runner, {paired} runs at 1,000 firms x 20 years: sequential {sequential:.1f} s,"
        f" loky on 2 cores {parallel:.1f} s: {sequential / parallel:.2f}x",
        flush=True,
    )
    many = 16 if args.quick else 200
    workload = batch_seconds(many, 1000, "loky", 2)
    print(
        f"whole workload: {many} runs at 1,000 firms x 20 years through the batch runner on "
        f"2 cores: {workload:.1f} s ({workload / many:.2f} s per run)"
    )
    projection, minutes = sobol_estimate(8 if args.quick else 60)
    print(projection)

    def pick(size, state, key):
        found = [r for r in rows if r["n_firms"] == size and r["state"] == state]
        return found[0].get(key) if found else None

    summary = {}
    for size in sorted({r["n_firms"] for r in rows}):
        for state in ("initial", "late"):
            ref, vec = pick(size, state, "ref_ms"), pick(size, state, "vec_ms")
            tag = "" if state == "initial" else "_late"
            if ref:
                summary[f"speedup_{size}{tag}"] = f"{ref / vec:.0f}"
            summary[f"throughput_{size}{tag}"] = f"{pick(size, state, 'live') / vec * 1e3:.0f}"
            summary[f"floor_ratio_{size}{tag}"] = f"{vec / pick(size, state, 'floor_ms'):.1f}"
        summary[f"mesa_share_{size}"] = f"{pick(size, 'initial', 'mesa_share'):.3f}"
        summary[f"peak_mb_{size}"] = f"{pick(size, 'late', 'peak_mb'):.0f}"
    summary["baseline_run_s"] = f"{seconds:.1f}"
    summary["batch_speedup_2cores"] = f"{sequential / parallel:.2f}"
    summary[f"batch_{many}_runs_s"] = f"{workload:.1f}"
    summary.update({name: f"{value:.0f}" for name, value in minutes.items()})
    print(" ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
