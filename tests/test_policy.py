"""Policy instruments: zero dose is exactly zero, a confined instrument leaves every firm's draws
alone, money buys units (units x unit cost = spent <= budget), participants are in the target
set, infrastructure stays open, the framework costs money; bad instruments are config errors."""

import numpy as np
import pandas as pd
import pytest

from nsrsim import NSRModel, accounts, policy
from nsrsim.config import load_scenario, validate
from nsrsim.errors import ConfigError
from nsrsim.policy import participant_table, rd_boost, select
from nsrsim.random import DrawLog, KeyedRandom
from nsrsim.simulate import simulate
from nsrsim.state import RURAL

from .conftest import ROOT, small

ALL_KINDS = [
    {"kind": "rd_subsidy", "budget_eur_per_year": 2e6, "regions": ["DK03"]},
    {"kind": "cluster_management", "budget_eur_per_year": 3e5, "sectors": ["wind"]},
    {"kind": "matchmaking", "budget_eur_per_year": 1e6, "scope": "cross_border"},
    {"kind": "matchmaking", "name": "to Norway", "budget_eur_per_year": 5e5,
     "scope": "transnational", "members_only": True},
    {"kind": "innovation_management", "budget_eur_per_year": 6e5, "sectors": ["ict", "wind"]},
    {"kind": "rural_inclusion", "budget_eur_per_year": 4e5, "urban_class": ["rural"]},
    {"kind": "talent_attraction", "budget_eur_per_year": 8e5, "regions": ["SE22"]},
    {"kind": "cluster_partnership", "budget_eur_per_year": 3e5,
     "clusters": ["Windcomm Schleswig-Holstein", "Media Evolution"]},
    {"kind": "infrastructure", "project": "fehmarnbelt", "budget_eur_per_year": 1e8,
     "start_year": 1, "duration_years": 1},
]  # fmt: skip


def run(scenario, log: DrawLog | None = None) -> NSRModel:
    model = NSRModel(scenario, draw_log=log)
    while model.running:
        model.step()
    return model


def same_state(a: NSRModel, b: NSRModel) -> None:
    """Every outcome equal (an instrument's unspent budget is reported, but changes nothing)."""
    for row_a, row_b in zip(a.indicator_rows, b.indicator_rows, strict=True):
        assert {k: v for k, v in row_a.items() if k != "policy_budget_eur"} == {
            k: v for k, v in row_b.items() if k != "policy_budget_eur"
        }
    for name in ("id", "jobs", "productivity", "knowledge", "cluster", "innovations", "rd_boost"):
        np.testing.assert_array_equal(
            getattr(a.firms, name)[: a.firms.n], getattr(b.firms, name)[: b.firms.n]
        )
    np.testing.assert_array_equal(a.links.a, b.links.a)
    np.testing.assert_array_equal(a.links.b, b.links.b)


@pytest.mark.parametrize(
    "policy",
    [
        {"kind": "rd_subsidy", "budget_eur_per_year": 0.0},
        {"kind": "matchmaking", "budget_eur_per_year": 0.0, "scope": "cross_border"},
        {"kind": "innovation_management", "budget_eur_per_year": 1e6, "regions": ["NL11"]},
        {"kind": "talent_attraction", "budget_eur_per_year": 1e6, "sectors": ["food"],
         "regions": ["NO0A"]},
        {"kind": "infrastructure", "project": "fehmarnbelt", "budget_eur_per_year": 0.0},
        {"kind": "cluster_partnership", "budget_eur_per_year": 0.0,
         "clusters": ["Windcomm Schleswig-Holstein", "Media Evolution"]},
        {"kind": "cluster_partnership", "budget_eur_per_year": 1e6,
         "clusters": ["Windcomm Schleswig-Holstein", "Oslo Cancer Cluster"]},
    ],
)  # fmt: skip
def test_zero_dose_is_bit_identical(policy):
    """Budget 0, or targets the scenario does not model: exactly the base, firm by firm."""
    base = run(small())
    same_state(base, run(small(policies=[policy])))


def test_framework_without_money_does_nothing():
    base = run(small())
    same_state(base, run(small(**{"framework.enabled": True, "framework.budget_eur_per_year": 0})))


def draws_table(log: DrawLog) -> pd.DataFrame:
    rows = []
    for stream, step, keys, values in log.entries:
        if len(keys):
            per_key = [tuple(v) for v in values.reshape(len(keys), -1)]
            rows.append(
                pd.DataFrame({"stream": stream, "step": step, "key": keys, "value": per_key})
            )
    return pd.concat(rows).drop_duplicates(["stream", "step", "key"])


def by_id(model: NSRModel, values: np.ndarray, region: str, same: bool = False) -> pd.Series:
    """``values`` (over rows) of the live firms outside ``region``'s country (or, with
    ``same``, anywhere), by firm id.
    """
    firms = model.firms
    live = firms.live()
    country = model.region_country[model.region_codes.index(region)]
    rows = live if same else live[firms.country[live] != country]
    return pd.Series(values[rows], index=firms.id[rows])


def test_a_confined_instrument_leaves_every_firms_draws_alone():
    """Compare the draws, not only outcomes: every (stream, step, firm) drawn in both runs
    got the same number; and one step after the subsidy first changes an Agder firm's
    innovations, firms in other countries keep their partners (positional draws once changed
    262 of 427)."""
    logs = DrawLog(), DrawLog()
    policy = {"kind": "rd_subsidy", "budget_eur_per_year": 5e7, "regions": ["NO09"]}
    base = NSRModel(small(), draw_log=logs[0])
    alt = NSRModel(small(policies=[policy]), draw_log=logs[1])
    first_difference = None
    while base.running:
        base.step()
        alt.step()
        if first_difference is None:
            innovations = [by_id(m, m.firms.innovations, "SE22", same=True) for m in (base, alt)]
            a, b = innovations[0].align(innovations[1], join="inner")
            if (a != b).any():
                first_difference = base.steps
        elif base.steps == first_difference + 1:
            degrees = [by_id(m, m.links.degree(m.firms.n), "NO09") for m in (base, alt)]
            a, b = degrees[0].align(degrees[1], join="inner")
            assert len(a) > 100 and (a == b).mean() > 0.97
    assert first_difference is not None  # the subsidy acted
    both = draws_table(logs[0]).merge(draws_table(logs[1]), on=["stream", "step", "key"])
    assert len(both) > 10_000
    assert (both["value_x"] == both["value_y"]).all()


def test_units_times_unit_cost_is_spent_within_budget():
    result = simulate(small(policies=ALL_KINDS, **{"run.years": 4}))
    table = result.policies
    own = table[table["instrument"] >= 0]
    assert len(own) == 4 * (5 + len(ALL_KINDS))  # programmes and policies, every year
    np.testing.assert_allclose(own["units"] * own["unit_cost_eur"], own["spent_eur"], rtol=1e-9)
    assert (own["spent_eur"] <= (own["budget_eur"] + own["carried_eur"]) * (1 + 1e-12)).all()
    # money not spent in a year is carried to the next, never more than was budgeted
    by_instrument = own.sort_values("year").groupby("instrument")
    assert (
        by_instrument["spent_eur"].cumsum() <= by_instrument["budget_eur"].cumsum() + 1e-6
    ).all()
    carried = own.set_index(["instrument", "year"])
    for (index, year), row in carried.iterrows():
        if year > 0:
            before = carried.loc[(index, year - 1)]
            assert row["carried_eur"] == pytest.approx(
                before["budget_eur"] + before["carried_eur"] - before["spent_eur"], abs=1e-6
            )
    assert (own["spent_eur"] > 0).sum() >= 3 * len(ALL_KINDS)
    people = result.participants
    paid = people[people["instrument"] >= 0].groupby(["instrument", "year"])["eur"].sum()
    spent = own.set_index(["instrument", "year"])["spent_eur"]
    for key, eur in paid.items():
        assert eur == pytest.approx(spent[key])
    indicators = result.indicators.set_index("year")
    assert indicators.loc[1, "policy_spent_eur"] == pytest.approx(
        table[table["year"] == 0]["spent_eur"].sum()
    )


def test_participants_are_in_the_target_set():
    scenario = small(policies=ALL_KINDS, **{"run.years": 3})
    model = run(scenario)
    table = participant_table(model.participant_rows, model.region_codes)
    limit = scenario.population.targeted_firms_per_agent
    assert (table["real_firms"] <= limit).all()
    firms = model.firms
    row_of = {int(i): r for r, i in enumerate(firms.id[: firms.n])}
    rows = np.array([row_of[i] for i in table["firm"]])
    names = {i.name or i.kind: i for i in model.instruments}
    for name, group in table.groupby("name"):
        if name not in names:
            continue  # the regions' own R&D subsidies
        instrument = names[name]
        mine = rows[table["name"].to_numpy() == name]
        if instrument.regions:
            codes = [
                model.region_codes.index(c) for c in instrument.regions if c in model.region_codes
            ]
            assert np.isin(firms.region[mine], codes).all(), name
        if instrument.urban_class == ["rural"]:
            assert (firms.urban[mine] == RURAL).all(), name
        if instrument.sectors:
            from nsrsim.policy import SECTORS

            allowed = [SECTORS.index(s) for s in instrument.sectors]
            assert np.isin(firms.sector[mine], allowed).all(), name
        if instrument.kind == "matchmaking":
            partners = np.array([row_of[i] for i in group["partner"]])
            assert (firms.country[partners] != firms.country[mine]).all(), name
    assert {"rural_inclusion", "innovation_management", "matchmaking"} <= set(table["name"])


def test_an_opened_project_stays_open():
    model = NSRModel(small(policies=[ALL_KINDS[-1]], **{"run.years": 5}))
    hubs = model.world.cities["cell"]
    position = {cell: i for i, cell in enumerate(model.world.cells)}
    lubeck, naestved = position[hubs["Lübeck"]], position[hubs["Næstved"]]
    times = []
    for _ in range(5):
        model.run_for(4)
        times.append(float(model.travel_h[lubeck, naestved]))
    assert "fehmarnbelt" in model._open_projects
    assert times[1] < times[0] and times[1] == times[2] == times[4]  # opened in year 1, kept


def test_instruments_act_only_while_they_run():
    instrument = {"kind": "rd_subsidy", "budget_eur_per_year": 5e7, "start_year": 2,
                  "duration_years": 2}  # fmt: skip
    table = simulate(small(policies=[instrument], **{"run.years": 6})).policies
    own = table[table["name"] == "rd_subsidy"].set_index("year")
    assert own.loc[[2, 3], "spent_eur"].gt(0).all()
    assert (own.loc[[0, 1, 4, 5], "spent_eur"] == 0).all()
    with_policy = NSRModel(small(policies=[instrument], **{"run.years": 6}))
    without = NSRModel(small(**{"run.years": 6}))
    for step in range(3 * 4):
        with_policy.step()
        without.step()
        if step // 4 < 2:
            assert np.array_equal(with_policy.firms.productivity, without.firms.productivity)
    assert not np.array_equal(with_policy.firms.rd_boost, without.firms.rd_boost)


def test_the_framework_pays_its_secretariat_and_partnerships():
    scenario = small(**{"framework.enabled": True, "framework.budget_eur_per_year": 7e5,
                        "run.years": 4})  # fmt: skip
    result = simulate(scenario)
    fw = result.policies[result.policies["kind"] == "framework"]
    secretariat = fw[fw["name"] == "framework secretariat"]
    assert (secretariat["spent_eur"] == scenario.framework.secretariat_eur_per_year).all()
    partnerships = fw[fw["name"] == "framework partnerships"]
    slots = (
        7e5 - scenario.framework.secretariat_eur_per_year
    ) // scenario.framework.partnership_eur_per_year
    assert (partnerships["units"] <= slots + 1e-9).all() and partnerships["units"].sum() > 0
    assert (result.indicators["framework_partnerships"] <= slots).all()
    np.testing.assert_allclose(
        partnerships["units"] * scenario.framework.partnership_eur_per_year,
        partnerships["spent_eur"],
    )
    assert (fw.groupby("year")["spent_eur"].sum() <= 7e5 * (1 + 1e-12)).all()


def test_brokered_matches_give_participants_partners_abroad():
    """Directional: matchmaking gives its participants partners beyond INTERREG A, which the
    same firms lack without it."""
    policy = {"kind": "matchmaking", "budget_eur_per_year": 3e6, "scope": "transnational"}
    base = run(small(**{"run.years": 2, "run.firm_panel": True}))
    alt = run(small(policies=[policy], **{"run.years": 2, "run.firm_panel": True}))
    people = participant_table(alt.participant_rows, alt.region_codes)
    ids = people[people["name"] == "matchmaking"]["firm"].unique()
    assert len(ids) > 0

    def partners(model):
        panel = accounts.stack(model.panel_rows)
        final = panel[panel["year"] == 2].set_index("firm")
        return final.reindex(ids)["transnational_partners"].fillna(0)

    assert partners(alt).mean() > partners(base).mean() + 0.3


def test_a_brokered_cluster_partnership_links_the_two_initiatives():
    """Its participants are members of the two initiatives, each paid match links a member of
    one to a member of the other, and spending stays within the budget."""
    names = ["Windcomm Schleswig-Holstein", "GCE NODE"]
    policy = {"kind": "cluster_partnership", "budget_eur_per_year": 2e5, "clusters": names}
    model = run(small(policies=[policy], **{"run.years": 2, "clusters.leave_rate": 0.0}))
    people = participant_table(model.participant_rows, model.region_codes)
    matches = people[people["kind"] == "cluster_partnership"]
    assert len(matches) > 0
    pair = {model.cluster_info.name.index(n) for n in names}
    row_of = {int(i): r for r, i in enumerate(model.firms.id[: model.firms.n])}
    for firm, partner in zip(matches["firm"], matches["partner"], strict=True):
        a, b = model.firms.cluster[row_of[firm]], model.firms.cluster[row_of[partner]]
        assert {a, b} == pair  # nobody leaves an initiative here
    spent = pd.DataFrame(model.policy_rows)
    mine = spent[spent["kind"] == "cluster_partnership"]
    assert (mine["spent_eur"] <= mine["budget_eur"] + mine["carried_eur"] + 1e-6).all()


def test_select_takes_the_fittest_that_the_money_buys():
    rows = np.array([0, 1, 2, 3])
    fit = np.array([0.9, 0.5, 0.8, 0.1])
    weight = np.array([5.0, 1.0, 10.0, 1.0])
    chosen = select(rows, fit, np.arange(4), weight, 1000.0, np.array([7000.0]))
    assert chosen.tolist() == [0, 1, 3]  # 2 is too big for what is left after 0; 1 and 3 fit
    per_region = select(rows, fit, np.arange(4), weight, 1000.0, np.array([5000.0, 10000.0]),
                        np.array([0, 0, 1, 1]))  # fmt: skip
    assert sorted(per_region.tolist()) == [0, 2]
    assert select(rows, fit, np.arange(4), weight, 1000.0, np.array([0.0])).size == 0


@pytest.mark.parametrize(
    ("policy", "needle"),
    [
        ({"kind": "infrastructure"}, "project"),
        ({"kind": "infrastructure", "project": "channel_tunnel"}, "fehmarnbelt"),
        ({"kind": "rd_subsidy", "project": "fehmarnbelt"}, "only to infrastructure"),
        ({"kind": "talent_attraction", "regions": ["XX01"]}, "XX01"),
        ({"kind": "rd_subsidy", "budget_eur_per_year": -1}, "budget_eur_per_year"),
        ({"kind": "matchmaking", "scope": "everywhere"}, "scope"),
        ({"kind": "matchmaking", "unit_cost_eur": 0}, "unit_cost_eur"),
        ({"kind": "cluster_partnership", "clusters": ["Media Evolution"]}, "two different"),
        ({"kind": "cluster_partnership", "clusters": ["Media Evolution", "Nowhere"]}, "Nowhere"),
        (
            {
                "kind": "cluster_partnership",  # a port, not a cluster initiative
                "clusters": ["Media Evolution", "Port Esbjerg offshore wind hub"],
            },
            "Port Esbjerg",
        ),
        ({"kind": "matchmaking", "clusters": ["Media Evolution", "CLEAN"]}, "only to cluster"),
    ],
)
def test_bad_instruments_give_the_config_error(policy, needle):
    with pytest.raises(ConfigError, match=needle):
        validate({"name": "bad", "policies": [policy]}, "bad.yaml")


def test_a_partnership_may_name_a_generic_initiative():
    policy = {"kind": "cluster_partnership", "clusters": ["CLEAN", "maritime cluster SE23"]}
    scenario = validate({"name": "ok", "policies": [policy]}, "ok.yaml")
    assert scenario.policies[0].clusters == ["CLEAN", "maritime cluster SE23"]


def test_policy_tables_have_their_columns():
    result = simulate(small(**{"run.years": 1}))
    assert list(result.policies.columns) == [
        "year", "instrument", "name", "kind", "budget_eur", "carried_eur", "units",
        "unit_cost_eur", "spent_eur",
    ]  # fmt: skip
    assert {"year", "instrument", "name", "firm", "real_firms", "units", "eur"} <= set(
        result.participants.columns
    )


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs(path):
    scenario = load_scenario(
        path,
        {
            "run.years": 1,
            "population.n_firms": 1000,
            "population.targeted_firms_per_agent": 300,
        },
    )
    result = simulate(scenario)
    table = result.policies
    assert (table["spent_eur"] <= (table["budget_eur"] + table["carried_eur"]) * (1 + 1e-12)).all()
    assert path.read_text().lstrip().startswith("#"), "each scenario says what it represents"


def test_talent_attraction_brings_each_recruit_with_a_household():
    """ODD 7.9: a supported recruitment adds one skilled worker and one worker to the region,
    and household_size inhabitants, as a migrant does (ODD 7.7)."""
    model = NSRModel(small(policies=[{"kind": "talent_attraction", "budget_eur_per_year": 3e5}]))
    before = (model.skilled.copy(), model.workforce.copy(), model.population.copy())
    recruits = np.array([float(i + 1) for i in range(len(model.region_codes))])
    model.arrive(recruits)
    np.testing.assert_allclose(model.skilled - before[0], recruits)
    np.testing.assert_allclose(model.workforce - before[1], recruits)
    np.testing.assert_allclose(
        model.population - before[2], model.config.mobility.household_size * recruits
    )


def test_a_running_subsidised_project_raises_absorptive_capacity():
    """ODD 7.4: subsidised R&D counts as R&D in absorptive capacity; a project that has ended
    does not (its boost is refreshed before applicants are ranked)."""
    model = NSRModel(small(**{"run.years": 3}))
    model.step()
    boosted = np.flatnonzero(model.firms.rd_boost[: model.firms.n] > 0)
    assert boosted.size > 0  # the regions' own R&D subsidies run in the baseline
    with_boost = model.absorptive()[boosted]
    model.firms.rd_boost[boosted] = 0.0
    assert (model.absorptive()[boosted] < with_boost).all()
    model.firms.project_until[boosted] = model.year  # the projects end with this year
    model.year += 1
    additionality = model.config.governments.additionality
    assert (rd_boost(model.firms, model.year, additionality)[boosted] == 0.0).all()


def test_an_instrument_skips_exactly_the_firms_it_served_in_its_repeat_window():
    """The record holds each row's last year served (rows beyond it never were), and the
    eligibility pass skips exactly the rows served after the window's start.
    """
    rng = np.random.default_rng(3)
    served: dict[int, np.ndarray] = {}
    history = []  # (row, year) of every participation
    for year in range(12):
        rows = rng.choice(400, rng.integers(0, 60), replace=False)
        history += [(r, year) for r in rows]
        policy.remember(served, 2, rows, year)
    assert len(served[2]) <= 2 * 400  # rows 400-499 were never served: beyond the record
    rows = np.arange(500)
    everyone = np.ones(4, np.bool_)
    kept = policy._eligible(
        rows, rows % 4, rows % 4, rows % 3, rows % 2 - 1, everyone, everyone, everyone,
        np.ones(0, np.bool_), False, served[2], 11 - 3,
    )  # fmt: skip
    recent = {r for r, year in history if year > 11 - 3}
    assert set(kept) == set(range(500)) - recent
    assert (np.diff(kept) > 0).all()
    assert policy.NOT_SERVED.size == 0  # the shared empty record is never written


@pytest.mark.parametrize("in_id_order", [True, False])
def test_a_brokers_list_is_the_eligible_applicants_fittest_first_then_by_id(in_id_order):
    """The compiled list: eligible rows with free capacity whose keyed apply draw is below
    the share (the uniforms ``KeyedRandom.uniform`` gives), by fit and then id, cut; rows in
    id order or not."""
    from nsrsim.random import KeyedRandom

    rng = np.random.default_rng(7)
    n = 300
    rows = np.arange(0, n, 2)
    firm_id = np.arange(n) * 3 if in_id_order else rng.permutation(n) * 3
    region, sector, urban = rng.integers(0, 4, n), rng.integers(0, 3, n), rng.integers(0, 3, n)
    cluster, degree = rng.integers(-1, 3, n), rng.integers(0, 5, n)
    fit = rng.choice([0.1, 0.2, 0.3], n)  # ties, broken by id
    served = np.full(n, -5, np.int32)
    served[rng.choice(n, 40, replace=False)] = 9
    lookups = (np.array([1, 1, 0, 1], bool), np.ones(3, bool), np.array([1, 0, 1], bool))
    draws = KeyedRandom(11)
    listed, drawn, u = policy._listed(
        rows, region, sector, urban, cluster, firm_id, *lookups, np.ones(0, bool), True, served,
        7, degree, 4, draws.stream_base("apply.x", 3), 0.6, fit, 10,
    )  # fmt: skip
    eligible = [
        r for r in rows
        if lookups[0][region[r]] and lookups[2][urban[r]] and cluster[r] >= 0
        and served[r] <= 7 and degree[r] < 4
    ]  # fmt: skip
    np.testing.assert_array_equal(drawn, eligible)
    np.testing.assert_array_equal(u, draws.uniform("apply.x", 3, firm_id[drawn]))
    applied = drawn[u < 0.6]
    expected = applied[np.lexsort((firm_id[applied], -fit[applied]))][:10]
    np.testing.assert_array_equal(listed, expected)
    assert len(applied) > len(listed) == 10  # the cut applies


def test_rd_boost_is_the_array_rule_to_the_bit():
    """The compiled R&D boost equals its NumPy statement: running projects only, revenue at
    least 1 EUR, NaN kept."""
    from nsrsim.policy import _rd_boost

    rng = np.random.default_rng(0)
    n = 5000
    until = rng.integers(-3, 5, n).astype(np.int32)
    jobs, productivity, eur = rng.random(n) * 3, rng.random(n) * 2, rng.random(n) * 1e5
    jobs[:10], productivity[10:20] = np.nan, 0.0
    revenue = np.maximum(jobs * productivity, 1.0)
    expected = np.where(until > 1, 0.7 * eur / revenue, 0.0)
    got = _rd_boost(until, jobs, productivity, eur, n, 1, 0.7)
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got).any()


def test_the_regions_own_rd_applicants_are_the_array_rule():
    """One compiled pass gives the firms of priority sectors without a running project, not
    served lately, that draw below the apply share: what _eligible and the keyed draws give."""
    from nsrsim.policy import _eligible, _regional_applicants

    rng = np.random.default_rng(13)
    n = 3000
    rows = np.sort(rng.choice(n, 2000, replace=False))
    region, sector = rng.integers(0, 7, n), rng.integers(0, 6, n)
    priority = rng.random((7, 6)) < 0.5
    until, served = rng.integers(-3, 4, n).astype(np.int32), rng.integers(-9, 3, n // 2)
    firm_id = np.arange(n, dtype=np.int64) * 7 + 3
    draws = KeyedRandom(5)
    ones = [np.ones(k, np.bool_) for k in (7, 6, 3)]
    extra = priority[region, sector] & (until <= 1)
    eligible = _eligible(
        rows, region, sector, np.zeros(n, np.int8), np.full(n, -1), *ones, extra, False,
        served, -2,
    )  # fmt: skip
    u = draws.uniform("apply.regional_rd", 4, firm_id[eligible])
    applied, drawn, values = _regional_applicants(
        rows, region, sector, priority, until, 1, served, -2, firm_id,
        draws.stream_base("apply.regional_rd", 4), 0.3,
    )  # fmt: skip
    np.testing.assert_array_equal(drawn, eligible)
    np.testing.assert_array_equal(values, u)
    np.testing.assert_array_equal(applied, eligible[u < 0.3])
