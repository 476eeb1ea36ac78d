"""Command line: ``nsrsim run | sweep | compare | validate | calibrate | results | config |
world | map``.

Every user-facing failure (:class:`~nsrsim.errors.NsrsimError`) becomes one paragraph on stderr
and exit code 2; nothing already written is touched.
"""

import argparse
import gc
import json
import math
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pandas as pd
import yaml

from nsrsim import __version__, errors
from nsrsim.config import ExecutionConfig, Scenario, json_schema, load_scenario
from nsrsim.errors import NsrsimError

DEFAULT_CONFIG = Path("configs/baseline.yaml")


def _scenario(args: argparse.Namespace) -> Scenario:
    overrides = {}
    if getattr(args, "seed", None) is not None:
        overrides["run.seed"] = args.seed
    if getattr(args, "years", None) is not None:
        overrides["run.years"] = args.years
    return load_scenario(args.config, overrides)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its results folder."""
    from nsrsim.memory import keep_freed_memory
    from nsrsim.plots.run import run_figures
    from nsrsim.population import sample_design
    from nsrsim.simulate import simulate
    from nsrsim.store import new_run_dir, prepare_out_dir, write_run
    from nsrsim.world.world import cached_world

    scenario = _scenario(args)
    sample_design(scenario)  # a sample n_firms cannot hold is refused before any folder
    # the folder first: a used or unwritable one is refused before anything is computed
    run_dir = prepare_out_dir(args.out) if args.out else new_run_dir(scenario)
    keep_freed_memory()
    result = simulate(scenario, progress=not args.quiet)
    write_run(result, run_dir)
    run_figures(
        cached_world(scenario.world),
        result.indicators,
        result.regions,
        result.firms,
        result.links,
        run_dir / "figures",
        scenario.name,
    )
    print(_format_summary(result.indicators))
    print()
    print(sample_summary(result.strata))
    print(
        f"\n{scenario.run.years} years of '{scenario.name}' (seed {scenario.run.seed}) in "
        f"{result.wall_time_s:.1f} s. Results written to {run_dir}/"
    )
    return 0


def _format_summary(indicators: pd.DataFrame) -> str:
    from nsrsim.indicators import OUTCOMES

    first, last = indicators.iloc[0], indicators.iloc[-1]
    lines = [f"{'indicator':<42}{'unit':>16}{'year 0':>14}{f'year {int(last.year)}':>14}"]
    for outcome in OUTCOMES:
        lines.append(
            f"{outcome.label:<42}{outcome.unit:>16}{first[outcome.name]:>14.4g}"
            f"{last[outcome.name]:>14.4g}"
        )
    return "\n".join(lines)


def sample_summary(strata: pd.DataFrame) -> str:
    """What the firm agents stand for: agents, real firms and weights of the sample's parts."""
    lines = []
    total_agents, total_firms = strata["agents"].sum(), strata["real_firms"].sum()
    lines.append(
        f"{total_agents:,} firm agents stand for {total_firms:,.0f} real firms "
        "at the start (strata.parquet lists them; cohorts' weights then follow births and "
        "deaths):"
    )
    parts = (
        ("cluster members", strata["cluster"] != ""),
        ("small+ firms of priority sectors", strata["targeted"] & (strata["cluster"] == "")),
        ("rest of the economy", ~strata["targeted"]),
    )
    for name, mask in parts:
        part = strata[mask]
        if part.empty:
            continue
        weight = part["real_firms_per_agent"]
        lines.append(
            f"  {name:<34}{part['agents'].sum():>7,} agents {part['real_firms'].sum():>11,.0f} "
            f"firms   real firms per agent {weight.min():,.1f}-{weight.max():,.1f} "
            f"(median {weight.median():,.1f})"
        )
    return "\n".join(lines)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run an experiment's runs (resuming a folder that holds the same experiment)."""
    from nsrsim.config import load_experiment
    from nsrsim.study import run_study
    from nsrsim.sweep import Sweep

    experiment, base = load_experiment(args.experiment)
    out = args.out or Path("results") / experiment.name
    return run_study(Sweep(experiment, base), out, _execution(args, experiment.execution))


def _doses(text: str | None) -> list[float]:
    """Doses from ``--dose 0,0.5,1``: non-negative numbers."""
    if text is None:
        return [1.0]
    try:
        doses = [float(part) for part in text.split(",")]
    except ValueError:
        doses = []
    finite = all(math.isfinite(d) and d <= 1e6 for d in doses)
    if not doses or not finite or any(d < 0 for d in doses) or len(set(doses)) != len(doses):
        raise NsrsimError(
            f"--dose must be a comma-separated list of distinct finite numbers from 0 to 1e6 "
            f"(multiples of the "
            f"alternatives' instrument budgets), e.g. 0,0.5,1,2; got {text!r}."
        )
    return doses


def _execution(args: argparse.Namespace, spec: ExecutionConfig | None = None) -> dict:
    """The batch runner's backend, workers, scheduler and progress: the command line's flags,
    else the spec file's ``execution`` block.
    """
    spec = spec or ExecutionConfig()
    return {
        "backend": args.backend or spec.backend,
        "jobs": args.jobs if args.jobs is not None else spec.jobs,
        "scheduler": args.scheduler or spec.scheduler,
        "progress": not args.quiet,
        "log": print,
    }


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios with common random numbers and report their effects against the first."""
    from nsrsim.studies import Compare
    from nsrsim.study import run_study

    paths = [args.base, *args.alternatives]
    _say_overrides(args)
    study = Compare(paths, args.replicates, args.years, args.seed, _doses(args.dose), args.power)
    out = args.out or Path("results") / f"compare-{study.layout.digest}"
    return run_study(study, out, _execution(args))


def _say_overrides(args: argparse.Namespace) -> None:
    """Say which years and master seed a comparison or validation runs: they replace the
    scenario files' own ``run.years`` and ``run.seed``.
    """
    print(
        f"{args.replicates} replicates of {args.years} years from master seed {args.seed} "
        "(--replicates, --years, --seed; the scenario files' run.years and run.seed are not "
        "used)"
    )


def cmd_validate(args: argparse.Namespace) -> int:
    """Run replicates of a scenario and report how it reproduces the empirical patterns."""
    from nsrsim.studies import Validate
    from nsrsim.study import run_study

    _say_overrides(args)
    study = Validate(args.config, args.replicates, args.years, args.seed)
    out = args.out or Path("results") / f"validate-{study.layout.digest}"
    return run_study(study, out, _execution(args))


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Approximate Bayesian computation against the validation patterns."""
    from nsrsim.calibrate import load_calibration
    from nsrsim.studies import Calibrate
    from nsrsim.study import run_study

    calibration, base = load_calibration(args.calibration)
    out = args.out or Path("results") / calibration.name
    study = Calibrate(calibration, base, args.calibration)
    return run_study(study, out, _execution(args, calibration.execution))


def cmd_sa(args: argparse.Namespace) -> int:
    """A sensitivity analysis of the model: sample, run (resumable), analyse, plot."""
    from nsrsim.sa import load_sa, reload_with_n, scenario_path
    from nsrsim.studies import SensitivityAnalysis
    from nsrsim.study import run_study

    spec, base = load_sa(args.spec)
    if args.n is not None:
        spec = reload_with_n(spec, args.n)
    study = SensitivityAnalysis(spec, base, scenario_path(spec, args.spec), args.convergence)
    out = args.out or Path("results") / spec.name
    return run_study(study, out, _execution(args, spec.execution))


def cmd_discover(args: argparse.Namespace) -> int:
    """Scenario discovery with PRIM on a results folder."""
    from nsrsim.discover import discover, figures, load_points, summary, write

    out = args.out or args.folder / f"discover-{args.output.replace('@', '_y')}"
    if out.exists() and any(out.iterdir()):
        raise NsrsimError(f"{out} exists and is not empty; give a new --out folder.")
    x, values = load_points(args.folder, args.output)
    out.mkdir(parents=True, exist_ok=True)  # an unwritable --out fails before the analysis
    found = discover(x, values, args.threshold, args.below, args.min_coverage)
    write(found, out)
    figures(found, out)
    print(summary(found, args.output, args.threshold, args.below))
    print(f"\nResults in {out}/ (peeling.csv, box.csv, tradeoff.png, box.png)")
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    """The project idea's analyses: innovation gap, S3 linkages, cluster partnerships."""
    from nsrsim.studies import Analyse
    from nsrsim.study import run_study

    scenario = _scenario(args)
    study = Analyse(
        scenario, args.config, args.replicates, args.top, args.budget, args.beyond_interreg
    )
    out = args.out or Path("results") / f"analyse-{scenario.name}"
    return run_study(study, out, _execution(args))


def cmd_report(args: argparse.Namespace) -> int:
    """One self-contained HTML report of a results folder."""
    from nsrsim.report import build
    from nsrsim.store import write_text_atomic

    out = args.out or args.folder / "report.html"
    if out.exists() and not args.force:
        raise NsrsimError(f"{out} already exists; give another --out file or --force.")
    try:
        page = build(args.folder, args.validation, args.sa, args.analyses)
    except (*errors.DAMAGED, KeyError) as exc:  # a results file changed by something else
        raise NsrsimError(
            f"{args.folder} (or a folder added to the report) holds a damaged or foreign "
            f"results file ({exc.__class__.__name__}: {str(exc).splitlines()[0]}); rerun the "
            "command that wrote it into a new --out folder."
        ) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, page)
    print(f"Report written to {out} ({len(page) / 1e6:.1f} MB, opens without a network)")
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the live dashboard (two worlds side by side, Solara) of a scenario."""
    import importlib.util

    if args.config is not None:
        load_scenario(args.config)  # a bad file is a clear error before the server starts
    lacking = [m for m in ("solara", "matplotlib") if importlib.util.find_spec(m) is None]
    if lacking:  # the server runs in a child process: check here, not in its traceback
        raise NsrsimError(
            f"the dashboard needs the 'dashboard' extra ({', '.join(lacking)} is missing): run "
            "'make dashboard' (it installs the extra and starts the dashboard), or pip install "
            "-e '.[dashboard]'."
        )
    from nsrsim.dashboard.serve import serve

    return serve(args.config, args.host, args.port, args.expose)


def cmd_results(args: argparse.Namespace) -> int:
    """Summarise a sweep folder and optionally export its runs as CSV."""
    from nsrsim.runner import summary

    counts = summary(args.folder)
    print(
        f"{args.folder}: {counts['total']} runs: {counts['done']} done, {counts['failed']} "
        f"failed, {counts['missing']} missing"
    )
    if args.csv:
        if args.csv.exists():
            raise NsrsimError(f"{args.csv} already exists; nsrsim does not overwrite it.")
        pd.read_parquet(args.folder / "runs.parquet").to_csv(args.csv, index=False)
        print(f"runs written to {args.csv}")
    return 0


def cmd_config_show(args: argparse.Namespace) -> int:
    """Print the fully resolved scenario as YAML."""
    scenario = load_scenario(args.file)
    print(
        yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True),
        end="",
    )
    return 0


def cmd_config_schema(_: argparse.Namespace) -> int:
    """Print the JSON schema of scenario files."""
    print(json.dumps(json_schema(), indent=2))
    return 0


def cmd_config_params(_: argparse.Namespace) -> int:
    """Print every parameter as a Markdown table (the table in docs/ODD.md): validation
    bounds, and for uncertainties the plausible range and distribution that sampling uses.
    """
    from nsrsim.uncertainty import table

    print("| parameter | default | unit | valid | plausible | distribution | role | meaning |")
    print("|---|---|---|---|---|---|---|---|")
    for row in table().to_dict("records"):
        low = "" if row["min"] is None or row["min"] != row["min"] else f"{row['min']:g}"
        high = "" if row["max"] is None or row["max"] != row["max"] else f"{row['max']:g}"
        span = f"[{low}, {high}]" if low or high else ""
        default = row["default"]
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        if isinstance(default, list) and len(shown) > 40:
            shown = f"{len(default)} items"
        basis = f" (basis: {row['basis']})" if row["basis"] else ""
        reason = f"; plausible: {row['reason']}" if row["reason"] else ""
        print(
            f"| `{row['path']}` | {shown} | {row['unit']} | {span} | {row['plausible']} | "
            f"{row['distribution']} | {row['role']} | {row['meaning']}{basis}{reason} |"
        )
    return 0


def cmd_world(args: argparse.Namespace) -> int:
    """Print the table of modelled regions."""
    from nsrsim.world.world import build_world

    scenario = load_scenario(args.config)
    world = build_world(scenario.world)
    from nsrsim.population import sample_design

    strata = sample_design(scenario).strata
    table = world.region_table()
    by_region = strata.groupby("region")[["real_firms", "agents"]].sum()
    table["real_firms"] = by_region["real_firms"].to_numpy()
    table["agents"] = by_region["agents"].to_numpy()
    print(_format_region_table(table))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    """Draw the map of a scenario's world."""
    from nsrsim.maps import draw_map
    from nsrsim.world.world import build_world

    if args.out.exists() and not args.force:
        raise NsrsimError(
            f"{args.out} already exists; nsrsim does not overwrite it. Give "
            "another --out path or add --force."
        )
    if args.out.suffix.lower() != ".png":
        raise NsrsimError(f"--out must name a .png file, not {args.out}.")
    scenario = load_scenario(args.config)
    path = draw_map(build_world(scenario.world), args.out)
    print(f"Map written to {path}")
    return 0


def _format_region_table(table: pd.DataFrame) -> str:
    shown = table.assign(
        population=(table["population"] / 1e6).map("{:.2f} M".format),
        urban_pop_share=(100 * table["urban_pop_share"]).map("{:.0f} %".format),
        real_firms=table["real_firms"].round(0).astype(int),
        interreg_a=table["interreg_a"].replace("", "-"),
    ).rename(columns={"urban_pop_share": "urban_pop", "land_cells": "cells"})
    total = (
        f"\n{len(table)} regions, {table['land_cells'].sum()} land cells, "
        f"{table['population'].sum() / 1e6:.1f} M inhabitants, {table['real_firms'].sum():,.0f} "
        f"real firms in {table['agents'].sum():,} firm agents (the scenario's sample)."
    )
    return shown.to_string() + total


def integer(low: int, high: int | None = None, allowed: tuple[int, ...] = ()) -> Callable:
    """An argparse type: a whole number in [low, high] (or one of ``allowed``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value in allowed or (value >= low and (high is None or value <= high)):
            return value
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        extra = f" (or {', '.join(map(str, allowed))})" if allowed else ""
        raise argparse.ArgumentTypeError(f"{value} is not {bounds}{extra}")

    return parse


def number(low: float | None = None, high: float | None = None, above: bool = False) -> Callable:
    """An argparse type: a finite number (not inf, not nan), at least ``low`` (above it if
    ``above``) and at most ``high``.
    """

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if low is not None and (value < low or (above and value == low)):
            raise argparse.ArgumentTypeError(
                f"{value:g} is not {'above' if above else 'at least'} {low:g}"
            )
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{value:g} is above {high:g}")
        return value

    return parse


JOBS = integer(1, 4096, allowed=(-1,))  # joblib: -1 is every core, 0 means nothing
YEARS = integer(1, 100)
SEED = integer(0, 2**63 - 1)


def _replicate_options(parser: argparse.ArgumentParser) -> None:
    """Years and master seed of a command that runs whole scenarios as replicates (compare,
    validate): the scenarios' own run.years and run.seed are not used.
    """
    parser.add_argument(
        "--years", type=YEARS, default=20,
        help="simulated years (default 20, whatever the scenarios' run.years say)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=SEED, default=0,
        help="master seed of the replicates (default 0; the scenarios' run.seed is not used)",
    )  # fmt: skip


def _batch_options(parser: argparse.ArgumentParser, out_help: str, from_file: bool) -> None:
    """The batch runner's options: backend, workers, scheduler, results folder, progress.
    ``from_file``: the spec file's ``execution`` block gives the defaults, flags override it.
    """
    backends = ["sequential", "loky", "dask"]
    if from_file:
        parser.add_argument("--backend", choices=backends, help="override execution.backend")
        parser.add_argument("--jobs", type=JOBS, help="parallel workers (-1: all cores)")
    else:
        parser.add_argument("--backend", choices=backends, default="loky", help="(default loky)")
        parser.add_argument(
            "--jobs", type=JOBS, default=-1, help="parallel workers (default -1: all cores)"
        )
    parser.add_argument("--scheduler", help="dask scheduler address, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--out", type=Path, help=out_help)
    parser.add_argument("--quiet", action="store_true", help="log lines instead of a bar")


class Parser(argparse.ArgumentParser):
    """argparse with its errors in one paragraph (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message`` and where the usage is; exit 2."""
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help').\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one sub-command per job."""
    parser = Parser(
        prog="nsrsim",
        description="Agent-based simulation of transnational cluster "
        "cooperation in the North Sea Region.",
    )
    parser.add_argument("--version", action="version", version=f"nsrsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one scenario and write its results folder")
    run.add_argument("config", type=Path, help="scenario YAML file, e.g. configs/baseline.yaml")
    run.add_argument("--seed", type=SEED, help="override run.seed")
    run.add_argument("--years", type=YEARS, help="override run.years")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument(
        "--out",
        type=Path,
        help="results folder (new or empty); default results/<scenario>-<timestamp>/",
    )
    run.set_defaults(func=cmd_run)

    sweep = sub.add_parser("sweep", help="run an experiment (a batch of runs), resumable")
    sweep.add_argument(
        "experiment", type=Path, help="experiment YAML, e.g. experiments/example_grid.yaml"
    )
    _batch_options(sweep, "results folder (default results/<name>/)", from_file=True)
    sweep.add_argument(
        "--resume",
        action="store_true",
        help="continue a folder of the same experiment (the default anyway)",
    )
    sweep.set_defaults(func=cmd_sweep)

    compare = sub.add_parser("compare", help="compare scenarios against a base (paired seeds)")
    compare.add_argument("base", type=Path, help="the base scenario, e.g. configs/baseline.yaml")
    compare.add_argument("alternatives", type=Path, nargs="+", help="scenarios to compare")
    compare.add_argument(
        "--replicates", type=integer(2, 100_000), default=10,
        help="runs per scenario (>= 2; default 10)",
    )  # fmt: skip
    compare.add_argument(
        "--dose",
        help="comma-separated multiples of the alternatives' instrument budgets, e.g. "
        "0,0.5,1,2,5,10 (default 1)",
    )
    compare.add_argument(
        "--power",
        type=number(0.0, 10.0, above=True),
        help="also report the replicates needed to detect this relative effect (0.01 = 1 %%)",
    )
    _replicate_options(compare)
    _batch_options(
        compare, "results folder (default results/compare-<hash>/, resumable)", from_file=False
    )
    compare.set_defaults(func=cmd_compare)

    validate = sub.add_parser(
        "validate", help="check a scenario against empirical patterns (replicates)"
    )
    validate.add_argument("config", type=Path, nargs="?", default=DEFAULT_CONFIG)
    validate.add_argument(
        "--replicates", type=integer(2, 100_000), default=10, help="runs (>= 2; default 10)"
    )
    _replicate_options(validate)
    _batch_options(
        validate, "results folder (default results/validate-<hash>/, resumable)", from_file=False
    )
    validate.set_defaults(func=cmd_validate)

    calibrate = sub.add_parser(
        "calibrate", help="approximate Bayesian computation against the validation patterns"
    )
    calibrate.add_argument(
        "calibration", type=Path, help="calibration YAML, e.g. experiments/calibrate_baseline.yaml"
    )
    _batch_options(calibrate, "results folder (default results/<name>/)", from_file=True)
    calibrate.set_defaults(func=cmd_calibrate)

    sa = sub.add_parser("sa", help="global sensitivity analysis (SALib) of the model")
    sa.add_argument("spec", type=Path, help="SA YAML, e.g. experiments/sa_morris_screening.yaml")
    _batch_options(sa, "results folder (default results/<name>/)", from_file=True)
    sa.add_argument(
        "--convergence",
        action="store_true",
        help="reanalyse nested subsamples N/8..N (Sobol, Morris): convergence.csv and figure",
    )
    sa.add_argument(
        "--n",
        type=integer(1, 1_000_000),
        help="override the file's N (a smaller sample for a first look or a timing; the "
        "results folder is then a different analysis)",
    )
    sa.set_defaults(func=cmd_sa)

    analyse = sub.add_parser(
        "analyse",
        help="innovation gap, smart-specialisation linkages and cluster partnership potentials",
    )
    analyse.add_argument(
        "config", type=Path, nargs="?", default=Path("configs/baseline.yaml"),
        help="scenario YAML (default configs/baseline.yaml)",
    )  # fmt: skip
    analyse.add_argument(
        "--replicates", type=integer(2, 100_000), default=10, help="replicates (>= 2; default 10)"
    )
    analyse.add_argument("--years", type=YEARS, help="override run.years")
    analyse.add_argument("--seed", type=SEED, help="override run.seed")
    analyse.add_argument(
        "--top", type=integer(1, 1000), default=5,
        help="screened partnerships simulated per category (experienced, pioneering)",
    )  # fmt: skip
    analyse.add_argument(
        "--budget", type=number(0.0, 1e9, above=True),
        help="EUR a year of each brokered partnership (default framework.partnership_eur_per_year)",
    )  # fmt: skip
    analyse.add_argument(
        "--beyond-interreg",
        action="store_true",
        help="simulate only partnerships between regions that share no INTERREG A programme",
    )
    _batch_options(analyse, "results folder (default results/analyse-<scenario>/)", False)
    analyse.set_defaults(func=cmd_analyse)

    dashboard = sub.add_parser("dashboard", help="serve the live dashboard in a browser")
    dashboard.add_argument(
        "config", type=Path, nargs="?", help="scenario YAML (default: the baseline defaults)"
    )
    dashboard.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    dashboard.add_argument("--port", type=integer(1, 65535), default=8765, help="port (8765)")
    dashboard.add_argument(
        "--expose",
        action="store_true",
        help="allow a --host beyond this machine (the dashboard has no login)",
    )
    dashboard.set_defaults(func=cmd_dashboard)

    report = sub.add_parser(
        "report", help="one self-contained HTML report of a results folder (figures embedded)"
    )
    report.add_argument(
        "folder", type=Path, help="results folder of run, compare, sweep, sa, analyse, validate"
    )
    report.add_argument("--out", type=Path, help="HTML file (default FOLDER/report.html)")
    report.add_argument("--force", action="store_true", help="overwrite an existing report")
    report.add_argument("--validation", type=Path, help="add a 'nsrsim validate' folder's table")
    report.add_argument("--sa", type=Path, help="add the ranking of a 'nsrsim sa' folder")
    report.add_argument("--analyses", type=Path, help="add a 'nsrsim analyse' folder")
    report.set_defaults(func=cmd_report)

    discover = sub.add_parser(
        "discover", help="scenario discovery: PRIM boxes where an output passes a threshold"
    )
    discover.add_argument("folder", type=Path, help="a sweep, SA or calibration results folder")
    discover.add_argument("--output", required=True, help="an output column, e.g. links@10")
    discover.add_argument("--threshold", type=number(), required=True, help="threshold value")
    discover.add_argument("--below", action="store_true", help="cases below the threshold")
    discover.add_argument(
        "--min-coverage",
        type=number(0.0, 1.0, above=True),
        default=0.5,
        help="the box chosen is the densest covering at least this share (default 0.5)",
    )
    discover.add_argument("--out", type=Path, help="folder (default FOLDER/discover-<output>/)")
    discover.set_defaults(func=cmd_discover)

    results = sub.add_parser("results", help="summarise a sweep folder, export CSV")
    results.add_argument("folder", type=Path)
    results.add_argument("--csv", type=Path, help="write runs.parquet as this CSV file")
    results.set_defaults(func=cmd_results)

    config = sub.add_parser("config", help="show a resolved scenario or the schema")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = config_sub.add_parser("show", help="print the fully resolved scenario")
    show.add_argument("file", type=Path)
    show.set_defaults(func=cmd_config_show)
    schema = config_sub.add_parser("schema", help="print the JSON schema of scenario files")
    schema.set_defaults(func=cmd_config_schema)
    params = config_sub.add_parser("params", help="print every parameter as a Markdown table")
    params.set_defaults(func=cmd_config_params)

    world = sub.add_parser("world", help="print the table of modelled regions")
    world.add_argument("config", type=Path, nargs="?", default=DEFAULT_CONFIG)
    world.set_defaults(func=cmd_world)

    map_ = sub.add_parser("map", help="draw the NSR map of a scenario's world")
    map_.add_argument("config", type=Path, nargs="?", default=DEFAULT_CONFIG)
    map_.add_argument("--out", type=Path, default=Path("map.png"), help="PNG file to write")
    map_.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    map_.set_defaults(func=cmd_map)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``nsrsim`` console script: the one error boundary. Expected failures
    (bad input, paths that cannot be read or written, damaged files) are one paragraph on
    stderr and exit 2; Ctrl-C says what was kept, exit 130; anything else is a bug and keeps
    its traceback.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and what is wrong
        return int(exc.code or 0)
    try:
        return args.func(args)
    except NsrsimError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print(
            "interrupted: every run finished before the interruption is kept; a batch command "
            "(sweep, compare, validate, calibrate, sa, analyse) run again with the same --out "
            "resumes where it stopped.",
            file=sys.stderr,
        )
        return 130
    except (OSError, UnicodeError) as exc:
        print(f"error: {errors.describe_os_error(exc)}", file=sys.stderr)
    except errors.DAMAGED as exc:
        print(f"error: {errors.describe_damage(exc)}", file=sys.stderr)
    except Exception:
        traceback.print_exc()
        print(
            "nsrsim hit an unexpected error: a bug, not your input. Please report it with the "
            "command line and the traceback above.",
            file=sys.stderr,
        )
        return 1
    return 2


def console() -> int:
    """The ``nsrsim`` console script: :func:`main`, then an exit that skips the garbage
    collector's passes over the quarter of a million objects the libraries leave (~0.5 s of
    an ``nsrsim run``): they are frozen, so exit frees them by reference counts alone. Tests
    call :func:`main` in their own process, which must keep collecting.
    """
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(console())
