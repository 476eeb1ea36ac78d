"""`nsrsim sa`: an SA experiment of the model end to end, resuming, and its spec errors."""

from pathlib import Path

import pandas as pd
import pytest

from nsrsim.cli import main

from .conftest import SMALL, experiment_script


def sa_file(tmp_path: Path, **changes: str) -> Path:
    fields = {
        "name": "tiny_sa",
        "base": str(SMALL),
        "method": "morris",
        "n": "2",
        "years": "2",
        "replicates": "2",
        "parameters": "{partnering.decay_km: {min: 20, max: 400, scale: log}, "
        "market.selection_speed: {min: 0.02, max: 0.3}}",
        "outputs": "[productivity_eur@2, links@2]",
        "execution": "{backend: sequential}",
        **changes,
    }
    path = tmp_path / "sa.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    return path


@pytest.mark.slow
def test_morris_sa_runs_end_to_end_and_resumes(tmp_path, capsys):
    out = tmp_path / "sa"
    assert main(["sa", str(sa_file(tmp_path)), "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "indices.csv")
    assert set(table["output"]) == {"productivity_eur@2", "links@2"}
    assert set(table["parameter"]) == {"partnering.decay_km", "market.selection_speed"}
    assert {"mu_star", "mu_star_conf", "sigma", "noise_share"} <= set(table)
    assert table["noise_share"].between(0, 1).all()  # two replicates: noise is measured
    samples = pd.read_parquet(out / "samples.parquet")
    assert len(samples) == 2 * (2 + 1)  # Morris: N trajectories of (parameters + 1) points
    assert samples["partnering.decay_km"].between(20, 400).all()
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == len(samples) * 2
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()  # common random numbers
    assert (out / "figures" / "sa_links_y2.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    argv = ["sa", str(sa_file(tmp_path)), "--out", str(out), "--quiet", "--convergence"]
    assert main(argv) == 0
    assert "12 already done, 0 to run" in capsys.readouterr().out
    steps = pd.read_csv(out / "convergence.csv")
    assert {"n", "output", "parameter", "mu_star"} <= set(steps)
    assert (out / "figures" / "convergence.png").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parameters": "{partnering.nonsense: {min: 0, max: 1}}"}, "partnering.nonsense"),
        ({"parameters": "{partnering.decay_km: {min: 400, max: 20}}"}, "must be below max"),
        ({"method": "sobol", "n": "100"}, "power of 2"),
        ({"parameters": "{partnering.candidates: {min: 2.5, max: 8}}"}, "whole-number bounds"),
        ({"parameters": "{partnering.nonsense: {}}"}, "no declared uncertainty"),
        ({"outputs": "[happiness@2]"}, "must be indicator@year"),
        ({"outputs": "[links@9]"}, "past the last year"),
    ],
)
def test_bad_sa_specs_give_the_config_error(tmp_path, capsys, change, message):
    out = tmp_path / "sa"
    assert main(["sa", str(sa_file(tmp_path, **change)), "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def policy_file(tmp_path: Path, budget: float = 2e6) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(
        f"extends: {SMALL}\nname: small_policy\npolicies:\n"
        f"  - {{kind: matchmaking, budget_eur_per_year: {budget}, scope: cross_border}}\n"
    )
    return path


@pytest.mark.slow
def test_policy_effects_as_sa_outputs(tmp_path):
    outputs = (
        "[links@2, effect:links@2, effect:cross_border_partners@2@participants, "
        "effect:links@2@DK03, effect:links@2@rural, growth:productivity_eur@2, "
        "trend:theil_gdp_per_head@2]"
    )
    path = sa_file(tmp_path, scenario=str(policy_file(tmp_path)), outputs=outputs)
    out = tmp_path / "sa"
    assert main(["sa", str(path), "--out", str(out), "--quiet"]) == 0
    runs = pd.read_parquet(out / "runs.parquet")
    assert runs["effect:cross_border_partners@2@participants"].gt(0).all()  # brokered links
    assert runs["growth:productivity_eur@2"].between(-0.2, 0.2).all()
    assert set(pd.read_csv(out / "indices.csv")["output"]) == {
        o.strip() for o in outputs[1:-1].split(",")
    }
    # zero dose: a policy without money has exactly zero effect at every point
    zero = sa_file(tmp_path, scenario=str(policy_file(tmp_path, 0.0)), outputs="[effect:links@2]")
    assert main(["sa", str(zero), "--out", str(tmp_path / "zero"), "--quiet"]) == 0
    assert pd.read_parquet(tmp_path / "zero" / "runs.parquet")["effect:links@2"].eq(0).all()


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        ("[effect:links@2]", "name the policy 'scenario'"),
        ("[links@2@participants]", "effect:indicator@year[@level]"),
        ("[effect:theil_gdp_per_head@2@participants]", "indicators at this level"),
        ("[growth:links@0]", "growth:indicator@year"),
    ],
)
def test_bad_effect_outputs_give_the_config_error(tmp_path, capsys, outputs, message):
    assert main(["sa", str(sa_file(tmp_path, outputs=outputs)), "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err


def test_n_override_is_validated_like_the_file(tmp_path, capsys):
    path = sa_file(tmp_path, method="sobol", n="8")
    assert main(["sa", str(path), "--n", "12", "--out", str(tmp_path / "o")]) == 2
    assert "--n 12: Sobol needs N a power of 2" in capsys.readouterr().err


@pytest.mark.slow
def test_sobol_with_second_order_writes_s2_and_its_heat_map(tmp_path, monkeypatch, capsys):
    path = sa_file(tmp_path, method="sobol", n="4", second_order="true", replicates="1")
    out = tmp_path / "sobol"
    assert main(["sa", str(path), "--out", str(out), "--quiet"]) == 0
    pairs = pd.read_csv(out / "S2.csv")
    assert set(pairs["output"]) == {"productivity_eur@2", "links@2"}
    assert {"parameter_a", "parameter_b", "S2", "S2_conf"} <= set(pairs)
    assert len(pd.read_parquet(out / "samples.parquet")) == 4 * (2 * 2 + 2)
    assert (out / "figures" / "s2_links_y2.png").read_bytes()[:4] == b"\x89PNG"
    # experiments/sobol_second_order_check.py: the same S1 and ST from the first-order rows
    check = experiment_script("sobol_second_order_check.py")
    monkeypatch.setattr("sys.argv", ["check", str(path), str(out)])
    check.main()
    printed = capsys.readouterr().out
    assert "runs: 24 second order, 16 first order (67%)" in printed
    st_changes = [float(part.split()[0]) for part in printed.split("|ST change| <= ")[1:]]
    assert len(st_changes) == 2 and max(st_changes) < 1e-12  # ST reads A, B and AB_i only
    assert "S2: 2 indices" in printed
    monkeypatch.setattr("sys.argv", ["check", str(sa_file(tmp_path, method="sobol")), str(out)])
    with pytest.raises(SystemExit) as stop:
        check.main()
    assert stop.value.code == 2 and "not a second-order Sobol analysis" in capsys.readouterr().err


@pytest.mark.slow
def test_an_interrupted_sa_resumes_without_rerunning_finished_points(tmp_path, monkeypatch, capsys):
    import nsrsim.simulate

    real = nsrsim.simulate.simulate
    calls = []

    def interrupted(scenario, progress=False):  # the run stops after four runs
        calls.append(scenario.partnering.decay_km)
        if len(calls) > 4:
            raise KeyboardInterrupt
        return real(scenario, progress)

    monkeypatch.setattr(nsrsim.simulate, "simulate", interrupted)
    out = tmp_path / "sa"
    assert main(["sa", str(sa_file(tmp_path)), "--out", str(out), "--quiet"]) == 130
    monkeypatch.setattr(
        nsrsim.simulate, "simulate", lambda s, progress=False: calls.append(0) or real(s, progress)
    )
    calls.clear()
    capsys.readouterr()
    assert main(["sa", str(sa_file(tmp_path)), "--out", str(out), "--quiet"]) == 0
    assert "4 already done, 8 to run" in capsys.readouterr().out
    assert len(calls) == 8  # only the runs the interruption lost
    assert len(pd.read_parquet(out / "runs.parquet")) == 12


SHIPPED = sorted((Path(__file__).resolve().parents[1] / "experiments").glob("sa_*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_sa_files_build_their_models_at_their_resolution(path):
    """A shipped SA file loads, and its constants (the analysis resolution) give a model: a
    resolution whose targeted strata need more agents than it has fails only when run.
    """
    from nsrsim.config import Scenario
    from nsrsim.model import NSRModel
    from nsrsim.runner import plan_points
    from nsrsim.sa import load_sa, scenario_path

    spec, base = load_sa(path)
    policy = scenario_path(spec, path)
    point = pd.DataFrame(index=pd.RangeIndex(1))
    (run,) = plan_points(
        base,
        point,
        1,
        spec.seed,
        "test",
        years=spec.years,
        paired=policy,
        constants=spec.constants,
    )
    for scenario in (run.scenario, run.paired) if policy else (run.scenario,):
        model = NSRModel(Scenario.model_validate(scenario))
        agents = int(model.strata["agents"].sum())
        assert agents == spec.constants.get("population.n_firms", agents)
        assert model.firms.live().size > 0


def test_the_resolution_check_runs_pairs_and_reads_their_outputs(tmp_path):
    """experiments/sa_resolution_check.py runs an SA file's pairs at a resolution and returns
    one row of its outputs per replicate (it went stale once without a test).
    """
    from nsrsim.sa import load_sa, scenario_path

    module = experiment_script("sa_resolution_check.py")
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        f"extends: {SMALL}\nname: coached\npolicies:\n"
        "  - {kind: innovation_management, budget_eur_per_year: 2000000}\n"
    )
    sa = sa_file(
        tmp_path,
        scenario=str(policy),
        outputs="['cross_border_share@2', 'effect:innovations@2@participants']",
    )
    spec, base = load_sa(sa)
    rows = module.run_resolution(spec, base, scenario_path(spec, sa), {}, 2)
    assert list(rows.columns) == spec.outputs
    assert len(rows) == 2 and rows.notna().all().all()
