"""Do an SA file's outputs at its coarser resolution (its ``constants``) agree with the default
resolution of its base scenario, within replicate noise?

An SA may run at a coarser resolution than the presentation default only if this check passes
(issue 11, docs/SENSITIVITY.md): both resolutions run the SA's outputs at the default
parameter values with the same replicate seeds; per output it prints the two means, their
difference with a Welch 95 % CI, the replicate SD, and whether the CI includes zero.

    python experiments/sa_resolution_check.py experiments/sa_sobol_framework.yaml \
        --replicates 10 --out results/sa-resolution-check

``--against KEY=VALUE`` compares with the SA's own constants changed by these instead of the
default resolution, to isolate one shortcut (e.g. ``--against run.burn_in_steps_per_year=4``
for the yearly burn-in alone).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from joblib import Parallel, delayed
from scipy import stats

from nsrsim.runner import RunOutputs, execute, plan_points
from nsrsim.sa import load_sa, outputs_spec, scenario_path


def run_resolution(spec, base, policy, constants, replicates) -> pd.DataFrame:
    """The SA's outputs at the default parameters, one row per replicate."""
    point = pd.DataFrame(index=pd.RangeIndex(1, name="point"))
    runs = plan_points(
        base,
        point,
        replicates,
        spec.seed,
        "check",
        years=spec.years,
        paired=policy,
        constants=constants,
    )
    outputs = RunOutputs.of(outputs_spec(spec))
    rows = Parallel(n_jobs=-1)(delayed(execute)(run, outputs) for run in runs)
    failed = [row["traceback"] for row in rows if row["failed"]]
    if failed:
        sys.exit(failed[0])
    return pd.DataFrame(rows)[spec.outputs]


def reference_constants(
    constants: dict, changes: list[str], parser: argparse.ArgumentParser
) -> dict:
    """The resolution to compare with: the default ({}), or the SA's constants with
    ``changes`` (``KEY=VALUE``, the value read as YAML).
    """
    if not changes:
        return {}
    reference = dict(constants)
    for change in changes:
        key, sep, value = change.partition("=")
        if not sep or not key:
            parser.error(
                f"--against takes KEY=VALUE (e.g. run.burn_in_steps_per_year=4), not {change!r}"
            )
        reference[key.strip()] = yaml.safe_load(value)
    return reference


def main() -> None:
    """Run both resolutions and print the agreement table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--replicates", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("results/sa-resolution-check"))
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="compare with the SA's constants changed by these, not with the default",
    )
    args = parser.parse_args()
    spec, base = load_sa(args.spec)
    policy = scenario_path(spec, args.spec)
    reference = reference_constants(spec.constants, args.against, parser)
    started = time.perf_counter()
    coarse = run_resolution(spec, base, policy, spec.constants, args.replicates)
    middle = time.perf_counter()
    default = run_resolution(spec, base, policy, reference, args.replicates)
    ended = time.perf_counter()
    rows = []
    for output in spec.outputs:
        a, b = coarse[output].to_numpy(float), default[output].to_numpy(float)
        se = np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        dof = (
            se**4
            / (
                (a.var(ddof=1) / len(a)) ** 2 / (len(a) - 1)
                + (b.var(ddof=1) / len(b)) ** 2 / (len(b) - 1)
            )
            if se > 0
            else 1.0
        )
        half = stats.t.ppf(0.975, dof) * se
        diff = a.mean() - b.mean()
        rows.append(
            {
                "output": output,
                "coarse_mean": a.mean(),
                "default_mean": b.mean(),
                "difference": diff,
                "ci_low": diff - half,
                "ci_high": diff + half,
                "replicate_sd_default": b.std(ddof=1),
                "agrees": bool(abs(diff) <= half),
            }
        )
    table = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "agreement.csv", index=False)
    print(f"constants: {spec.constants}; {args.replicates} replicates per resolution")
    if args.against:
        print(f"'default' below: the constants with {reference}")
    print(
        f"seconds per replicate (a pair of runs with a scenario): coarse "
        f"{(middle - started) / args.replicates:.2f}, default "
        f"{(ended - middle) / args.replicates:.2f} (2 workers)"
    )
    with pd.option_context("display.width", 160, "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))
    print(f"{int(table['agrees'].sum())} of {len(table)} outputs agree within replicate noise")


if __name__ == "__main__":
    main()
