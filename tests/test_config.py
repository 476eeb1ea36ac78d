import json
from pathlib import Path

import pytest
import yaml

from nsrsim.cli import main
from nsrsim.config import Scenario, load_scenario
from nsrsim.errors import ConfigError

from .conftest import BASELINE


def write(tmp_path: Path, name: str, data: dict | str) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def cli_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, "the message is one paragraph"
    return err


def test_baseline_loads_with_defaults():
    scenario = load_scenario(BASELINE)
    assert scenario.name == "baseline"
    assert scenario.run.steps_per_year == 4
    assert scenario.partnering.decay_km == Scenario.model_fields["partnering"].default.decay_km


def test_extends_merges_and_overrides(tmp_path):
    child = write(
        tmp_path,
        "child.yaml",
        {"extends": str(BASELINE), "name": "child", "partnering": {"decay_km": 300}},
    )
    scenario = load_scenario(child, {"run.seed": 7})
    base = load_scenario(BASELINE)
    assert scenario.partnering.decay_km == 300
    assert scenario.partnering.link_cost == base.partnering.link_cost
    assert scenario.world.regions == base.world.regions
    assert scenario.run.seed == 7


def test_extends_relative_to_file(tmp_path):
    write(tmp_path, "parent.yaml", {"name": "parent", "run": {"years": 5}})
    (tmp_path / "sub").mkdir()
    child = write(tmp_path / "sub", "child.yaml", {"extends": "../parent.yaml", "name": "c"})
    assert load_scenario(child).run.years == 5


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        ({"name": "x", "partnering": {"decay": 5}}, ["partnering.decay", "decay_km"]),
        ({"name": "x", "run": {"years": "ten"}}, ["run.years", "integer"]),
        ({"name": "x", "partnering": {"decay_km": 50000}}, ["partnering.decay_km", "2000", "km"]),
        ({"name": "x", "world": {"regions": ["DK01", "XX99"]}}, ["world.regions", "XX99", "DK05"]),
        (
            {"name": "x", "policies": [{"kind": "rd_subsidy", "sectors": ["steel"]}]},
            ["policies[0].sectors[0]", "steel", "maritime"],
        ),
        ({"name": "x", "policies": [{"kind": "bribe"}]}, ["policies[0].kind", "rd_subsidy"]),
        (
            {"name": "x", "world": {"transport_projects": {"channel_tunnel": 2030}}},
            ["world.transport_projects", "fehmarnbelt"],
        ),
        ({"name": "x", "world": {"cell_km": 15}}, ["world.cell_km", "20"]),
        (
            {"name": "x", "policies": [{"kind": "rural_inclusion", "urban_class": ["urban"]}]},
            ["policies[0]", "rural and intermediate"],
        ),
        (  # YAML reads an unquoted NO as false
            {"name": "x", "partnering": {"search_culture": {False: 1.0}}},
            ["partnering.search_culture", '"NO"'],
        ),
        (
            {"name": "x", "partnering": {"search_culture": {"FR": 1.0}}},
            ["partnering.search_culture", "FR", "SE"],
        ),
        (
            {"name": "x", "partnering": {"search_culture": {"DK": -1.0}}},
            ["partnering.search_culture.DK", "greater than 0"],
        ),
        ({"run": {"years": 5}}, ["'name' is required"]),
    ],
)
def test_bad_values_name_field_and_allowed(tmp_path, capsys, data, needles):
    path = write(tmp_path, "bad.yaml", data)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    for needle in needles:
        assert needle in str(info.value)
    assert str(path) in str(info.value)
    err = cli_error(capsys, ["config", "show", str(path)])
    assert needles[0] in err


def test_malformed_yaml(tmp_path, capsys):
    path = write(tmp_path, "broken.yaml", "name: x\nrun: [years: 3\n")
    err = cli_error(capsys, ["config", "show", str(path)])
    assert "not valid YAML" in err and "line" in err


def test_missing_file_and_missing_parent(tmp_path, capsys):
    err = cli_error(capsys, ["config", "show", str(tmp_path / "nope.yaml")])
    assert "does not exist" in err
    child = write(tmp_path, "child.yaml", {"extends": "gone.yaml", "name": "c"})
    err = cli_error(capsys, ["config", "show", str(child)])
    assert "extends" in err and "gone.yaml" in err


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.yaml", {"extends": "b.yaml", "name": "a"})
    write(tmp_path, "b.yaml", {"extends": "a.yaml", "name": "b"})
    with pytest.raises(ConfigError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")


def test_not_a_mapping(tmp_path, capsys):
    path = write(tmp_path, "list.yaml", "- a\n- b\n")
    assert "mapping" in cli_error(capsys, ["config", "show", str(path)])


def test_cli_flag_out_of_range_names_field(capsys):
    err = cli_error(capsys, ["run", str(BASELINE), "--years", "0"])
    assert "--years" in err and "between 1 and 100" in err


def test_config_show_prints_resolved(capsys):
    assert main(["config", "show", str(BASELINE)]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["partnering"]["decay_km"] == load_scenario(BASELINE).partnering.decay_km
    assert Scenario.model_validate(shown) == load_scenario(BASELINE)


def test_schema_describes_every_parameter(capsys):
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    partnering = schema["$defs"]["PartneringConfig"]["properties"]
    decay = partnering["decay_km"]
    assert decay["unit"] == "km" and decay["minimum"] == 10.0 and "description" in decay
    for block in (
        "PartneringConfig",
        "LearningConfig",
        "InnovationConfig",
        "MarketConfig",
        "MobilityConfig",
    ):
        for name, spec in schema["$defs"][block]["properties"].items():
            assert {"default", "description", "unit"} <= spec.keys(), (block, name)
            values = spec.get("additionalProperties", spec)  # a mapping: bounds of its values
            assert {"minimum", "exclusiveMinimum"} & values.keys(), (block, name)
            assert "maximum" in values, (block, name)


def test_rural_inclusion_serves_rural_firms_unless_told_otherwise(tmp_path):
    path = write(tmp_path, "r.yaml", {"name": "x", "policies": [{"kind": "rural_inclusion"}]})
    assert load_scenario(path).policies[0].urban_class == ["rural"]
