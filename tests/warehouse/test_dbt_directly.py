"""dbt used directly, as a CI job or an analyst runs it from dbt_project/, is safe: the committed
profile's default target builds a development file and only reads the published warehouse, which
stays byte-identical, also while a BI reader holds it open. Wrong settings stop dbt before any
model runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from tests.conftest import Build
from tests.support import fingerprint, query
from warehouse.dbt_runner import dbt_executable
from warehouse.paths import DBT_PROJECT_DIR

pytestmark = pytest.mark.slow


def plain_dbt(
    arguments: list[str], folder: Path, published: Path, dbt_vars: dict
) -> subprocess.CompletedProcess:
    """``dbt <arguments>`` from dbt_project/ with the committed profile and its default target;
    only the files' places are moved into the test's folder."""
    env = {
        **os.environ,
        "ONECLICK_DEV_WAREHOUSE": str(folder / "dev.duckdb"),
        "ONECLICK_PUBLISHED_WAREHOUSE": str(published),
    }
    for name in ("ONECLICK_WAREHOUSE_PATH", "ONECLICK_EXPORT_MONTH", "ONECLICK_BUILD_RUN"):
        env.pop(name, None)
    return subprocess.run(
        [
            *dbt_executable(),
            *arguments,
            "--profiles-dir",
            ".",
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "logs"),
            "--vars",
            json.dumps(dbt_vars),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_default_target_is_a_development_file_not_the_published_one():
    profile = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())["oneclick"]
    dev = profile["outputs"][profile["target"]]

    assert profile["target"] == "dev"
    assert "dev.duckdb" in dev["path"]
    published = dev["plugins"][0]["config"]["path"]
    assert "oneclick.duckdb" in published and published not in dev["path"]


def test_plain_dbt_build_reads_history_and_leaves_the_published_file_alone(
    demo_build: Build, tmp_path: Path
):
    published = tmp_path / "published" / "oneclick.duckdb"
    published.parent.mkdir()
    shutil.copy(demo_build.warehouse, published)
    before = fingerprint(published)
    raw = tmp_path / "2026-12"
    shutil.copytree(demo_build.raw, raw)
    reader = duckdb.connect(str(published), read_only=True)  # a BI tool holding the file
    try:
        result = plain_dbt(
            ["build"],
            tmp_path,
            published,
            {
                "raw_dir": str(raw),
                "trained_model_dir": str(tmp_path / "trained_models"),
                "model_path": str(demo_build.model_path),
            },
        )
        assert reader.execute("select count(*) from marts.build_runs").fetchone()[0] >= 1
    finally:
        reader.close()

    assert result.returncode == 0, result.stdout[-3000:]
    assert fingerprint(published) == before
    dev = tmp_path / "dev.duckdb"
    months = query(
        dev,
        "select strftime(export_month, '%Y-%m'), count(*) from marts.customer_history "
        "group by all order by 1",
    )
    published_months = query(
        published,
        "select strftime(export_month, '%Y-%m'), count(*) from marts.customer_history "
        "group by all order by 1",
    )
    assert months == [*published_months, ("2026-12", months[-1][1])]
    runs = query(dev, "select strftime(export_month, '%Y-%m') from marts.build_runs")
    assert len(runs) == len(query(published, "select * from marts.build_runs")) + 1
    assert runs[-1] == ("2026-12",)


def test_plain_dbt_refuses_a_wrong_setting_before_any_model(demo_build: Build, tmp_path: Path):
    result = plain_dbt(
        ["build", "--select", "staging"],
        tmp_path,
        tmp_path / "nothing-published.duckdb",
        {
            "raw_dir": str(demo_build.raw),
            "high_risk_min_probability": "abc",
            "export_month": "2026-11",
        },
    )

    assert result.returncode != 0
    assert (
        'high_risk_min_probability = "abc" is not allowed: expected a number at least 0 and '
        "at most 1" in result.stdout
    )
    assert "OK created" not in result.stdout, "no model may run with a wrong setting"
