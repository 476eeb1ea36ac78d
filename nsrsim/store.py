"""Results on disk: run folders, atomic writes and the manifest that makes a run repeatable."""

import json
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from nsrsim.config import Scenario
from nsrsim.errors import NsrsimError

if TYPE_CHECKING:
    from nsrsim.simulate import RunResult

PACKAGES = (
    "nsrsim",
    "mesa",
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "pydantic",
    "pyarrow",
    "SALib",
    "joblib",
)


def new_run_dir(scenario: Scenario, results_root: Path = Path("results")) -> Path:
    """A fresh ``results/<scenario>-<timestamp>/`` folder (never an existing one)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = results_root / f"{scenario.name}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    path.mkdir(parents=True)
    return path


def check_out_dir(out: Path) -> None:
    """Refuse ``out`` unless it is new or empty, so no earlier result is overwritten."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise NsrsimError(
            f"Output folder {out} already exists and is not empty; nsrsim never "
            "overwrites results. Choose a new --out folder or leave it out to get "
            "results/<scenario>-<timestamp>/."
        )


def prepare_out_dir(out: Path) -> Path:
    """Use ``out`` for a run only if it is new or empty (see :func:`check_out_dir`)."""
    check_out_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape a run's numbers."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(path: Path | None = None) -> str:
    """The source tree's commit, with ``+dirty`` when it has uncommitted changes."""
    cwd = path or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return commit + ("+dirty" if dirty else "")


def write_manifest(run_dir: Path, scenario: Scenario, extra: dict[str, Any] | None = None) -> Path:
    """Record the resolved scenario, seed, versions and commit next to a run's results."""
    return write_manifest_data(
        run_dir,
        {"scenario": scenario.model_dump(mode="json"), "seed": scenario.run.seed, **(extra or {})},
    )


def _umask() -> int:
    """The process's file-creation mask: read from /proc where there is one (setting the mask
    to read it would race with threads creating files), else set and restored.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: Path) -> Path:
    """Give a finished temporary file the mode a plain ``open`` would (0666 less the umask:
    ``mkstemp`` makes it 0600, unreadable by colleagues on a shared disk) and rename it.
    """
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)
    return path


def write_parquet_atomic(table: pd.DataFrame, path: Path) -> Path:
    """Write a Parquet file via a temporary file and rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    table.to_parquet(tmp, index=False)
    return _publish(tmp, path)


def write_run(result: "RunResult", run_dir: Path) -> list[Path]:
    """Write a run's tables and manifest into ``run_dir``."""
    tables = {
        "indicators": result.indicators,
        "regions": result.regions,
        "urban_classes": result.urban_classes,
        "firms": result.firms,
        "links": result.links,
        "policies": result.policies,
        "participants": result.participants,
        "strata": result.strata,
        "region_pairs": result.region_pairs,
    }
    if result.panel is not None:
        tables["firm_panel"] = result.panel
    written = [
        write_parquet_atomic(table, run_dir / f"{name}.parquet") for name, table in tables.items()
    ]
    written.append(
        write_manifest(run_dir, result.scenario, {"wall_time_s": round(result.wall_time_s, 3)})
    )
    return written


def write_text_atomic(path: Path, text: str) -> Path:
    """Write via a temporary file and rename, so a crash never leaves a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return _publish(tmp, path)


def write_part(out: Path, kind: str, table: pd.DataFrame) -> Path:
    """Append a part file (``out/parts/<kind>-<time>-<n>.parquet``), written atomically."""
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    stamp = time.time_ns()
    path = parts / f"{kind}-{stamp}.parquet"
    while path.exists():
        stamp += 1
        path = parts / f"{kind}-{stamp}.parquet"
    return write_parquet_atomic(table, path)


def read_parts(out: Path, kind: str) -> pd.DataFrame:
    """All part files of one kind, concatenated (empty table if none); a run id occurs once."""
    files = sorted((out / "parts").glob(f"{kind}-*.parquet"))
    if not files:
        return pd.DataFrame({"run_id": pd.Series(dtype=str)})
    table = pd.concat([_read_part(f) for f in files], ignore_index=True)
    return table.drop_duplicates("run_id", keep="first")


def _read_part(path: Path) -> pd.DataFrame:
    """One part file, or an error naming it when it is damaged (parts are written atomically,
    so a damaged one was changed by something else).
    """
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise NsrsimError(
            f"{path} is damaged ({exc.__class__.__name__}); move it out of parts/ and run the "
            "same command again: the runs it held are computed again, the others are kept."
        ) from None
    if "run_id" not in table.columns:
        raise NsrsimError(f"{path} is not a part file nsrsim wrote (no run_id column).")
    return table


def consolidate(out: Path) -> None:
    """Write ``runs.parquet`` (completed runs, sorted) and ``failures.parquet`` from the parts.

    Failures of runs that later succeeded (on resume) are dropped.
    """
    runs = read_parts(out, "runs")
    if len(runs):
        runs = runs.sort_values(["point", "replicate"], kind="stable").reset_index(drop=True)
    write_parquet_atomic(runs, out / "runs.parquet")
    failures = read_parts(out, "failures")
    if len(failures):
        failures = failures[~failures["run_id"].isin(runs["run_id"])]
    write_parquet_atomic(failures, out / "failures.parquet")


def write_manifest_data(out: Path, data: dict[str, Any]) -> Path:
    """A manifest: ``data`` plus creation time, package versions, Python and git commit."""
    manifest = {
        **data,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "python": platform.python_version(),
        "git_commit": git_commit(),
    }
    return write_text_atomic(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
