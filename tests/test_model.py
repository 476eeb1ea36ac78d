"""The model as a whole: Mesa interop, invariants, determinism and a pinned golden run."""

import json
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from nsrsim import NSRModel, accounts, policy
from nsrsim.agents import ClusterInitiative, Firm, RegionalGovernment
from nsrsim.config import Scenario, load_scenario
from nsrsim.errors import ConfigError
from nsrsim.simulate import simulate
from nsrsim.store import write_parquet_atomic

from .conftest import BASELINE, SMALL, small

GOLDEN = Path(__file__).parent / "golden" / "small_run.json"


def run(model: NSRModel) -> NSRModel:
    while model.running:
        model.step()
    return model


@pytest.fixture(scope="module")
def finished() -> NSRModel:
    return run(
        NSRModel(
            SMALL,
            run__years=6,
            framework__enabled=True,
            framework__budget_eur_per_year=1e6,
        )
    )


def test_default_model_is_the_baseline_file():
    default = NSRModel().config.model_dump(exclude={"description"})
    assert default == load_scenario(BASELINE).model_dump(exclude={"description"})


def test_is_a_mesa_model_with_agent_sets():
    model = NSRModel(SMALL, run__burn_in_years=0)
    assert isinstance(model, mesa.Model)
    firms = model.agents_by_type[Firm]
    assert len(firms) == model.config.population.n_firms
    assert len(model.agents_by_type[RegionalGovernment]) == len(model.region_codes)
    assert len(model.agents_by_type[ClusterInitiative]) == len(model.cluster_info.name)
    assert len(model.agents) == len(firms) + len(model.region_codes) + len(model.cluster_info.name)
    model.run_for(4)
    assert model.steps == 4 and model.year == 1  # the burn-in's steps count up to 0
    live = model.firms.live()
    assert len(model.agents_by_type[Firm]) == live.size
    assert sorted(a.row for a in model.agents_by_type[Firm]) == list(live)
    firm = next(iter(model.agents_by_type[Firm]))
    assert firm.alive and firm.region in model.region_codes and firm.jobs > 0
    assert firm.weight > 0 and firm.firm_id == model.firms.id[firm.row]


def test_firm_views_are_made_when_mesa_reads_its_agents():
    """A run that never reads Mesa's collections makes no Firm objects; the first read shows
    every live firm, none of those that entered and exited in between.
    """
    model = NSRModel(SMALL, run__burn_in_years=0)
    model.run_for(8)
    assert model.firms.n > model.config.population.n_firms  # firms entered
    assert not model.firms.alive[: model.firms.n].all()  # and some left
    assert not model.__dict__["_firm_views"]  # nothing was made while stepping
    live = model.firms.live()
    assert sorted(a.row for a in model.agents_by_type[Firm]) == list(live)
    assert set(model.firm_agents) == set(live)


def test_datacollector_with_agenttype_reporters():
    model = NSRModel(SMALL)
    collector = mesa.DataCollector(
        model_reporters={"links": lambda m: len(m.links)},
        agenttype_reporters={Firm: {"jobs": "jobs", "sector": lambda a: a.sector.value}},
    )
    counts = []
    for _ in range(2):
        model.step()
        collector.collect(model)
        counts.append(len(model.agents_by_type[Firm]))
    frame = collector.get_agenttype_vars_dataframe(Firm)
    assert len(frame) == sum(counts)
    assert frame["jobs"].gt(0).all()
    assert collector.get_model_vars_dataframe()["links"].iloc[-1] == len(model.links)


def test_batch_run_with_flat_parameters():
    results = mesa.batch_run(
        NSRModel,
        parameters={
            "scenario": str(SMALL),
            "run__years": 1,
            "partnering__decay_km": [100.0, 400.0],
        },
        rng=[1, 2],
        max_steps=4,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 2  # final step of 2 parameter values x 2 seeds
    assert (frame["Step"] == 4).all()
    assert frame["output_eur"].gt(0).all()
    assert set(frame["partnering__decay_km"]) == {100.0, 400.0}


def test_bad_parameters_give_the_config_error():
    with pytest.raises(ConfigError, match=r"partnering\.decay_km"):
        NSRModel(partnering__decay_km=-5)
    with pytest.raises(ConfigError, match="block and a field"):
        NSRModel(decay_km=100)


def test_links_are_symmetric_unique_and_between_live_firms(finished):
    links, firms = finished.links, finished.firms
    assert (links.a < links.b).all()
    keys = links.keys(firms.n)
    assert len(np.unique(keys)) == len(keys)
    assert firms.alive[links.a].all() and firms.alive[links.b].all()
    degree = links.degree(firms.n)
    assert degree.max() <= finished.config.partnering.max_partners
    partners = {f.row: {p.row for p in f.partners} for f in finished.agents_by_type[Firm]}
    for row, others in partners.items():
        for other in others:
            assert row in partners[other]


def test_firms_live_on_land_in_their_region(finished):
    firms = finished.firms
    live = firms.live()
    cells = finished.world.grid.cells.iloc[finished.world.cells[firms.cell[live]]]
    assert cells["land"].all()
    codes = np.asarray(finished.region_codes)
    assert (cells["region"].to_numpy() == codes[firms.region[live]]).all()


def test_skilled_workers_move_but_are_conserved(finished):
    assert finished.migrated > 0 and finished.recruited == 0
    moved = finished.skilled - finished.skilled0 - finished.graduated
    assert moved.sum() == pytest.approx(0.0, abs=1e-6 * finished.skilled0.sum())
    assert not np.allclose(moved, 0.0)


def test_graduates_raise_the_skilled_workforce_toward_the_young_cohorts_share(finished):
    """From year 0 the tertiary share rises at the country's 2012-2021 pace (Eurostat
    edat_lfse_03), slowing toward the share of 25-34 year olds."""
    trend, gap = finished.tertiary_trend, finished.tertiary_gap
    expected = gap * -np.expm1(-finished.year * trend / gap)  # the rise's integral
    assert (finished.graduated > 0).all() and (expected < finished.year * trend).all()
    np.testing.assert_allclose(finished.graduated / finished.workforce, expected, rtol=0.1)


def test_population_moves_with_the_skilled_workers(finished):
    moved = finished.skilled - finished.skilled0 - finished.graduated
    household = finished.config.mobility.household_size
    np.testing.assert_allclose(finished.population - finished.population0, household * moved)
    assert finished.population.sum() == pytest.approx(finished.population0.sum(), rel=1e-9)


@pytest.mark.slow
def test_the_knowledge_frontier_keeps_moving_over_30_years():
    """Research in a firm's strongest fields keeps profiles distinct: the mean cognitive
    distance of random pairs of firms stays within a fifth of its start and above 0.1 (it fell
    from 0.55 to 0.04 when learning only copied partners; with the real sector mix most pairs
    are of the same sector, so it starts near 0.2)."""
    from nsrsim.rules.partnering import link_distance

    model = NSRModel(SMALL, run__years=30)
    rng = np.random.default_rng(0)
    distances = []
    while model.running:
        model.step()
        if model.steps_in_year == 0:
            live = model.firms.live()
            i, j = rng.choice(live, 2000), rng.choice(live, 2000)
            k = model.firms.knowledge
            distances.append(link_distance(k, i, j).mean())
    assert min(distances) > max(0.1, 0.8 * distances[0]), distances


def test_budget_spent_never_exceeds_budget(finished):
    regions = accounts.stack(finished.region_rows)
    assert (regions["budget_spent_eur"] <= regions["budget_eur"] * (1 + 1e-12)).all()
    assert regions["budget_eur"].iloc[-1] > 0


def test_indicators_stay_in_valid_ranges(finished):
    table = pd.DataFrame(finished.indicator_rows)
    for share in (
        "innovation_outside_hotspots",
        "cross_border_share",
        "transnational_share",
        "transnational_firm_share",
        "linked_firm_share",
        "urban_rural_link_share",
        "giant_component_share",
        "clustering",
        "mean_commitment",
    ):
        assert table[share].between(0, 1).all(), share
    assert (table["theil_gdp_per_head"] >= 0).all()
    assert (table["urban_rural_gap"] <= 1).all()
    assert (table["transnational_share"] <= table["cross_border_share"]).all()
    assert (table[["output_eur", "employment", "firms", "skilled_workers"]] > 0).all().all()
    knowledge = finished.firms.knowledge[finished.firms.live()]
    assert knowledge.min() >= 0 and knowledge.max() <= 1


def test_same_seed_same_bytes_different_seed_differs(tmp_path):
    scenario = small(**{"run.seed": 5})
    first, second = simulate(scenario), simulate(scenario)
    for name in ("indicators", "regions", "urban_classes", "firms", "links", "participants"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))
    a = write_parquet_atomic(first.indicators, tmp_path / "a.parquet").read_bytes()
    b = write_parquet_atomic(second.indicators, tmp_path / "b.parquet").read_bytes()
    assert a == b
    other = simulate(
        scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": 6})})
    )
    assert not first.indicators.equals(other.indicators)


def test_golden_run():
    """A small pinned run; regenerate on purpose with ``python tests/golden/regenerate.py``."""
    expected = json.loads(GOLDEN.read_text())
    model = run(NSRModel(SMALL, **expected["parameters"]))
    final = model.indicator_rows[-1]
    for name, value in expected["final_indicators"].items():
        assert final[name] == pytest.approx(value, rel=1e-9), name


@pytest.mark.slow
def test_framework_partnerships_lapse_at_their_rate_after_the_framework():
    """ODD 7.2: once a 3-year framework ends no partnership forms and the unfunded ones lapse at
    partnership_lapse_rate (0.5 a year: about 61 % left after a year), not all at once."""
    counts = []
    for seed in (1, 2, 3):
        model = NSRModel(
            BASELINE,
            run__years=6,
            rng=seed,
            framework__enabled=True,
            framework__duration_years=3,
            framework__budget_eur_per_year=5e6,
        )
        run(model)
        counts.append([r["framework_partnerships"] for r in model.indicator_rows])
    counts = np.array(counts, float)  # replicate x year 0..6
    assert (counts[:, 3] >= 15).all()  # the money pays up to 30
    assert (np.diff(counts[:, 3:], axis=1) <= 0).all()  # none form after the framework
    kept = counts[:, 4].sum() / counts[:, 3].sum()
    assert 0.4 < kept < 0.85, kept
    assert counts[:, 6].sum() > 0  # some still run three years on


def test_regional_rd_subsidies_wait_repeat_after_years():
    """ODD 7.1 and 7.9: a firm the regions' programmes funded is not funded by them again
    before repeat_after_years have passed, even when its project ended earlier."""
    model = run(NSRModel(SMALL, run__years=8, instruments__repeat_after_years=5, rng=4))
    funded = policy.participant_table(model.participant_rows, model.region_codes)
    funded = funded[funded["instrument"] == -1]  # the regions' programmes
    assert len(funded) > 0
    funded = funded.sort_values(["firm", "year"])
    ids, years = funded["firm"].to_numpy(), funded["year"].to_numpy()
    again = ids[1:] == ids[:-1]
    assert again.any()  # firms are funded more than once over the run
    assert (np.diff(years)[again] >= 5).all()


@pytest.mark.slow
def test_framework_raises_transnational_cooperation():
    """Directional, at the baseline's resolution and with common seeds: a framework whose
    money pays for up to 30 transnational cluster partnerships (5 M EUR less the secretariat, at
    150,000 EUR each) forms most of them and gives targeted firms a partner beyond INTERREG A
    as often in every year and more often over the years (a few firms out of 23,000 cooperate
    beyond INTERREG A, so a year can tie)."""
    for seed in (1, 2):
        base = run(NSRModel(BASELINE, run__years=4, rng=seed))
        frame = run(
            NSRModel(
                BASELINE,
                run__years=4,
                rng=seed,
                framework__enabled=True,
                framework__budget_eur_per_year=5e6,
            )
        )
        formed = [r["framework_partnerships"] for r in frame.indicator_rows]
        assert 25 <= max(formed) <= 30  # regions that leave later lose theirs at the lapse rate
        share = [
            [r["transnational_firm_share"] for r in m.indicator_rows[1:]] for m in (base, frame)
        ]
        assert all(f >= b for b, f in zip(*share, strict=True)) and sum(share[1]) > sum(share[0])


def _policy_twin(base):
    """``base`` with a framework and four instruments of different kinds."""
    data = base.model_dump(mode="json")
    data["name"] = "with_policy"
    data["framework"].update(enabled=True, duration_years=2, budget_eur_per_year=1e6)
    data["policies"] = [
        {"kind": "matchmaking", "members_only": True, "scope": "transnational",
         "budget_eur_per_year": 150_000, "duration_years": 2},
        {"kind": "innovation_management", "budget_eur_per_year": 125_000, "start_year": 1},
        {"kind": "talent_attraction", "budget_eur_per_year": 300_000},
        {"kind": "cluster_management", "budget_eur_per_year": 300_000},
    ]  # fmt: skip
    return Scenario.model_validate(data)


def test_a_pair_shares_its_burn_in_and_gives_the_numbers_of_a_fresh_build():
    """The policy arm continued from a copy of the base's year 0 equals the policy scenario
    built afresh, in every table (the copy only saves the set-up and burn-in).
    """
    from nsrsim.simulate import simulate, simulate_pair

    base = small(**{"run.years": 3, "run.firm_panel": True})
    policy = _policy_twin(base)
    first, second = simulate_pair(base, policy)
    for arm, alone in ((first, simulate(base)), (second, simulate(policy))):
        for table in ("indicators", "regions", "urban_classes", "firms", "links", "policies",
                      "participants", "panel"):  # fmt: skip
            pd.testing.assert_frame_equal(
                getattr(arm, table), getattr(alone, table), check_exact=True, obj=table
            )
    other = policy.model_copy(
        update={"partnering": policy.partnering.model_copy(update={"decay_km": 80.0})}
    )
    assert not NSRModel(base).shares_year_zero(other)  # another rule: built afresh
    _, built = simulate_pair(base, other)
    pd.testing.assert_frame_equal(built.indicators, simulate(other).indicators)


def test_a_twin_shares_only_what_is_never_changed_in_place():
    """The policy arm shares the world, regions and search kernels with its base (no copy of
    the travel times) and nothing that a step changes: stepping it leaves the base as it was.
    """
    model = NSRModel(small(**{"run.years": 2}))
    twin = model.with_policy(_policy_twin(model.config))
    assert twin.world is model.world and twin.regions is model.regions
    assert twin.cell_sampler is model.cell_sampler and twin.travel_h is model.travel_h
    assert twin.firms.knowledge is not model.firms.knowledge
    assert model.config.framework != twin.config.framework  # the twin runs its own scenario
    assert twin.spill_kernel is not model.spill_kernel  # reorders its cells as firms move
    before = {name: getattr(model.firms, name).copy() for name in model.firms.columns()}
    links = (model.links.a.copy(), model.links.b.copy())
    while twin.running:
        twin.step()
    for name, values in before.items():
        np.testing.assert_array_equal(getattr(model.firms, name), values, err_msg=name)
    np.testing.assert_array_equal(model.links.a, links[0])
    np.testing.assert_array_equal(model.links.b, links[1])


def test_a_coarser_burn_in_steps_only_the_burn_in_coarser():
    """``run.burn_in_steps_per_year`` changes the burn-in's step and nothing after year 0; set
    to the run's own step it is the default, to the bit.
    """
    plain = simulate(small(**{"run.years": 2}))
    same = simulate(small(**{"run.years": 2, "run.burn_in_steps_per_year": 4}))
    pd.testing.assert_frame_equal(same.indicators, plain.indicators, check_exact=True)
    yearly = NSRModel(small(**{"run.burn_in_steps_per_year": 1}))
    assert (yearly.year, yearly.steps, yearly.dt, yearly.steps_per_year) == (0, 0, 0.25, 4)
    for _ in range(3):
        yearly.step()
    assert yearly.year == 0  # a year of the run is still four steps
    yearly.step()
    assert yearly.year == 1
    coarse = simulate(small(**{"run.years": 2, "run.burn_in_steps_per_year": 1}))
    assert not coarse.indicators.equals(plain.indicators)  # the burn-in took other steps


def test_warming_runs_every_kind_of_instrument_in_a_short_pair():
    """``python -m nsrsim.warm`` (run by make after an install) goes through a framework and
    every firm-level kind of instrument, so every compiled kernel is compiled once there.
    """
    from nsrsim import warm
    from nsrsim.config import PolicyInstrument

    kinds = {entry["kind"] for entry in warm.EVERY_KIND}
    firm_level = set(PolicyInstrument.model_fields["kind"].annotation.__args__) - {
        "infrastructure", "cluster_partnership"}  # fmt: skip
    assert kinds == firm_level
    assert warm.warm(SMALL) > 0


def test_effort_terms_held_in_a_step_are_not_read_after_it():
    """A step holds every row's R&D and size terms from the partner search to innovation;
    after the step (the market has moved jobs) the effort is computed from the firms as they
    are now, equal to the rule's own formula.
    """
    from nsrsim.rules import innovation

    model = NSRModel(small())
    model.step()
    assert model._step_terms is None and model._fixed_absorptive is None
    firms, rows = model.firms, model.firms.live()
    expected = innovation.innovation_effort(
        firms.rd[rows] + firms.rd_boost[rows],
        firms.knowledge[rows].mean(axis=1),
        firms.jobs[rows],
        model.propensity[firms.country[rows]],
        model.config.population.rd_reference,
        model.config.innovation,
    )
    np.testing.assert_array_equal(model.innovation_effort(rows), expected)


def test_a_panel_of_the_firm_agents_gives_the_effects_of_the_full_panel():
    """Every instrument picks its participants among the firm agents at firm resolution, so
    a panel of those alone (``run.firm_panel_agents: fine``, what paired analyses record)
    gives the same effects on participants as every agent's panel.
    """
    from nsrsim.effects import PARTICIPANT_OUTCOMES, paired_effects
    from nsrsim.simulate import simulate_pair

    wanted = [
        {"name": f"{o}@{y}", "indicator": o, "year": y, "level": "participants"}
        for o in PARTICIPANT_OUTCOMES
        for y in (1, 3)
    ]
    effects = {}
    for agents in ("all", "fine"):
        base = small(**{"run.years": 3, "run.firm_panel": True, "run.firm_panel_agents": agents})
        first, second = simulate_pair(base, _policy_twin(base))
        firms = first._model.firms
        fine_ids = firms.id[: firms.n][firms.fine[: firms.n]]
        assert (agents == "all") != np.isin(first.panel["firm"], fine_ids).all()
        effects[agents] = list(paired_effects(first, second, wanted).values())
    assert np.isfinite(effects["all"]).sum() > 0
    np.testing.assert_array_equal(effects["fine"], effects["all"])


def test_a_pair_reads_its_effects_from_the_records_as_from_the_tables():
    """A pair's row reads its participants and corridor indicators from the model's records
    (``RunResult.own_participants``, ``indicator``); the numbers are the tables' to the bit.
    """
    from nsrsim.effects import own_participants, treated_effects
    from nsrsim.simulate import simulate_pair

    base = small(**{"run.years": 3, "run.firm_panel": True})
    first, second = simulate_pair(base, _policy_twin(base))
    programmes = {p.name or p.kind for p in second.scenario.programmes}
    fast, table = (
        second.own_participants(programmes),
        own_participants(second.participants, programmes),
    )
    assert table.firm.size > 0
    for column in ("firm", "year", "real_firms"):
        np.testing.assert_array_equal(getattr(fast, column), getattr(table, column))
    assert fast.eur == pytest.approx(table.eur, rel=1e-12)
    by_records = treated_effects(fast, second.panel, first.panel, programmes, second.last_year)
    by_table = treated_effects(second.participants, second.panel, first.panel, programmes, 3)
    for name, effect in by_table.effect.items():
        np.testing.assert_array_equal(by_records.effect[name], effect)
    assert second.last_year == 3
    indicators = second.indicators.set_index("year")
    for year in (0, 2, 3):
        for name in ("innovations", "cross_border_share", "productivity_eur"):
            assert second.indicator(year, name) == indicators.at[year, name]


def test_the_initial_firms_are_shared_as_copies_within_a_process():
    """Two models with the same world, population and seed start from equal firms, each its
    own copy (stepping one leaves the other and the kept population as they were); another
    seed places other firms."""
    from nsrsim import model as model_module

    config = small(**{"run.burn_in_years": 0})
    first, second = NSRModel(config), NSRModel(config)
    assert first.firms is not second.firms
    for name in first.firms.columns():
        np.testing.assert_array_equal(getattr(first.firms, name), getattr(second.firms, name))
    before = second.firms.copy()
    first.step()
    for name in before.columns():
        np.testing.assert_array_equal(getattr(second.firms, name), getattr(before, name))
    third = NSRModel(small(**{"run.burn_in_years": 0, "run.seed": 7}))
    assert not np.array_equal(third.firms.cell, first.firms.cell)
    assert len(model_module._PLACED) <= model_module.PLACED_KEPT
