"""`oneclick export`: the folder a marketing tool imports is replaced whole, described by its
manifest, and never left half-written or holding lists that no longer apply."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import Build
from tests.support import query, run_oneclick

pytestmark = pytest.mark.slow


def export(warehouse: Path, out: Path, *options: str):
    return run_oneclick("export", "--warehouse", warehouse, "--out", out, *options)


def folder_state(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir()}


def file_rows(path: Path) -> int:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as stream:
            return sum(1 for _row in csv.DictReader(stream))
    with duckdb.connect() as connection:
        return connection.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]


def check_manifest(out: Path, warehouse: Path, file_format: str) -> dict:
    """The manifest names exactly the files in the folder, with their rows, SHA-256 and the
    build they come from."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (run_id, finished_at) = query(
        warehouse,
        "select run_id, cast(finished_at as varchar) from marts.build_runs "
        "order by finished_at desc limit 1",
    )[0]
    assert manifest["build_run_id"] == run_id
    assert manifest["build_finished_at"] == finished_at
    assert manifest["format"] == file_format
    on_disk = {path.name for path in out.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, described in manifest["files"].items():
        assert name.endswith(f".{file_format}")
        assert described["rows"] == file_rows(out / name), name
        assert described["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    columns = {
        row[0]
        for row in query(
            warehouse,
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'build_runs'",
        )
    }
    assert ("export_month" in manifest) == ("export_month" in columns)
    return manifest


@pytest.fixture
def warehouse_copy(demo_build: Build, tmp_path: Path) -> Path:
    """A copy of the demo warehouse, for a test to change."""
    copy = tmp_path / "warehouse" / "oneclick.duckdb"
    copy.parent.mkdir()
    shutil.copy(demo_build.warehouse, copy)
    return copy


def test_an_export_replaces_the_whole_folder_so_an_emptied_campaign_leaves_no_file(
    warehouse_copy: Path, tmp_path: Path
):
    out = tmp_path / "exports"
    first = export(warehouse_copy, out)
    assert first.returncode == 0, first.stderr
    manifest = check_manifest(out, warehouse_copy, "csv")
    offers = [
        row[0]
        for row in query(
            warehouse_copy,
            "select offer_code from marts.campaign_contacts group by all order by count(*)",
        )
    ]
    assert len(offers) >= 2, "the demo should have several email or call campaigns"
    emptied = offers[0]
    assert f"campaign_{emptied}.csv" in manifest["files"]

    # the next build has no customer for that campaign: its list must not stay behind
    with duckdb.connect(str(warehouse_copy)) as connection:
        connection.execute("delete from marts.campaign_contacts where offer_code = ?", [emptied])
    again = export(warehouse_copy, out)

    assert again.returncode == 0, again.stderr
    files = {path.name for path in out.iterdir()}
    assert f"campaign_{emptied}.csv" not in files
    assert files == {f"campaign_{offer}.csv" for offer in offers[1:]} | {
        "site_offers.csv",
        "manifest.json",
    }
    check_manifest(out, warehouse_copy, "csv")
    # nothing of the work is left beside the folder but the lock
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == [
        ".exports.lock"
    ]

    as_parquet = export(warehouse_copy, out, "--format", "parquet")
    assert as_parquet.returncode == 0, as_parquet.stderr
    assert not list(out.glob("*.csv"))
    check_manifest(out, warehouse_copy, "parquet")


def test_a_failed_export_leaves_the_previous_one_as_it_was(warehouse_copy: Path, tmp_path: Path):
    out = tmp_path / "exports"
    assert export(warehouse_copy, out).returncode == 0
    before = folder_state(out)

    # the campaign lists are written, then the site offers fail: the folder must not change
    with duckdb.connect(str(warehouse_copy)) as connection:
        connection.execute("drop table marts.site_offers")
    failed = export(warehouse_copy, out)

    assert failed.returncode != 0
    assert folder_state(out) == before
    assert not list(tmp_path.glob(".exports.new-*"))


def test_an_export_refuses_a_folder_holding_other_files(warehouse_copy: Path, tmp_path: Path):
    out = tmp_path / "desktop"
    out.mkdir()
    (out / "notes.txt").write_text("not oneclick's", encoding="utf-8")
    before = folder_state(out)

    refused = export(warehouse_copy, out)

    assert refused.returncode == 1
    assert "notes.txt" in refused.stderr
    assert folder_state(out) == before
