"""Field metadata declared once (rexlib/metadata/fields.yml): every column of every declared table has
a description and a unit, nothing is declared that no table uses, and the table view joins them
with the schema's types and keys."""
import fnmatch
import tomllib

import pytest

from rexlib.metadata import fields
from rexlib.etl.schema import TABLES, describe_table, declared_tables
from rexlib.core.validate import InvalidArgument
from tests.conftest import PROJECT


def _columns() -> dict[str, list[str]]:
    return {name: list(spec.columns) for name, spec in declared_tables().items()}


def test_every_column_of_every_declared_table_has_a_description_and_a_unit():
    # A new column (or a new table) cannot be added without declaring its words in fields.yml.
    missing = fields.undescribed(_columns())
    assert missing == [], f"declare these in rexlib/metadata/fields.yml: {missing}"


def test_fields_yml_declares_nothing_that_no_table_uses():
    assert fields.unused(_columns()) == []


def test_undescribed_names_a_new_column():
    assert fields.undescribed({"production": ["value", "brand_new_column"]}) == ["production.brand_new_column"]
    with pytest.raises(KeyError, match=r"production\.brand_new_column has no description and unit"):
        fields.field("production", "brand_new_column")


def test_an_override_wins_only_in_its_table():
    # share_pct is a share of U.S. imports in import_sources, of the IEA block total in refining.
    imports, unit = fields.field("import_sources", "share_pct")
    refining, _ = fields.field("refining", "share_pct")
    assert "U.S. imports" in imports and "block total" in refining and unit == "percent (0-100)"
    # an override that gives only a description keeps the field's unit
    assert fields.field("import_reliance", "flag")[1] == fields.field("production", "flag")[1]
    assert fields.field("production", "flag")[0] != fields.field("import_reliance", "flag")[0]


def test_flag_description_names_every_flag_of_the_vocabulary():
    from rexlib.sources.values import FLAGS
    description, unit = fields.field("production", "flag")
    assert [f for f in FLAGS if f not in description] == [] and "FLAGS" in unit


def test_nir_bound_description_names_every_allowed_code():
    description, _ = fields.field("import_reliance", "nir_bound")
    for code in TABLES["import_reliance"].allowed["nir_bound"]:
        assert f"'{code}'" in description


def test_comment_text_carries_the_unit_unless_there_is_none():
    assert fields.comment("concentration", "hhi").endswith("Unit: HHI points (0-10,000).")
    description, unit = fields.field("production", "measure")
    assert unit == "none" and fields.comment("production", "measure") == description


def test_describe_table_joins_types_keys_and_words():
    frame = describe_table("production")
    spec = TABLES["production"]
    assert list(frame.columns) == ["column", "type", "primary_key", "description", "unit"]
    assert list(frame["column"]) == list(spec.columns) and list(frame["type"]) == list(spec.columns.values())
    assert set(frame.loc[frame["primary_key"], "column"]) == set(spec.key)
    assert frame.set_index("column").at["value", "unit"] == "the unit in `unit`"
    # the latest tables drop vintage from the key, and say which edition a series comes from
    latest = describe_table("production_latest")
    assert set(latest.loc[latest["primary_key"], "column"]) == set(spec.key) - {"vintage"}
    assert "edition_rule" in latest.set_index("column").at["vintage", "description"]
    # the table the build creates in SQL is declared too
    assert describe_table("build_info")["column"].tolist() == ["key", "value"]


def test_describe_table_rejects_an_unknown_table_listing_the_valid_ones():
    with pytest.raises(InvalidArgument, match=r"unknown table 'prodution'\. Did you mean 'production'\?"):
        describe_table("prodution")


def test_fields_yml_ships_in_the_wheel():
    globs = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["rexlib"]
    assert any(fnmatch.fnmatch("metadata/" + fields.FIELDS_FILE, g) for g in globs)
