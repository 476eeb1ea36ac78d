"""Batch runs: expand an experiment into runs, execute them on one backend, stream results.

A run is a pure function of (resolved scenario, seed); its id is a hash of both, so a resumed
sweep skips what is done and the same run gives the same numbers on a laptop, on loky workers
and on a Dask cluster. Seeds come from the experiment's master seed, one per replicate, shared
by every design point (common random numbers). Results are appended to Parquet part files
written atomically, so a sweep killed at any moment keeps every flushed run.
"""

import hashlib
import json
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_backend
from pydantic import BaseModel, ValidationError
from tqdm import tqdm

from nsrsim import uncertainty
from nsrsim.columns import column
from nsrsim.config import (
    Experiment,
    Scenario,
    format_validation_error,
    resolve_raw,
    set_dotted,
)
from nsrsim.effects import paired_effects
from nsrsim.errors import ConfigError, NsrsimError
from nsrsim.indicators import AREA_OUTCOMES, OUTCOME_BY_NAME
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


@dataclass(frozen=True)
class RunOutputs:
    """What every run of a batch keeps, the union of what the studies ask for: indicators at
    years (empty: all indicators, the final year), per region and urban class, the firm panel
    (of all firms or the initial cluster members), validation patterns, region links, derived
    outputs (growth, trend) and paired policy effects. One typed record, so a study that asks
    for something the runner does not know fails at once.
    """

    indicators: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    regions: bool = False
    urban_classes: bool = False
    firm_panel: bool = False
    panel_cohort: str | None = None
    patterns: bool = False
    region_links: bool = False
    derived: tuple[dict[str, Any], ...] = ()
    effects: tuple[dict[str, Any], ...] = ()

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


def replicate_seed(master: int, replicate: int) -> int:
    """Seed of replicate ``r``: derived from the master seed, never from the clock."""
    state = np.random.SeedSequence(master, spawn_key=(replicate,)).generate_state(2, np.uint32)
    return int(state[0]) << 31 | int(state[1]) >> 1


def design_points(experiment: Experiment) -> list[dict[str, Any]]:
    """Parameter values of every design point, in a fixed order."""
    params = experiment.parameters
    if not params:
        return [{}]
    names = list(params)
    kind = experiment.design.kind
    if kind == "grid":
        grids = np.meshgrid(*[np.arange(len(params[n])) for n in names], indexing="ij")
        combos = np.stack([g.ravel() for g in grids], axis=1)
        return [{n: params[n][i] for n, i in zip(names, row, strict=True)} for row in combos]
    if kind == "list":
        return [{n: params[n][i] for n in names} for i in range(len(params[names[0]]))]
    from scipy.stats import qmc

    ranges = uncertainty.resolve({n: params[n] for n in names}, "lhs")  # type: ignore[misc]
    sampler = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(experiment.seed))
    values = uncertainty.to_values(sampler.random(experiment.design.samples), ranges)
    return [{n: row[n].item() for n in names} for _, row in values.iterrows()]


def composition_points(points: list[dict[str, Any]], base: dict[str, Any]) -> list[int]:
    """Indices of the design points whose composition shares (e.g. ``cluster_share`` +
    ``referral_share``) stay within 1; a grid of shares has corners outside, which are skipped
    rather than failing the sweep.
    """
    if not points or not points[0]:
        return list(range(len(points)))
    scenario = Scenario.model_validate(base)
    defaults = {
        path: getattr(getattr(scenario, path.split(".")[0]), path.split(".")[1])
        for path in uncertainty.declared()
    }
    keep = uncertainty.in_composition(pd.DataFrame(points), defaults)
    return [int(i) for i in np.flatnonzero(keep)]


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


def expand(experiment: Experiment, base: Path) -> list[RunSpec]:
    """Every run of the experiment; each point's scenario is validated before anything runs."""
    base_data = resolve_raw(base)
    runs = []
    points = design_points(experiment)
    grid = experiment.design.kind == "grid"  # listed values are the user's own: validated
    kept = composition_points(points, base_data) if grid else list(range(len(points)))
    if len(kept) < len(points):
        print(
            f"{len(points) - len(kept)} of {len(points)} grid points put a composition's shares "
            "above 1 (e.g. partnering.cluster_share + referral_share) and are skipped",
            file=sys.stderr,
        )
    for point in kept:
        values = points[point]
        data = base_data
        for path, value in values.items():
            data = set_dotted(data, path, value)
        if experiment.years is not None:
            data = set_dotted(data, "run.years", experiment.years)
        where = f"experiment '{experiment.name}', design point {point} {values}"
        try:
            validated = Scenario.model_validate(data)
        except Exception as exc:  # pydantic ValidationError: name the point and the field
            if not hasattr(exc, "errors"):
                raise
            raise ConfigError(format_validation_error(exc, where, Scenario)) from None
        try:
            sample_design(validated)  # a sample n_firms cannot hold fails here, not in a run
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        scenario = validated.model_dump(mode="json")
        for replicate in range(experiment.replicates):
            runs.append(replicate_run(point, replicate, experiment.seed, scenario, values))
    return runs


def plan_points(
    base: Path,
    points: pd.DataFrame,
    years: int,
    replicates: int,
    seed: int,
    kind: str,
    paired: Path | None = None,
    constants: dict[str, Any] | None = None,
) -> list[RunSpec]:
    """Every run (point x replicate) of a table of parameter values (one column per dotted
    path, indexed by point), each point's scenario validated before anything runs; replicate r
    of every point has the same seed (common random numbers). With ``paired`` (a policy
    scenario) each run also runs that scenario with the same values and seed, so the pair's
    difference is a policy effect under common random numbers. ``constants`` (dotted path ->
    value) are set in every run.
    """
    raws = []
    for path in (base, paired):
        if path is not None:
            raw = set_dotted(resolve_raw(path), "run.years", years)
            for dotted, value in (constants or {}).items():
                raw = set_dotted(raw, dotted, value)
            raws.append(raw)
    runs = []
    for point, values in points.iterrows():
        scenarios = []
        for raw in raws:
            data = raw
            for dotted, value in values.items():
                data = set_dotted(data, dotted, value.item() if hasattr(value, "item") else value)
            try:
                scenarios.append(Scenario.model_validate(data).model_dump(mode="json"))
            except ValidationError as exc:
                where = f"{kind} point {point} {dict(values)}"
                raise ConfigError(format_validation_error(exc, where, Scenario)) from None
        values = {k: v.item() if hasattr(v, "item") else v for k, v in values.items()}
        for replicate in range(replicates):
            runs.append(
                replicate_run(
                    int(point),
                    replicate,
                    seed,
                    scenarios[0],
                    values,
                    scenarios[1] if paired else None,
                )
            )
    return runs


def execute(spec: RunSpec, outputs: RunOutputs) -> dict[str, Any]:
    """Run one simulation and condense it to one row (this is what workers execute).

    With ``outputs.firm_panel`` the row also carries the run's firm panel and participants
    (under ``"tables"``), which the caller writes next to the runs.
    """
    from nsrsim.simulate import simulate

    def run(data: dict[str, Any], panel: bool) -> Any:
        scenario = Scenario.model_validate(data)
        # a row reads the final firms only (always kept): no snapshots of earlier years
        update: dict[str, Any] = {"snapshot_years": []}
        if panel:
            update["firm_panel"] = True
        return simulate(scenario.model_copy(update={"run": scenario.run.model_copy(update=update)}))

    try:
        paired = spec.paired is not None
        result = run(spec.scenario, paired or outputs.firm_panel)
        row: dict[str, Any] = {"run_id": spec.run_id, "failed": False, **condense(result, outputs)}
        if paired:
            alt = run(spec.paired, True)  # type: ignore[arg-type]
            row.update(paired_effects(result, alt, list(outputs.effects)))
    except Exception:  # any failure of a run is data for the sweep, not a crash
        return {"run_id": spec.run_id, "failed": True, "traceback": traceback.format_exc()}
    return row


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
    if outputs.region_links or outputs.patterns:
        from nsrsim.validate import RunTables, link_pairs, measure

        final = result.firms[result.firms["year"] == result.firms["year"].max()]
        tables = RunTables(
            result.indicators, result.regions, final, result.links, result.region_pairs
        )
        pairs = link_pairs(tables)
        if outputs.region_links:
            row["tables"] = {**row.get("tables", {}), "region_links": pairs}
        if outputs.patterns:
            row.update({f"pattern:{name}": value for name, value in measure(tables).items()})
            row["tables"] = {
                **row.get("tables", {}),
                "pairs": pairs,
                "sizes": final[["jobs", "real_firms"]],
            }
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


def experiment_hash(experiment: Experiment, base: Path) -> str:
    """Identity of an experiment's runs (the base scenario's content included)."""
    return spec_hash("experiment", experiment, base)


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


def sweep(
    experiment: Experiment,
    base: Path,
    out: Path,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, int]:
    """Run every missing run of ``experiment`` into ``out``; returns counts of the outcome."""
    execution = experiment.execution
    return run_batch(
        expand(experiment, base),
        out,
        experiment.name,
        experiment_hash(experiment, base),
        {"experiment": experiment.model_dump(mode="json"), "base": str(base)},
        experiment.outputs.model_dump(),
        backend=backend or execution.backend,
        jobs=jobs if jobs is not None else execution.jobs,
        scheduler=scheduler or execution.scheduler,
        progress=progress,
        log=log,
    )


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
    manifest_path = out / "manifest.json"
    if out.exists() and any(out.iterdir()):
        if not manifest_path.exists():
            raise NsrsimError(
                f"{out} exists and holds other files; give an empty or new --out folder."
            )
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
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
        if old.get("git_commit", commit).removesuffix("+dirty") != commit.removesuffix("+dirty"):
            raise NsrsimError(
                f"{out} holds runs computed by nsrsim at commit {old.get('git_commit')}; this "
                f"code is at {commit}, so resuming would mix two versions of the model in one "
                "table. Use another --out folder (or check out that commit to resume)."
            )
    out.mkdir(parents=True, exist_ok=True)
    write_manifest_data(out, {"name": name, "experiment_hash": digest, **about, "runs": len(runs)})
    done = set(read_parts(out, "runs")["run_id"]) if (out / "parts").exists() else set()
    unique = list({r.run_id: r for r in runs}.values())  # identical points run once
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
        tqdm(total=len(unique), initial=counts["skipped"], disable=not progress, unit="run") as bar,
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
            flush()
    consolidate(out)
    return counts


def batch_table(
    runs: list[RunSpec],
    out: Path,
    name: str,
    digest: str,
    about: dict[str, Any],
    outputs: RunOutputs | dict[str, Any],
    consequence: str,
    **execution: Any,
) -> pd.DataFrame | None:
    """Run a study's batch (:func:`run_batch`, resuming what is done) and read its runs table;
    None, after saying how many runs failed and ``consequence`` (e.g. "no report"), when any
    did: a study never analyses a partial batch.
    """
    counts = run_batch(runs, out, name, digest, about, outputs, **execution)
    if counts["failed"]:
        print(f"{counts['failed']} runs failed (see {out}/failures.parquet); {consequence}.")
        return None
    return pd.read_parquet(out / "runs.parquet")


def summary(out: Path) -> dict[str, int]:
    """Runs expected, done, failed and missing in a sweep folder."""
    manifest_path = out / "manifest.json"
    if not manifest_path.exists():
        raise NsrsimError(f"{out} is not a sweep folder (no manifest.json).")
    manifest = json.loads(manifest_path.read_text())
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
