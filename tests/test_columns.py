"""Output column names: one writer, one reader."""

from nsrsim.columns import Column, column, outputs, parse


def test_names_round_trip_and_other_columns_are_no_outputs():
    assert column("links", 10) == "links@10" and column("jobs", 3, "DK01") == "jobs@3@DK01"
    assert parse("jobs@3@DK01") == Column("jobs", 3, "DK01")
    assert parse("links@10").name == "links@10"
    for other in ("run_id", "param:partnering.decay_km", "pattern:border_effect", "a@b", "x@1@2@3"):
        assert parse(other) is None


def test_outputs_select_by_indicator_and_level_in_year_order():
    names = ["run_id", "links@10", "links@2", "links@2@DK01", "jobs@2"]
    assert [c.name for c in outputs(names, "links", area=False)] == ["links@2", "links@10"]
    assert [c.name for c in outputs(names, area=True)] == ["links@2@DK01"]
