"""Time the framework file's pairs with this checkout and another one at the same time.

The 2-core machine's speed drifts by ~20 % within minutes, so timings taken one after the
other compare phases of the machine as much as code. This runs the same sampled design points
(as ``make bench`` samples them) in two processes at once, one per core, one importing this
checkout and one ``--against`` another (e.g. ``git worktree add /tmp/old <commit>``), and
prints each one's time a pair on its core:

    python experiments/benchmarks/pairs_ab.py --against /tmp/old --points 40 --repeats 3
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
SA_FILE = HERE.parents[1] / "sa_sobol_framework.yaml"


def time_pairs(points: int) -> float:
    """Seconds of one core a pair, over ``points`` sampled design points after a warm pair."""
    from bench import sampled_runs

    from nsrsim.runner import execute

    runs, outputs = sampled_runs(SA_FILE, points + 1, paired=True)
    execute(runs[0], outputs)
    start = time.process_time()
    for run in runs[1:]:
        execute(run, outputs)
    return (time.process_time() - start) / points


def child(code: str, points: int) -> None:
    """Time the pairs with the nsrsim package found in ``code`` (a checkout)."""
    # an editable install's finder would import this environment's nsrsim whatever the path
    sys.meta_path = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
    sys.path.insert(0, code)
    import nsrsim

    if not Path(nsrsim.__file__).resolve().is_relative_to(Path(code).resolve()):
        sys.exit(f"nsrsim came from {nsrsim.__file__}, not from {code}")
    print(f"{time_pairs(points) * 1000:.1f}")


def main() -> None:
    """Both checkouts' pairs at once, ``--repeats`` times."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True, help="another checkout")
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.points)
        return
    if not (args.against / "nsrsim" / "__init__.py").is_file():
        parser.error(f"--against: {args.against} is not a checkout of nsrsim")
    here = str(HERE.parents[2])
    command = [sys.executable, str(HERE), "--against", str(args.against)]
    command += ["--points", str(args.points), "--child"]
    for repeat in range(args.repeats):
        jobs = {
            name: subprocess.Popen([*command, str(code)], stdout=subprocess.PIPE, text=True)
            for name, code in (("this checkout", here), ("against", args.against))
        }
        ms = {name: float(job.communicate()[0].split()[-1]) for name, job in jobs.items()}
        print(
            f"repeat {repeat + 1}: this checkout {ms['this checkout']:.1f} ms a pair, "
            f"{args.against} {ms['against']:.1f} ms "
            f"({ms['this checkout'] / ms['against'] - 1:+.1%})"
        )


if __name__ == "__main__":
    main()
