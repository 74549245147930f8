"""The cache of dbt parses (warehouse.parse_cache): one file per vars and profile, never over a
warehouse's own parse, never half written."""

from __future__ import annotations

from pathlib import Path

from warehouse.parse_cache import PARSE_FILE, keep_parse, parse_cache_entry, reuse_parse

PROFILE = {"ONECLICK_WAREHOUSE_PATH": "oneclick.duckdb", "ONECLICK_THREADS": "2"}


def test_other_vars_or_another_profile_are_another_entry(tmp_path: Path):
    entry = parse_cache_entry(tmp_path, {"raw_dir": "raw"}, PROFILE)
    assert entry == parse_cache_entry(tmp_path, {"raw_dir": "raw"}, dict(PROFILE))
    assert entry.parent == tmp_path
    assert entry != parse_cache_entry(tmp_path, {"raw_dir": "raw", "x": 1}, PROFILE)
    assert entry != parse_cache_entry(
        tmp_path, {"raw_dir": "raw"}, PROFILE | {"ONECLICK_WAREHOUSE_PATH": "other.duckdb"}
    )
    # What dbt reads only while it runs (the run, the month) does not make another entry.
    assert entry == parse_cache_entry(
        tmp_path, {"raw_dir": "raw"}, PROFILE | {"ONECLICK_EXPORT_MONTH": "2026-11"}
    )


def test_a_kept_parse_seeds_a_target_without_one_and_never_replaces_its_own(tmp_path: Path):
    entry = tmp_path / "cache" / "key.msgpack"
    first, second, third = (tmp_path / name for name in ("first", "second", "third"))
    first.mkdir()
    (first / PARSE_FILE).write_bytes(b"parse of the first")

    assert not reuse_parse(entry, second), "nothing cached yet"
    keep_parse(first, entry)
    assert entry.read_bytes() == b"parse of the first"

    assert reuse_parse(entry, second)
    assert (second / PARSE_FILE).read_bytes() == b"parse of the first"

    third.mkdir()
    (third / PARSE_FILE).write_bytes(b"its own")
    assert not reuse_parse(entry, third)
    assert (third / PARSE_FILE).read_bytes() == b"its own"
    keep_parse(third, entry)
    assert entry.read_bytes() == b"its own"
    assert sorted(path.name for path in entry.parent.iterdir()) == ["key.msgpack"]


def test_a_target_without_a_parse_keeps_nothing(tmp_path: Path):
    entry = tmp_path / "cache" / "key.msgpack"
    keep_parse(tmp_path / "empty", entry)
    assert not entry.exists()
