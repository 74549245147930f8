"""Settings (--var) and months are checked before dbt starts, with messages a person can act on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support import TEST_MONTH, run_oneclick
from warehouse.months import MonthError, export_month, parse_month
from warehouse.paths import DBT_PROJECT_DIR
from warehouse.settings import (
    SettingsError,
    checked_overrides,
    load_settings,
    parse_value,
    settings_in_force,
)


def project_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def test_every_setting_has_a_default_and_a_rule_and_nothing_else_is_a_setting():
    declared = project_vars()
    settings = load_settings()

    assert set(settings) == set(declared["setting_rules"])
    for name, setting in settings.items():
        assert name in declared, f"{name} has a rule but no default"
        assert setting.problem(setting.default) is None, f"{name}'s default breaks its rule"
        assert setting.about, f"{name} does not say what it does (its rule's about)"
    # what oneclick sets for each build is not a setting a user may override
    assert not {"raw_dir", "trained_model_dir", "model_path", "export_month"} & set(settings)
    # nor are the declarations the SQL is written from (the segments, the behaviours)
    assert not {"segments", "behaviour_flags"} & set(settings)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.6", 0.6), ("3", 3), ("true", True), ("abc", "abc"), ("1e3", "1e3"), ("", "")],
)
def test_command_line_values_are_read_as_yaml_reads_them(text, value):
    assert parse_value(text) == value


def test_a_misspelt_setting_names_the_closest_one():
    with pytest.raises(SettingsError) as caught:
        checked_overrides({"high_risk_min_prob": 0.6})

    assert (
        "--var high_risk_min_prob: there is no such setting; "
        "did you mean high_risk_min_probability?" in str(caught.value)
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "high_risk_min_probability",
            "abc",
            "--var high_risk_min_probability=abc is not allowed: "
            "expected a number at least 0 and at most 1",
        ),
        (
            "high_risk_min_probability",
            1.5,
            "--var high_risk_min_probability=1.5 is not allowed: "
            "expected a number at least 0 and at most 1",
        ),
        (
            "training_sample_max_rows",
            2.5,
            "--var training_sample_max_rows=2.5 is not allowed: "
            "expected a whole number at least 40",
        ),
        (
            "audit_accept_drops",
            1,
            "--var audit_accept_drops=1 is not allowed: expected true or false",
        ),
        (
            "revenue_outlier_threshold",
            True,
            "--var revenue_outlier_threshold=true is not allowed: expected a number at least 0",
        ),
    ],
)
def test_a_value_of_the_wrong_kind_or_out_of_bounds_is_named_with_what_is_allowed(
    name, value, expected
):
    with pytest.raises(SettingsError) as caught:
        checked_overrides({name: value})

    assert expected in str(caught.value)


def test_every_problem_is_named_at_once_and_good_values_pass():
    with pytest.raises(SettingsError) as caught:
        checked_overrides({"high_risk_min_probability": -1, "nonsense": 1})
    assert "high_risk_min_probability=-1" in str(caught.value)
    assert "--var nonsense: there is no such setting" in str(caught.value)

    assert checked_overrides({"high_risk_min_probability": 0.6}) == {
        "high_risk_min_probability": 0.6
    }


def test_the_settings_in_force_are_the_defaults_overridden():
    in_force = settings_in_force({"high_risk_min_probability": 0.6})

    assert in_force["high_risk_min_probability"] == 0.6
    assert in_force["high_value_profit_quantile"] == project_vars()["high_value_profit_quantile"]
    assert set(in_force) == set(load_settings())


def test_the_month_comes_from_the_option_or_the_folder_never_from_today(tmp_path: Path):
    assert export_month(tmp_path / "2026-09") == "2026-09"
    assert export_month(tmp_path / "anything", "2027-01") == "2027-01"
    assert export_month(tmp_path / "2026-09", "2026-10") == "2026-10"
    with pytest.raises(MonthError, match="Give it with --month YYYY-MM"):
        export_month(tmp_path / "exports")
    for wrong in ("2026-13", "2026-1", "26-11", "2026-11-01", "november"):
        with pytest.raises(MonthError, match="is not a month"):
            parse_month(wrong)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["--var", "high_risk_min_prob=0.6"],
            "did you mean high_risk_min_probability?",
        ),
        (
            ["--var", "high_risk_min_probability=abc"],
            "high_risk_min_probability=abc is not allowed",
        ),
        (["--month", "2026-13"], "'2026-13' is not a month"),
    ],
)
def test_the_command_refuses_a_wrong_setting_or_month_before_any_work(
    tmp_path: Path, arguments: list[str], expected: str
):
    warehouse = tmp_path / "wh" / "oneclick.duckdb"
    if "--month" not in arguments:
        arguments = [*arguments, "--month", TEST_MONTH]

    result = run_oneclick("build", "--warehouse", warehouse, *arguments, timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    assert not warehouse.parent.exists(), "nothing may be written before the settings pass"
