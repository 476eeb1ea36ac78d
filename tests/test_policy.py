"""Policy instruments: money accounting, timing, targeting, and the direction of effects."""

import numpy as np
import pandas as pd
import pytest

from nsrsim import NSRModel
from nsrsim.config import Scenario, load_scenario, validate
from nsrsim.errors import ConfigError
from nsrsim.simulate import simulate
from nsrsim.state import RURAL

from .conftest import ROOT


def scenario(*policies, **run) -> Scenario:
    return Scenario(
        name="p",
        population={"n_firms": 400},
        run={"years": run.get("years", 5), "seed": run.get("seed", 3)},
        policies=list(policies),
    )


def test_money_is_accounted_and_never_overspent():
    result = simulate(
        scenario(
            {"kind": "rd_subsidy", "budget_eur_per_year": 2e6, "regions": ["DK05"]},
            {"kind": "cluster_management", "budget_eur_per_year": 5e5, "sectors": ["creative"]},
            {"kind": "matchmaking", "budget_eur_per_year": 1e6, "regions": ["DE60", "DK01"]},
            {
                "kind": "rural_inclusion",
                "budget_eur_per_year": 1e6,
                "regions": ["DE60"],
                "urban_class": ["rural"],
                "name": "no rural firms in Hamburg",
            },
        )
    )
    table = result.policies
    assert len(table) == 4 * 5
    assert (table["spent_eur"] <= table["budget_eur"]).all()
    hamburg = table[table["name"] == "no rural firms in Hamburg"]
    assert (hamburg["spent_eur"] == 0).all() and (hamburg["budget_eur"] == 1e6).all()
    indicators = result.indicators.set_index("year")
    assert indicators.loc[1, "policy_spent_eur"] == pytest.approx(
        table[table["year"] == 0]["spent_eur"].sum()
    )


def test_instruments_act_only_while_they_run():
    instrument = {
        "kind": "rd_subsidy",
        "budget_eur_per_year": 5e7,
        "start_year": 2,
        "duration_years": 2,
    }
    table = simulate(scenario(instrument, years=6)).policies.set_index("year")
    assert table.loc[[2, 3], "spent_eur"].gt(0).all()
    assert (table.loc[[0, 1, 4, 5], "spent_eur"] == 0).all()
    with_policy = NSRModel(scenario(instrument, years=6))
    without = NSRModel(scenario(years=6))
    for step in range(6 * 4):
        with_policy.step()
        without.step()
        year = step // 4
        same = np.array_equal(with_policy.firms.productivity, without.firms.productivity)
        if year < 2:
            assert same, f"an effect before the start, year {year}"
    assert not same  # it did act


def test_rural_inclusion_touches_no_urban_firm():
    model = NSRModel(
        scenario({"kind": "rural_inclusion", "budget_eur_per_year": 3e6, "urban_class": ["rural"]})
    )
    model.step()
    firms = model.firms
    live = firms.live()
    touched = firms.rural[live] > 0
    assert touched.any()
    assert (firms.urban[live][touched] == RURAL).all()
    assert (firms.rural[live][firms.urban[live] != RURAL] == 0).all()


def test_infrastructure_opens_its_project_in_its_year():
    model = NSRModel(
        scenario(
            {
                "kind": "infrastructure",
                "project": "fehmarnbelt",
                "start_year": 1,
                "budget_eur_per_year": 1e9,
            },
            years=3,
        )
    )
    hubs = model.world.cities["cell"]
    position = {cell: i for i, cell in enumerate(model.world.cells)}
    ham, cph = position[hubs["Hamburg"]], position[hubs["Copenhagen"]]
    model.run_for(1)
    before = float(model.travel_h[ham, cph])
    model.run_for(4)
    after = float(model.travel_h[ham, cph])
    assert "fehmarnbelt" in model._open_projects and after < before - 1.5


def test_matchmaking_raises_cross_border_links():
    """Directional, with common seeds: funded matchmaking gives more cross-border links."""
    effects = []
    for seed in (1, 2):
        share = {}
        for budget in (0.0, 1e8):
            model = NSRModel(
                Scenario(
                    name="mm",
                    population={"n_firms": 1000},
                    run={"years": 6, "seed": seed},
                    policies=[{"kind": "matchmaking", "budget_eur_per_year": budget}],
                )
            )
            while model.running:
                model.step()
            share[budget] = np.mean([r["cross_border_share"] for r in model.indicator_rows[1:]])
        effects.append(share[1e8] - share[0.0])
    assert min(effects) > 0


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        ({"kind": "infrastructure"}, "project"),
        ({"kind": "infrastructure", "project": "channel_tunnel"}, "fehmarnbelt"),
        ({"kind": "rd_subsidy", "project": "fehmarnbelt"}, "only to infrastructure"),
        ({"kind": "talent_attraction", "regions": ["XX01"]}, "XX01"),
        ({"kind": "rd_subsidy", "budget_eur_per_year": -1}, "budget_eur_per_year"),
    ],
)
def test_bad_instruments_give_the_config_error(policy, needle):
    with pytest.raises(ConfigError, match=needle):
        validate({"name": "bad", "policies": [policy]}, "bad.yaml")


def test_policy_table_columns():
    table = simulate(scenario(years=1)).policies
    assert list(table.columns) == ["year", "instrument", "name", "kind", "budget_eur", "spent_eur"]
    assert isinstance(table, pd.DataFrame) and table.empty


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs(path):
    result = simulate(load_scenario(path, {"run.years": 1, "population.n_firms": 100}))
    assert (result.policies["spent_eur"] <= result.policies["budget_eur"]).all()
    assert path.read_text().lstrip().startswith("#"), "each scenario says what it represents"
