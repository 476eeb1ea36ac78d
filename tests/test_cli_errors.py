"""Every failure a clear message: the command line driven through malformed inputs over every
subcommand — paths, unwritable outputs, damaged files, inf/nan, zero and negative counts,
cross-field errors. Each must exit 2 with a message naming the cause, print no traceback and
leave every existing file as it was. Then the cases with their own test: two writers on one
folder, Ctrl-C, and a damaged part file on resume."""

import hashlib
import json
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
from filelock import FileLock

from nsrsim.cli import main
from nsrsim.store import read_parts

from .conftest import ROOT, SMALL

FRAMEWORK = ROOT / "configs" / "nsr_framework_10y.yaml"


def scenario(folder: Path, name: str, **fields) -> Path:
    """A small scenario file extending the test scenario."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"extends": str(SMALL), "name": name, **fields}))
    return path


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> Path:
    """A workspace of good and bad inputs and results folders."""
    root = tmp_path_factory.mktemp("cli-errors")
    scenario(root, "good", run={"years": 2, "burn_in_years": 1})
    (root / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    (root / "dup.yaml").write_text(f"extends: {SMALL}\nname: a\nname: b\n")
    (root / "list.yaml").write_text("- a\n- b\n")
    (root / "syntax.yaml").write_text("name: [unclosed\n")
    (root / "extends_latin1.yaml").write_text(f"extends: {root / 'latin1.yaml'}\nname: x\n")
    (root / "extends_missing.yaml").write_text("extends: nowhere.yaml\nname: x\n")
    for name, fields in {
        "inf_budget": {"policies": [{"kind": "matchmaking", "budget_eur_per_year": float("inf")}]},
        "nan_decay": {"partnering": {"decay_km": float("nan")}},
        "inf_years": {"run": {"years": float("inf")}},
        "bool_years": {"run": {"years": True}},
        "late_policy": {"run": {"years": 2}, "policies": [
            {"kind": "matchmaking", "budget_eur_per_year": 1000, "start_year": 50}]},
        "late_framework": {"run": {"years": 2}, "framework": {"enabled": True, "start_year": 30}},
        "neg_firms": {"population": {"n_firms": -5}},
        "zero_years": {"run": {"years": 0}},
        "huge_budget": {"policies": [{"kind": "matchmaking", "budget_eur_per_year": 1e300}]},
        "other_world": {"world": {"regions": ["NO09", "SE22"]}},
        "unknown_field": {"partnering": {"decay": 100}},
    }.items():  # fmt: skip
        scenario(root, name, **fields)
    (root / "a_file").write_text("not a folder")
    (root / "a_folder").mkdir()
    spec = {"base": str(root / "good.yaml"), "replicates": 1, "seed": 1, "years": 1,
            "parameters": {"partnering.decay_km": [100, 200]},
            "execution": {"backend": "sequential", "jobs": 1}}  # fmt: skip
    (root / "exp.yaml").write_text(yaml.safe_dump({"name": "exp", **spec}))
    for name, change in {
        "exp_jobs0": {"execution": {"backend": "sequential", "jobs": 0}},
        "exp_late_output": {"outputs": {"years": [50]}},
        "exp_inf_value": {"parameters": {"partnering.decay_km": [float("inf")]}},
        "exp_neg_replicates": {"replicates": -1},
        "exp_bool_replicates": {"replicates": True},
    }.items():
        (root / f"{name}.yaml").write_text(yaml.safe_dump({"name": name, **spec, **change}))
    (root / "exp_latin1.yaml").write_bytes(b"name: \xe9\n")
    # results folders: a finished tiny sweep, and damaged copies of what commands read
    assert main(["sweep", str(root / "exp.yaml"), "--out", str(root / "done"), "--quiet"]) == 0
    run_dir = root / "run"
    run_dir.mkdir()
    (run_dir / "indicators.parquet").write_bytes(b"garbage")
    (run_dir / "manifest.json").write_text(json.dumps({"scenario": {"name": "x"}}))
    bad_manifest = root / "bad_manifest"
    bad_manifest.mkdir()
    (bad_manifest / "manifest.json").write_text("{not json")
    (bad_manifest / "runs.parquet").write_bytes(b"x")
    bad_runs = root / "bad_runs"
    bad_runs.mkdir()
    (bad_runs / "manifest.json").write_text(json.dumps({"runs": 3, "name": "x"}))
    (bad_runs / "runs.parquet").write_bytes(b"PAR1 truncated")
    (bad_runs / "parts").mkdir()
    (bad_runs / "parts" / "runs-1.parquet").write_bytes(b"PAR1 truncated")
    bad_effects = root / "bad_effects"
    bad_effects.mkdir()
    (bad_effects / "effects.csv").write_text("\x00\x01garbage,,\n1")
    (bad_effects / "runs.parquet").write_bytes(b"garbage")
    (bad_effects / "manifest.json").write_text("{}")
    return root


def snapshot(folder: Path) -> dict[str, str]:
    """Content hash of every file under ``folder`` (the lock files a batch takes aside)."""
    return {
        str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".nsrsim.lock"
    }


def busy_port() -> socket.socket:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


HOLDER = busy_port()
BUSY = str(HOLDER.getsockname()[1])
W = "{ws}"  # placeholder for the workspace in the cases below

CASES = [
    # ---- missing, wrong-kind and unreadable inputs, every subcommand
    (["run", f"{W}/missing.yaml"], "does not exist"),
    (["run", f"{W}/a_folder"], "does not exist"),
    (["run", f"{W}/latin1.yaml"], "UTF-8"),
    (["run", f"{W}/dup.yaml"], "appears twice"),
    (["run", f"{W}/list.yaml"], "mapping"),
    (["run", f"{W}/syntax.yaml"], "not valid YAML"),
    (["run", f"{W}/extends_latin1.yaml"], "UTF-8"),
    (["run", f"{W}/extends_missing.yaml"], "extends"),
    (["run", f"{W}/unknown_field.yaml"], "partnering.decay"),
    (["sweep", f"{W}/missing.yaml"], "does not exist"),
    (["sweep", f"{W}/exp_latin1.yaml"], "UTF-8"),
    (["sweep", f"{W}/a_folder"], "does not exist"),
    (["compare", f"{W}/missing.yaml", f"{W}/good.yaml"], "does not exist"),
    (["compare", f"{W}/good.yaml", f"{W}/latin1.yaml"], "UTF-8"),
    (["compare", f"{W}/good.yaml", f"{W}/dup.yaml"], "appears twice"),
    (["validate", f"{W}/missing.yaml"], "does not exist"),
    (["validate", f"{W}/latin1.yaml"], "UTF-8"),
    (["calibrate", f"{W}/missing.yaml"], "does not exist"),
    (["calibrate", f"{W}/latin1.yaml"], "UTF-8"),
    (["sa", f"{W}/missing.yaml"], "does not exist"),
    (["sa", f"{W}/latin1.yaml"], "UTF-8"),
    (["analyse", f"{W}/missing.yaml"], "does not exist"),
    (["analyse", f"{W}/dup.yaml"], "appears twice"),
    (["config", "show", f"{W}/missing.yaml"], "does not exist"),
    (["config", "show", f"{W}/latin1.yaml"], "UTF-8"),
    (["config", "show", f"{W}/dup.yaml"], "appears twice"),
    (["config", "show", f"{W}/syntax.yaml"], "not valid YAML"),
    (["world", f"{W}/missing.yaml"], "does not exist"),
    (["world", f"{W}/latin1.yaml"], "UTF-8"),
    (["map", f"{W}/missing.yaml"], "does not exist"),
    (["map", f"{W}/dup.yaml"], "appears twice"),
    (["dashboard", f"{W}/missing.yaml"], "does not exist"),
    (["dashboard", f"{W}/latin1.yaml"], "UTF-8"),
    (["report", f"{W}/missing"], "not a folder"),
    (["report", f"{W}/a_folder"], "holds no results"),
    (["results", f"{W}/missing"], "no manifest.json"),
    (["discover", f"{W}/missing", "--output", "links@1", "--threshold", "1"], "missing"),
    # ---- numbers that are not numbers, in files
    (["run", f"{W}/inf_budget.yaml"], "finite"),
    (["run", f"{W}/nan_decay.yaml"], "finite"),
    (["run", f"{W}/inf_years.yaml"], "run.years"),
    (["run", f"{W}/bool_years.yaml"], "not true"),
    (["run", f"{W}/neg_firms.yaml"], "population.n_firms"),
    (["run", f"{W}/zero_years.yaml"], "run.years"),
    (["run", f"{W}/huge_budget.yaml"], "budget_eur_per_year"),
    (["config", "show", f"{W}/inf_budget.yaml"], "finite"),
    (["compare", f"{W}/good.yaml", f"{W}/inf_budget.yaml"], "finite"),
    (["validate", f"{W}/nan_decay.yaml"], "finite"),
    (["analyse", f"{W}/bool_years.yaml"], "not true"),
    (["sweep", f"{W}/exp_jobs0.yaml"], "execution.jobs"),
    (["sweep", f"{W}/exp_inf_value.yaml"], "finite"),
    (["sweep", f"{W}/exp_neg_replicates.yaml"], "replicates"),
    (["sweep", f"{W}/exp_bool_replicates.yaml"], "not true"),
    # ---- cross-field errors
    (["run", f"{W}/late_policy.yaml"], "starts in year 50"),
    (["run", f"{W}/late_framework.yaml"], "framework.start_year"),
    (["config", "show", f"{W}/late_policy.yaml"], "starts in year 50"),
    (["sweep", f"{W}/exp_late_output.yaml"], "outputs.years"),
    (["compare", f"{W}/good.yaml", f"{W}/other_world.yaml"], "another corridor"),
    (["compare", f"{W}/good.yaml", f"{W}/late_policy.yaml", "--years", "2"], "year 50"),
    # ---- numbers that are not numbers, and counts, on the command line
    *[(["run", f"{W}/good.yaml", "--years", v], "--years") for v in
      ("0", "-1", "101", "abc", "inf", "nan", "1.5")],
    *[(["run", f"{W}/good.yaml", "--seed", v], "--seed") for v in ("-1", "x", "1e400")],
    *[(["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--replicates", v], "--replicates")
      for v in ("0", "1", "-3", "two")],
    *[(["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--dose", v], "--dose")
      for v in ("inf", "nan", "1e400", "-1", "1,1", "", "a")],
    *[(["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--power", v], "--power")
      for v in ("0", "inf", "nan", "-0.1", "11")],
    *[(["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--jobs", v], "--jobs")
      for v in ("0", "-2", "x")],
    (["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--backend", "threads"], "--backend"),
    (["validate", f"{W}/good.yaml", "--replicates", "1"], "--replicates"),
    (["validate", f"{W}/good.yaml", "--years", "0"], "--years"),
    (["sweep", f"{W}/exp.yaml", "--jobs", "0"], "--jobs"),
    (["sa", f"{W}/exp.yaml", "--n", "0"], "--n"),
    (["calibrate", f"{W}/exp.yaml", "--jobs", "-5"], "--jobs"),
    *[(["analyse", f"{W}/good.yaml", "--budget", v], "--budget") for v in
      ("inf", "nan", "0", "-5")],
    (["analyse", f"{W}/good.yaml", "--top", "0"], "--top"),
    (["analyse", f"{W}/good.yaml", "--replicates", "1"], "--replicates"),
    *[(["discover", f"{W}/done", "--output", "links@1", "--threshold", "1",
        "--min-coverage", v], "--min-coverage") for v in ("0", "1.5", "-1", "nan")],
    (["discover", f"{W}/done", "--output", "links@1", "--threshold", "inf"], "--threshold"),
    (["discover", f"{W}/done", "--output", "param:partnering.decay_km", "--threshold", "1"],
     "not an output"),
    (["discover", f"{W}/done", "--output", "nothing@9", "--threshold", "1"], "not an output"),
    *[(["dashboard", "--port", v], "--port") for v in ("0", "70000", "-1", "http")],
    (["dashboard", "--host", "0.0.0.0"], "--expose"),
    (["dashboard", "--port", BUSY], "another program"),
    # ---- outputs that cannot be written
    (["run", f"{W}/good.yaml", "--out", f"{W}/a_file/sub"], "a_file"),
    (["run", f"{W}/good.yaml", "--out", f"{W}/a_file"], "a_file"),
    (["run", f"{W}/good.yaml", "--out", "/proc/nsrsim/out"], "/proc/nsrsim"),
    (["sweep", f"{W}/exp.yaml", "--out", f"{W}/a_file/sub"], "a_file"),
    (["sweep", f"{W}/exp.yaml", "--out", f"{W}/a_file"], "is a file"),
    (["sweep", f"{W}/exp.yaml", "--out", "/proc/nsrsim/out"], "/proc/nsrsim"),
    (["compare", f"{W}/good.yaml", f"{W}/good.yaml", "--out", f"{W}/a_file/x"], "a_file"),
    (["validate", f"{W}/good.yaml", "--out", f"{W}/a_file/x"], "a_file"),
    (["analyse", f"{W}/good.yaml", "--out", f"{W}/a_file/x", "--replicates", "2"], "a_file"),
    (["report", f"{W}/done", "--out", f"{W}/a_file/r.html"], "a_file"),
    (["report", f"{W}/done", "--out", "/proc/nsrsim/r.html"], "/proc/nsrsim"),
    (["report", f"{W}/done", "--out", f"{W}/a_file"], "already exists"),
    (["results", f"{W}/done", "--csv", f"{W}/a_file/x.csv"], "a_file"),
    (["results", f"{W}/done", "--csv", f"{W}/a_file"], "already exists"),
    (["map", f"{W}/good.yaml", "--out", f"{W}/a_file/m.png"], "a_file"),
    (["map", f"{W}/good.yaml", "--out", f"{W}/a_file"], "exists"),
    (["discover", f"{W}/done", "--output", "links@1", "--threshold", "1", "--out",
      f"{W}/a_file/d"], "a_file"),
    (["sweep", f"{W}/exp.yaml", "--out", f"{W}/a_folder/../bad_manifest"], "damaged"),
    (["sweep", f"{W}/exp.yaml", "--out", f"{W}/bad_effects"], "different experiment"),
    # ---- damaged or foreign results files
    (["results", f"{W}/run"], "not a batch folder"),
    (["results", f"{W}/bad_manifest"], "damaged"),
    (["results", f"{W}/bad_runs"], "damaged"),
    (["report", f"{W}/run"], "damaged"),
    (["report", f"{W}/bad_effects"], "damaged"),
    (["report", f"{W}/bad_runs"], "damaged"),
    (["discover", f"{W}/bad_runs", "--output", "links@1", "--threshold", "1"], "damaged"),
    (["discover", f"{W}/run", "--output", "links@1", "--threshold", "1"], "runs"),
]  # fmt: skip


def test_there_are_at_least_a_hundred_cases_over_every_subcommand():
    assert len(CASES) >= 100
    commands = {argv[0] for argv, _ in CASES}
    every = {"run", "sweep", "compare", "validate", "calibrate", "sa", "analyse", "report",
             "results", "discover", "config", "world", "map", "dashboard"}  # fmt: skip
    assert every <= commands


@pytest.mark.parametrize(("argv", "needle"), CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_clear_paragraph_and_exit_2(ws, argv, needle, capsys, monkeypatch):
    monkeypatch.chdir(ws)  # default outputs (results/, map.png) land in the workspace
    argv = [a.replace(W, str(ws)) for a in argv]
    before = snapshot(ws)
    code = main(
        [
            *argv,
            *(
                ["--quiet"]
                if argv[0] in {"sweep", "compare", "validate", "calibrate", "sa", "analyse"}
                else []
            ),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err, err
    assert "Traceback" not in err
    after = snapshot(ws)
    changed = [name for name, digest in before.items() if after.get(name) != digest]
    assert changed == []  # nothing already written was touched


def test_a_second_writer_on_one_folder_is_refused(ws, tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    with FileLock(out / ".nsrsim.lock"):  # another process is writing
        assert main(["sweep", str(ws / "exp.yaml"), "--out", str(out), "--quiet"]) == 2
    assert "another nsrsim process is writing" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == [".nsrsim.lock"]  # nothing written meanwhile
    assert main(["sweep", str(ws / "exp.yaml"), "--out", str(out), "--quiet"]) == 0  # then runs


def test_a_damaged_part_file_is_named_and_its_runs_recomputed_once_moved(ws, tmp_path, capsys):
    out = tmp_path / "resume"
    assert main(["sweep", str(ws / "exp.yaml"), "--out", str(out), "--quiet"]) == 0
    (part,) = (out / "parts").glob("runs-*.parquet")
    part.write_bytes(part.read_bytes()[:40])  # truncated by something else
    assert main(["sweep", str(ws / "exp.yaml"), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert part.name in err and "move it out of parts/" in err
    part.rename(tmp_path / part.name)
    assert main(["sweep", str(ws / "exp.yaml"), "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 2


@pytest.mark.slow
def test_ctrl_c_keeps_what_was_done_and_says_how_to_resume(ws, tmp_path):
    spec = yaml.safe_load((ws / "exp.yaml").read_text())
    spec.update(name="long", replicates=60, years=3)  # 120 runs, ~10 s
    (tmp_path / "long.yaml").write_text(yaml.safe_dump(spec))
    out = tmp_path / "long"
    process = subprocess.Popen(
        [sys.executable, "-m", "nsrsim.cli", "sweep", str(tmp_path / "long.yaml"), "--out",
         str(out), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        # Ctrl-C as at a terminal, also where the tests run as a background job (whose
        # SIGINT the shell ignores, and an ignored signal stays ignored in its children)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "parts").glob("runs-*")):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "resumes" in err
    kept = len(read_parts(out, "runs"))  # the durable record: every flushed run
    assert 0 < kept < 120, err
    assert main(["sweep", str(tmp_path / "long.yaml"), "--out", str(out), "--quiet"]) == 0
    assert len(pd.read_parquet(out / "runs.parquet")) == 120


def test_stopping_the_dashboard_stops_its_server(ws):
    pytest.importorskip("solara")
    port = HOLDER.getsockname()[1] + 1
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "nsrsim.cli", "dashboard", str(ws / "good.yaml"), "--port",
         str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    children: list[int] = []
    while time.monotonic() < deadline and not children:
        children = _children(process.pid)
        time.sleep(0.2)
    assert children, "the dashboard started no server"
    process.send_signal(signal.SIGTERM)  # the process only, as a service manager does
    process.wait(timeout=60)
    time.sleep(0.5)
    assert [pid for pid in children if _alive(pid)] == []


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = (
        Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}").exists() else "X"
    )
    return state not in ("Z", "X")
