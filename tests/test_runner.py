"""Batch runner: expansion, identical results on every backend, resume after SIGKILL,
failures recorded, mismatched experiments refused."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nsrsim.cli import main
from nsrsim.config import load_experiment
from nsrsim.errors import ConfigError, NsrsimError
from nsrsim.runner import replicate_seed
from nsrsim.sweep import expand, sweep

from .conftest import ROOT, small
from .conftest import SMALL as SMALL_SCENARIO

SMALL = {
    "name": "tiny",
    "base": str(SMALL_SCENARIO),
    "parameters": {"partnering.decay_km": [100.0, 300.0], "population.n_firms": [300]},
    "replicates": 3,
    "seed": 7,
    "years": 2,
    "outputs": {"indicators": ["output_eur", "links", "cross_border_share"], "years": [1, 2]},
}


def experiment_file(tmp_path: Path, **changes) -> Path:
    data = {**SMALL, **changes}
    path = tmp_path / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run_sweep(path: Path, out: Path, **kwargs) -> pd.DataFrame:
    experiment, base = load_experiment(path)
    sweep(experiment, base, out, progress=False, log=lambda _: None, **kwargs)
    return pd.read_parquet(out / "runs.parquet")


def test_expansion_ids_and_common_seeds(tmp_path):
    experiment, base = load_experiment(experiment_file(tmp_path))
    runs = expand(experiment, base)
    assert len(runs) == 2 * 3
    assert len({r.run_id for r in runs}) == 6
    seeds = {(r.point, r.replicate): r.seed for r in runs}
    assert seeds[(0, 1)] == seeds[(1, 1)] == replicate_seed(7, 1)  # common random numbers
    assert seeds[(0, 0)] != seeds[(0, 1)]
    assert [r.run_id for r in expand(experiment, base)] == [r.run_id for r in runs]


def test_lhs_design_samples_within_ranges(tmp_path):
    path = experiment_file(
        tmp_path,
        name="lhs",
        design={"kind": "lhs", "samples": 8},
        parameters={"learning.link_rate": {"min": 0.1, "max": 0.5}},
    )
    experiment, base = load_experiment(path)
    values = [r.values["learning.link_rate"] for r in expand(experiment, base)]
    assert len(values) == 8 * 3 and all(0.1 <= v <= 0.5 for v in values)


def test_bad_paths_and_values_give_the_config_error(tmp_path, capsys):
    bad_path = experiment_file(tmp_path, name="bad", parameters={"partnering.decay": [1, 2]})
    with pytest.raises(ConfigError, match=r"partnering\.decay"):
        expand(*load_experiment(bad_path))
    bad_value = experiment_file(
        tmp_path, name="bad2", parameters={"partnering.decay_km": [100, -5]}
    )
    assert main(["sweep", str(bad_value), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "partnering.decay_km" in err and "design point 1" in err
    unknown = experiment_file(tmp_path, name="bad3", outputs={"indicators": ["happiness"]})
    assert main(["sweep", str(unknown)]) == 2
    assert "happiness" in capsys.readouterr().err


@pytest.mark.slow
def test_sequential_and_loky_give_identical_tables(tmp_path):
    path = experiment_file(tmp_path)
    seq = run_sweep(path, tmp_path / "seq", backend="sequential")
    loky = run_sweep(path, tmp_path / "loky", backend="loky", jobs=2)
    pd.testing.assert_frame_equal(seq, loky)
    assert len(seq) == 6 and seq["run_id"].is_unique


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_dask_cluster_gives_the_same_table(tmp_path):
    pytest.importorskip("distributed", reason="the 'distributed' extra is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        for _ in range(2):
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        path = experiment_file(tmp_path)
        dask = run_sweep(path, tmp_path / "dask", backend="dask", scheduler=address)
        seq = run_sweep(path, tmp_path / "seq", backend="sequential")
        pd.testing.assert_frame_equal(seq, dask)
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.mark.slow
def test_sigkill_then_resume_loses_and_duplicates_nothing(tmp_path):
    path = experiment_file(tmp_path, name="long", replicates=8, years=30)  # 16 runs of ~1 s
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nsrsim.cli",
            "sweep",
            str(path),
            "--out",
            str(out),
            "--backend",
            "sequential",
            "--quiet",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list(out.glob("parts/runs-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.1)  # until the first part file is on disk
    process.send_signal(signal.SIGKILL)
    process.wait()
    kept = pd.concat(pd.read_parquet(p) for p in (out / "parts").glob("runs-*.parquet"))
    assert 0 < len(kept) < 16
    assert main(["sweep", str(path), "--out", str(out), "--backend", "sequential", "--quiet"]) == 0
    resumed = pd.read_parquet(out / "runs.parquet")
    assert len(resumed) == 16 and resumed["run_id"].is_unique
    whole = run_sweep(path, tmp_path / "whole", backend="sequential")
    pd.testing.assert_frame_equal(resumed, whole)


def test_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    import nsrsim.simulate

    real = nsrsim.simulate.simulate
    bad_seed = replicate_seed(7, 1)

    def flaky(scenario, progress=False):
        if scenario.run.seed == bad_seed and scenario.partnering.decay_km == 300.0:
            raise RuntimeError("boom in a run")
        return real(scenario, progress)

    monkeypatch.setattr(nsrsim.simulate, "simulate", flaky)
    path = experiment_file(tmp_path)
    out = tmp_path / "fail"
    assert main(["sweep", str(path), "--out", str(out), "--backend", "sequential", "--quiet"]) == 1
    failures = pd.read_parquet(out / "failures.parquet")
    assert len(failures) == 1 and "boom in a run" in failures["traceback"].iloc[0]
    assert failures["param:partnering.decay_km"].iloc[0] == 300.0
    assert len(pd.read_parquet(out / "runs.parquet")) == 5
    capsys.readouterr()
    assert main(["results", str(out)]) == 0
    assert "5 done, 1 failed, 0 missing" in capsys.readouterr().out


def test_a_different_experiment_in_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "shared"
    run_sweep(experiment_file(tmp_path), out, backend="sequential")
    before = pd.read_parquet(out / "runs.parquet")
    other = experiment_file(tmp_path, name="other", seed=8)
    with pytest.raises(NsrsimError, match="different experiment"):
        run_sweep(other, out, backend="sequential")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)


def test_resuming_with_other_code_is_refused(tmp_path):
    out = tmp_path / "shared"
    run_sweep(experiment_file(tmp_path), out, backend="sequential")
    before = pd.read_parquet(out / "runs.parquet")
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"git_commit": "', '"git_commit": "0ld'))
    with pytest.raises(NsrsimError, match="two versions of the model"):
        run_sweep(experiment_file(tmp_path), out, backend="sequential")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "runs.parquet"), before)


def test_run_outputs_are_one_typed_record():
    from nsrsim.runner import RunOutputs

    kept = RunOutputs.of({"indicators": ["links"], "years": [0, 5], "regions": True})
    assert kept.indicators == ("links",) and kept.years == (0, 5) and kept.regions
    assert RunOutputs.of(kept) is kept
    with pytest.raises(ValueError, match="unknown run outputs \\['firm_pannel'\\]"):
        RunOutputs.of({"firm_pannel": True})


def test_a_damaged_manifest_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    from nsrsim.cli import main

    (tmp_path / "manifest.json").write_text("not json")
    code = main(
        [
            "validate",
            str(SMALL_SCENARIO),
            "--replicates",
            "2",
            "--years",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "manifest.json is damaged" in err and "Traceback" not in err
    assert (tmp_path / "manifest.json").read_text() == "not json"  # nothing overwritten


def test_a_run_is_the_same_fresh_and_after_other_runs_in_one_process(tmp_path):
    """Every table of a run equals the same run in a fresh process, whatever ran before it
    here (caches kept between runs must not change an order of additions), and BLAS runs one
    thread wherever a model is built (the main process would otherwise sum matrix products in
    another order than joblib's one-thread workers).
    """
    import threadpoolctl

    from nsrsim.simulate import simulate
    from nsrsim.store import write_run

    for seed, decay in ((3, 60.0), (4, 300.0)):  # other runs first, in this process
        simulate(small(**{"run.seed": seed, "partnering.decay_km": decay}))
    here = simulate(small(**{"run.seed": 9}))
    assert all(d["num_threads"] == 1 for d in threadpoolctl.threadpool_info()
               if d["user_api"] == "blas")  # fmt: skip
    code = (
        "import sys; from tests.conftest import small; from nsrsim.simulate import simulate; "
        "from nsrsim.store import write_run; "
        "write_run(simulate(small(**{'run.seed': 9})), __import__('pathlib').Path(sys.argv[1]))"
    )
    fresh_dir = tmp_path / "fresh"
    fresh_dir.mkdir()
    subprocess.run([sys.executable, "-c", code, str(fresh_dir)], check=True, cwd=ROOT)
    here_dir = tmp_path / "here"
    here_dir.mkdir()
    write_run(here, here_dir)
    tables = sorted(p.name for p in fresh_dir.glob("*.parquet"))
    assert tables and tables == sorted(p.name for p in here_dir.glob("*.parquet"))
    for name in tables:
        pd.testing.assert_frame_equal(
            pd.read_parquet(here_dir / name), pd.read_parquet(fresh_dir / name), check_exact=True
        )


def test_identical_points_count_once_in_the_folder_summary(tmp_path):
    """A design that repeats a point (a small Morris sample does) runs it once, and the
    folder's summary counts it once: a finished batch has nothing missing.
    """
    from nsrsim.runner import replicate_run, run_batch, summary

    scenario = small(**{"run.years": 1}).model_dump(mode="json")
    runs = [replicate_run(point, 0, 5, scenario, {}) for point in (0, 1, 2)]  # one run, 3 times
    counts = run_batch(runs, tmp_path / "out", "t", "d", {}, {"indicators": ["links"]},
                       backend="sequential", jobs=1, scheduler=None, progress=False,
                       log=lambda _: None)  # fmt: skip
    assert counts["total"] == 1
    assert summary(tmp_path / "out") == {"total": 1, "done": 1, "failed": 0, "missing": 0}


def test_ctrl_c_inside_compiled_code_stops_the_batch_instead_of_failing_a_run(monkeypatch):
    """numba turns a KeyboardInterrupt that arrives inside a kernel into a SystemError whose
    cause is the interrupt; execute re-raises it, other errors stay failed runs."""
    import nsrsim.simulate
    from nsrsim.runner import RunOutputs, execute, plan_points

    (run,) = plan_points(SMALL_SCENARIO, pd.DataFrame(index=pd.RangeIndex(1)), 1, 1, "t")
    outputs = RunOutputs.of({})

    def interrupted_kernel(*_):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise SystemError("returned a result with an exception set") from interrupt

    monkeypatch.setattr(nsrsim.simulate, "simulate", interrupted_kernel)
    with pytest.raises(KeyboardInterrupt):
        execute(run, outputs)

    def broken(*_):
        raise ValueError("a bug in a rule")

    monkeypatch.setattr(nsrsim.simulate, "simulate", broken)
    row = execute(run, outputs)
    assert row["failed"] and "a bug in a rule" in row["traceback"]


def test_a_finished_runs_models_are_freed_at_once():
    """Batch workers collect each run's models when it ends: Mesa's agents and events make a
    model a web of reference cycles that Python's automatic collection left for hundreds of
    runs (loky then restarted the workers as leaking)."""
    import weakref

    from nsrsim import NSRModel
    from nsrsim.runner import free_finished_runs

    model = NSRModel(SMALL_SCENARIO, run__burn_in_years=0)
    twin = model.with_policy(model.config)
    gone = [weakref.ref(model), weakref.ref(twin), weakref.ref(model.firms)]
    del model, twin
    free_finished_runs()
    assert all(ref() is None for ref in gone)


KEEP_PROBE = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from nsrsim.memory import keep_freed_memory
    keep_freed_memory()
for _ in range(3):  # as a worker runs one model after another
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    arrays = [np.ones(50_000) for _ in range(100)]  # 400 kB each: a step's temporaries
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del arrays
print(faults)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_batch_process_keeps_the_memory_a_run_frees():
    """After keep_freed_memory the pages of freed arrays are reused, not faulted in again
    (glibc returns the freed top of its heap to the system: 40 MB are ~10,000 pages)."""

    def faults(mode: str) -> int:
        probe = [sys.executable, "-c", KEEP_PROBE, mode]
        return int(subprocess.run(probe, capture_output=True, text=True, check=True).stdout)

    default, kept = faults("default"), faults("keep")
    assert default > 5_000 > 500 > kept, (default, kept)


def test_area_tables_are_recorded_only_where_an_output_reads_them():
    """A batch skips the yearly indicators per region and urban class unless an output reads
    them (area columns, an effect at a region or urban class, a study's measures); skipped,
    reading them is a clear error and every corridor indicator is as recorded with them.
    """
    from nsrsim.runner import RunOutputs
    from nsrsim.simulate import simulate

    def effect(level: str) -> dict:
        return {"name": "e", "indicator": "innovations", "year": 2, "level": level}

    assert not RunOutputs(effects=(effect("corridor"), effect("participants"))).read_area_tables()
    assert RunOutputs(regions=True).read_area_tables()
    assert RunOutputs(urban_classes=True).read_area_tables()
    assert RunOutputs(effects=(effect("rural"),)).read_area_tables()
    assert RunOutputs(effects=(effect("DEF0"),)).read_area_tables()
    assert RunOutputs(measures=(len,)).read_area_tables()
    on = simulate(small(**{"run.years": 2}))
    off = simulate(small(**{"run.years": 2, "run.area_tables": False}))
    pd.testing.assert_frame_equal(off.indicators, on.indicators)
    assert len(on.regions) and len(on.urban_classes)
    with pytest.raises(ValueError, match=r"run\.area_tables"):
        _ = off.regions


def test_network_facts_are_computed_only_where_an_output_reads_them():
    """A batch skips the yearly transitivity and giant component unless an output reads them
    (all indicators when none is named, a study's measures, or a named, derived or effect
    output); skipped, they are NaN and every other indicator is as computed with them.
    """
    from nsrsim.runner import RunOutputs
    from nsrsim.simulate import simulate

    growth = {"indicator": "productivity_eur", "derived": "growth", "year": 2}
    assert not RunOutputs(
        indicators=("cross_border_share",), derived=(growth,)
    ).read_network_facts()
    assert RunOutputs().read_network_facts()
    assert RunOutputs(indicators=("clustering",)).read_network_facts()
    giant = {**growth, "indicator": "giant_component_share"}
    assert RunOutputs(indicators=("links",), derived=(giant,)).read_network_facts()
    assert RunOutputs(indicators=("links",), measures=(len,)).read_network_facts()
    on = simulate(small(**{"run.years": 2})).indicators
    off = simulate(small(**{"run.years": 2, "run.network_facts": False})).indicators
    network = ["clustering", "giant_component_share"]
    assert on[network].notna().all().all() and off[network].isna().all().all()
    pd.testing.assert_frame_equal(off.drop(columns=network), on.drop(columns=network))
