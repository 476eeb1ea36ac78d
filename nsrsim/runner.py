"""Batch runs: expand an experiment into runs, execute them on one backend, stream results.

A run is a pure function of (resolved scenario, seed); its id is a hash of both, so a resumed
sweep skips what is done and the same run gives the same numbers on a laptop, on loky workers
and on a Dask cluster. Seeds come from the experiment's master seed, one per replicate, shared
by every design point (common random numbers). Results are appended to Parquet part files
written atomically, so a sweep killed at any moment keeps every flushed run.
"""

import gc
import hashlib
import json
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_backend
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from nsrsim.columns import column
from nsrsim.config import (
    Scenario,
    format_validation_error,
    resolve_raw,
    set_dotted,
)
from nsrsim.effects import paired_effects
from nsrsim.errors import ConfigError, NsrsimError
from nsrsim.indicators import AREA_OUTCOMES, NETWORK_OUTCOMES, OUTCOME_BY_NAME
from nsrsim.memory import keep_freed_memory
from nsrsim.population import sample_design
from nsrsim.store import (
    consolidate,
    git_commit,
    read_parts,
    write_manifest_data,
    write_parquet_atomic,
    write_part,
)

FLUSH_EVERY_S = 2.0
FLUSH_EVERY_RUNS = 50


@dataclass(frozen=True)
class RunSpec:
    """One run: its id, design point, replicate, seed, varied values and full scenario."""

    run_id: str
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]
    scenario: dict[str, Any]
    paired: dict[str, Any] | None = None  # a policy scenario run with the same seed and values


Measure = Callable[[Any], tuple[dict[str, float], dict[str, pd.DataFrame]]]


@dataclass(frozen=True)
class RunOutputs:
    """What every run of a batch keeps, the union of what the studies ask for: indicators at
    years (empty: all indicators, the final year), per region and urban class, the firm panel
    (of all firms or the initial cluster members), derived outputs (growth, trend), paired
    policy effects, and the study's own ``measures``: module-level functions of a run's
    result returning columns and tables (e.g. the validation patterns), so the runner keeps
    what a study measures without knowing any study. One typed record, so a study that asks
    for something the runner does not know fails at once.
    """

    indicators: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    regions: bool = False
    urban_classes: bool = False
    firm_panel: bool = False
    panel_cohort: str | None = None
    derived: tuple[dict[str, Any], ...] = ()
    effects: tuple[dict[str, Any], ...] = ()
    measures: tuple[Measure, ...] = ()

    @classmethod
    def of(cls, outputs: "RunOutputs | dict[str, Any]") -> "RunOutputs":
        """The record of a study's outputs mapping (lists become tuples)."""
        if isinstance(outputs, RunOutputs):
            return outputs
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(outputs) - known)
        if unknown:
            raise ValueError(f"unknown run outputs {unknown}; known: {sorted(known)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in outputs.items()})

    def read_area_tables(self) -> bool:
        """Whether an output reads the indicators per region or urban class (the area
        columns, an effect at a region or urban class, or a study's own measures).
        """
        levels = {item["level"] for item in self.effects}
        return (
            self.regions
            or self.urban_classes
            or bool(self.measures)
            or not levels <= {"corridor", "participants"}
        )

    def read_network_facts(self) -> bool:
        """Whether an output reads the network's transitivity or giant component (every
        indicator when none is named; a study's own measures may read any).
        """
        if not self.indicators or self.measures:
            return True
        named = {*self.indicators, *(item["indicator"] for item in (*self.derived, *self.effects))}
        return not named.isdisjoint(NETWORK_OUTCOMES)


def replicate_seed(master: int, replicate: int) -> int:
    """Seed of replicate ``r``: derived from the master seed, never from the clock."""
    state = np.random.SeedSequence(master, spawn_key=(replicate,)).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def run_id(scenario: dict[str, Any], seed: int) -> str:
    """A stable hash of a run's resolved scenario and seed."""
    text = json.dumps({"scenario": scenario, "seed": seed}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def replicate_run(
    point: int,
    replicate: int,
    master_seed: int,
    scenario: dict[str, Any],
    values: dict[str, Any],
    paired: dict[str, Any] | None = None,
) -> RunSpec:
    """Replicate ``replicate`` of a design point, the one way every study lays out a run: the
    resolved scenario (and its paired policy scenario) with the replicate's seed, the same for
    every point (common random numbers), and an id hashed from both.
    """
    seed = replicate_seed(master_seed, replicate)
    data = json.loads(json.dumps(scenario))
    data["run"]["seed"] = seed
    other = None
    if paired is not None:
        other = json.loads(json.dumps(paired))
        other["run"]["seed"] = seed
    identity = data if other is None else {"pair": [data, other]}
    return RunSpec(run_id(identity, seed), point, replicate, seed, values, data, other)


def plan_points(
    base: Path,
    points: pd.DataFrame | Mapping[int, dict[str, Any]],
    replicates: int,
    seed: int,
    where: str,
    *,
    years: int | None = None,
    paired: Path | None = None,
    constants: dict[str, Any] | None = None,
) -> list[RunSpec]:
    """The one planner of a batch: every run (point x replicate) of a set of parameter values
    (a table with one column per dotted path indexed by point, or point -> values), each
    point's scenario validated, and its firm sample checked, before anything runs; replicate
    r of every point has the same seed (common random numbers). ``years`` (when given) and
    ``constants`` (dotted path -> value) are set in every run. With ``paired`` (a policy
    scenario) each run also runs that scenario with the same values and seed, so the pair's
    difference is a policy effect under common random numbers. ``where`` names the study in
    the error a bad point gives.
    """
    if isinstance(points, pd.DataFrame):
        points = {
            int(point): {k: v.item() if hasattr(v, "item") else v for k, v in row.items()}
            for point, row in points.iterrows()
        }
    raws = []
    for path in (base, paired):
        if path is not None:
            raw = resolve_raw(path)
            if years is not None:
                raw = set_dotted(raw, "run.years", years)
            for dotted, value in (constants or {}).items():
                raw = set_dotted(raw, dotted, value)
            raws.append(raw)
    runs = []
    for point, values in points.items():
        scenarios = []
        for raw in raws:
            data = raw
            for dotted, value in values.items():
                data = set_dotted(data, dotted, value)
            scenarios.append(_validated(data, f"{where}, design point {point} {values}"))
        for replicate in range(replicates):
            runs.append(
                replicate_run(
                    point,
                    replicate,
                    seed,
                    scenarios[0],
                    values,
                    scenarios[1] if paired else None,
                )
            )
    return runs


def _validated(data: dict[str, Any], where: str) -> dict[str, Any]:
    """A point's scenario, resolved, or a config error naming the point and the field."""
    try:
        validated = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, where, Scenario)) from None
    try:
        sample_design(validated)  # a sample n_firms cannot hold fails here, not in a run
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return validated.model_dump(mode="json")


def execute(spec: RunSpec, outputs: RunOutputs) -> dict[str, Any]:
    """Run one simulation and condense it to one row (this is what workers execute).

    With ``outputs.firm_panel`` the row also carries the run's firm panel and participants
    (under ``"tables"``), which the caller writes next to the runs.
    """
    keep_freed_memory()
    row = _execute(spec, outputs)
    free_finished_runs()
    return row


def free_finished_runs() -> None:
    """Collect the finished run's models now. A model is a web of reference cycles (Mesa's
    agents and events point back to it), which only Python's full collection frees, and that
    runs only when the long-lived objects have grown by a quarter: with the millions of
    objects that numpy, pandas, scipy and numba leave, almost never. So dead models piled up
    (~40 MB a pair at 9,000 agents) until loky took a worker 300 MB above its start for a
    leak and restarted it (every ~54 pairs, ~2 s each). A full collection costs ~0.1 s over
    those objects; after the first, everything alive is frozen (``gc.freeze``) so later
    ones scan only what the runs made (~2 ms a pair).
    """
    gc.collect()
    _freeze_what_lives_now()


@cache  # once a process: after the first collection
def _freeze_what_lives_now() -> None:
    gc.freeze()


def _execute(spec: RunSpec, outputs: RunOutputs) -> dict[str, Any]:
    from nsrsim.simulate import simulate, simulate_pair

    written = "all" if outputs.firm_panel else None  # a panel the study keeps: every agent
    network, areas = outputs.read_network_facts(), outputs.read_area_tables()

    def scenario(data: dict[str, Any], panel: str | None) -> Scenario:
        validated = Scenario.model_validate(data)
        # a row reads the final firms only (always kept): no snapshots of earlier years, and
        # no network facts or area tables unless an output reads them
        update: dict[str, Any] = {
            "snapshot_years": [],
            "network_facts": network,
            "area_tables": areas,
        }
        if panel:
            update.update(firm_panel=True, firm_panel_agents=panel)
        return validated.model_copy(update={"run": validated.run.model_copy(update=update)})

    try:
        if spec.paired is None:
            result = simulate(scenario(spec.scenario, written))
            row: dict[str, Any] = {"run_id": spec.run_id, "failed": False}
            row.update(condense(result, outputs))
        else:  # both arms from one set-up and burn-in; the effects read participants only
            panel = written or "fine"
            result, alt = simulate_pair(
                scenario(spec.scenario, panel), scenario(spec.paired, panel)
            )
            row = {"run_id": spec.run_id, "failed": False, **condense(result, outputs)}
            row.update(paired_effects(result, alt, list(outputs.effects)))
    except Exception as exc:  # any failure of a run is data for the sweep, not a crash
        if interrupted(exc):
            raise KeyboardInterrupt from exc
        return {"run_id": spec.run_id, "failed": True, "traceback": traceback.format_exc()}
    return row


def interrupted(exc: BaseException | None) -> bool:
    """Whether Ctrl-C is behind ``exc``: a KeyboardInterrupt that arrives inside compiled code
    comes back as a ``SystemError`` ("returned a result with an exception set") whose cause is
    the interrupt, and must stop the batch rather than count as a failed run.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def condense(result: Any, outputs: RunOutputs) -> dict[str, Any]:
    """One run's results as one row: the chosen indicators at the chosen years (NSR-wide and
    per area), and the tables asked for.
    """
    row: dict[str, Any] = {}
    indicators = result.indicators.set_index("year")
    years = list(outputs.years) or [int(indicators.index.max())]
    names = list(outputs.indicators) or list(OUTCOME_BY_NAME)
    for name in names:
        for year in years:
            if name in indicators.columns and year in indicators.index:
                row[column(name, year)] = float(indicators.at[year, name])
    areas = []
    if outputs.regions:
        areas.append((result.regions, "region", ""))
    if outputs.urban_classes:
        areas.append((result.urban_classes, "urban_class", ""))
    for table, key, _ in areas:
        by_area = table.set_index(["year", key])
        for name in (n for n in names if n in AREA_OUTCOMES and n in by_area.columns):
            for year in years:
                if year not in by_area.index.get_level_values(0):
                    continue
                for code, value in by_area.loc[year, name].items():
                    row[column(name, year, code)] = float(value)
    for item in outputs.derived:
        row[item["name"]] = derived_output(indicators, item)
    if outputs.firm_panel:
        panel = result.panel
        if outputs.panel_cohort == "cluster_members":  # the firms an analysis reads
            start = panel[(panel["year"] == 0) & (panel["cluster"] >= 0)]
            panel = panel[panel["firm"].isin(start["firm"])]
        row["tables"] = {"panel": panel, "participants": result.participants}
    for measure in outputs.measures:
        columns, tables = measure(result)
        row.update(columns)
        row["tables"] = {**row.get("tables", {}), **tables}
    return row


def derived_output(indicators: pd.DataFrame, item: dict[str, Any]) -> float:
    """A run's yearly growth rate of an indicator from year 0 to ``item["year"]``, or its
    least-squares slope per decade over those years (``item["derived"]``: growth or trend).
    """
    series = indicators.loc[0 : item["year"], item["indicator"]].to_numpy(float)
    if item["derived"] == "growth":
        return float((series[-1] / series[0]) ** (1.0 / item["year"]) - 1.0)
    return float(10.0 * np.polyfit(np.arange(len(series)), series, 1)[0])


def spec_hash(kind: str, spec: BaseModel, base: Path, *more: Path) -> str:
    """Identity of the runs of an experiment, calibration or SA file (``kind``): its content
    without the execution block, and the content of the base scenario (and of ``more``
    scenarios, e.g. an SA's policy scenario).
    """
    identity = {
        kind: spec.model_dump(mode="json", exclude={"execution"}),
        "base": resolve_raw(base),
    }
    if more:
        identity["more"] = [resolve_raw(path) for path in more]
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextmanager
def _backend(name: str, scheduler: str | None) -> Iterator[None]:
    if name != "dask":
        yield
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise NsrsimError(
            "The dask backend needs the 'distributed' extra: pip install 'nsrsim[distributed]'."
        ) from None
    cluster = None if scheduler else LocalCluster(processes=True, threads_per_worker=1)
    try:
        client = Client(scheduler or cluster, timeout="30s")
    except OSError as exc:
        raise NsrsimError(
            f"Cannot reach the Dask scheduler at {scheduler}: {exc}. Start one "
            "with 'dask scheduler' and workers with 'dask worker ADDRESS'."
        ) from None
    try:
        with parallel_backend("dask"):
            yield
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_batch(
    runs: list[RunSpec],
    out: Path,
    name: str,
    digest: str,
    about: dict[str, Any],
    outputs: RunOutputs | dict[str, Any],
    *,
    backend: str,
    jobs: int,
    scheduler: str | None,
    progress: bool,
    log: Callable[[str], None],
) -> dict[str, int]:
    """Execute the runs not yet in ``out`` (same ``digest`` only) and stream them to disk."""
    outputs = RunOutputs.of(outputs)
    if jobs == 0:
        raise NsrsimError("--jobs / execution.jobs is 0, which runs nothing; give -1 or >= 1.")
    if out.exists() and not out.is_dir():
        raise NsrsimError(f"--out {out} is a file; give a folder (new, or one to resume).")
    ours = {".nsrsim.lock", "manifest.json"}  # a lock left by a finished batch is ours
    if (
        out.exists()
        and not (out / "manifest.json").exists()
        and any(p.name not in ours for p in out.iterdir())
    ):
        raise NsrsimError(f"{out} exists and holds other files; give an empty or new --out folder.")
    out.mkdir(parents=True, exist_ok=True)
    with _writer_lock(out):
        manifest_path = out / "manifest.json"
        if manifest_path.exists():
            try:
                old = json.loads(manifest_path.read_text(encoding="utf-8"))
                if not isinstance(old, dict):
                    raise json.JSONDecodeError("not a JSON object", "", 0)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise NsrsimError(
                    f"{manifest_path} is damaged ({exc.__class__.__name__}: {exc}); the folder's "
                    "runs cannot be matched to this experiment. Give another --out folder, or move "
                    "the damaged one aside."
                ) from None
            if old.get("experiment_hash") != digest:
                raise NsrsimError(
                    f"{out} holds results of a different experiment ('{old.get('name')}', hash "
                    f"{old.get('experiment_hash')}; this one is {digest}); refusing to mix them. "
                    "Use another --out folder."
                )
            commit = git_commit()  # uncommitted edits are invisible here; a new commit is not
            if old.get("git_commit", commit).removesuffix("+dirty") != commit.removesuffix(
                "+dirty"
            ):
                raise NsrsimError(
                    f"{out} holds runs computed by nsrsim at commit {old.get('git_commit')}; this "
                    f"code is at {commit}, so resuming would mix two versions of the model in one "
                    "table. Use another --out folder (or check out that commit to resume)."
                )
        unique = list({r.run_id: r for r in runs}.values())  # identical points run once
        write_manifest_data(
            out, {"name": name, "experiment_hash": digest, **about, "runs": len(unique)}
        )
        done = set(read_parts(out, "runs")["run_id"]) if (out / "parts").exists() else set()
        todo = [r for r in unique if r.run_id not in done]
        counts = {"total": len(unique), "skipped": len(unique) - len(todo), "done": 0, "failed": 0}
        log(
            f"{name}: {len(unique)} runs, {counts['skipped']} already done, "
            f"{len(todo)} to run on {backend}"
        )
        by_id = {r.run_id: r for r in todo}
        buffer: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        last_flush = time.monotonic()

        def flush() -> None:
            nonlocal last_flush
            if buffer:
                write_part(out, "runs", pd.DataFrame(buffer))
                buffer.clear()
            if failures:
                write_part(out, "failures", pd.DataFrame(failures))
                failures.clear()
            last_flush = time.monotonic()

        def take(row: dict[str, Any]) -> None:
            """Write one finished run (its tables first, then its row into the buffer)."""
            spec = by_id[row["run_id"]]
            meta = {
                "run_id": spec.run_id,
                "point": spec.point,
                "replicate": spec.replicate,
                "seed": spec.seed,
                **{f"param:{k}": v for k, v in spec.values.items()},
            }
            failed = row.pop("failed")
            for kind, table in row.pop("tables", {}).items():  # before the row marks it done
                folder = out / kind
                folder.mkdir(exist_ok=True)
                write_parquet_atomic(table, folder / f"{spec.run_id}.parquet")
            if failed:
                counts["failed"] += 1
                failures.append(
                    {**meta, "parameters": json.dumps(spec.values), "traceback": row["traceback"]}
                )
            else:
                counts["done"] += 1
                buffer.append({**meta, **row})
            bar.update()
            bar.set_postfix(failed=counts["failed"], refresh=False)
            if not progress:
                finished = counts["done"] + counts["failed"]
                log(f"run {spec.run_id} {'failed' if failed else 'done'} ({finished}/{len(todo)})")
            if time.monotonic() - last_flush > FLUSH_EVERY_S or len(buffer) >= FLUSH_EVERY_RUNS:
                flush()

        with (
            _backend(backend, scheduler),
            tqdm(
                total=len(unique), initial=counts["skipped"], disable=not progress, unit="run"
            ) as bar,
        ):
            parallel = Parallel(
                n_jobs=1 if backend == "sequential" else jobs,
                backend=None
                if backend == "dask"
                else ("sequential" if backend == "sequential" else "loky"),
                return_as="generator_unordered",
                batch_size="auto",
            )
            try:  # an interrupted batch (Ctrl-C) still writes the runs it finished
                for row in parallel(delayed(execute)(spec, outputs) for spec in todo):
                    take(row)
            finally:
                try:
                    flush()
                finally:
                    consolidate(out)
        return counts


@contextmanager
def _writer_lock(out: Path) -> Iterator[None]:
    """One writer per results folder: a second process on the same folder is refused (the
    check of what is done and the writing happen under the lock, so they cannot interleave).
    filelock is imported here, not with the module: importing it installs a Python audit hook
    that runs on every ``id()`` (3 % of a pair's copy and steps), and batch workers, which
    import this module, take no lock.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(out / ".nsrsim.lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise NsrsimError(
            f"another nsrsim process is writing to {out} (its lock file .nsrsim.lock is held); "
            "wait for it to finish, or give another --out folder. Running the same command "
            "again afterwards resumes from what it wrote."
        ) from None
    try:
        yield
    finally:
        lock.release()


def summary(out: Path) -> dict[str, int]:
    """Runs expected, done, failed and missing in a sweep folder."""
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        raise NsrsimError(f"{out} is not a sweep folder (no manifest.json).")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if not isinstance(manifest, dict) or "runs" not in manifest:
        raise NsrsimError(
            f"{out} is not a batch folder (its manifest.json lists no runs): 'nsrsim results' "
            "summarises the folders of sweep, compare, validate, calibrate, sa and analyse; a "
            "single run's folder is read with 'nsrsim report'."
        )
    done = read_parts(out, "runs")
    failed = read_parts(out, "failures")
    failed_ids = set(failed["run_id"]) - set(done["run_id"]) if len(failed) else set()
    total = int(manifest["runs"])
    return {
        "total": total,
        "done": len(done),
        "failed": len(failed_ids),
        "missing": total - len(done) - len(failed_ids),
    }
