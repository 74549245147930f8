"""What oneclick hands dbt and what dbt tells back: the ONECLICK_BUILD_RUN record has one shape,
declared in Python and listed beside the macro that reads it, and the build's progress names the
Python models from the manifest, not from a list that a renamed model would leave stale."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from tests.conftest import Build
from tests.support import query
from warehouse.dbt_runner import python_model_descriptions, short_description
from warehouse.paths import DBT_PROJECT_DIR, work_dir
from warehouse.run_log import ENVIRONMENT_VARIABLE, BuildRunRecord, ExportFingerprint

MACROS = DBT_PROJECT_DIR / "macros"
DOCUMENTED_KEY = re.compile(r"^ {6}(\w+) {2,}(.*)$")


def documented_keys() -> dict[str, str]:
    """The keys listed in the comment of macros/run_log/build_runs.sql, with their text."""
    text = (MACROS / "run_log" / "build_runs.sql").read_text(encoding="utf-8")
    block = text.split(f"{ENVIRONMENT_VARIABLE}, the JSON", 1)[1].split("-#}", 1)[0]
    return {
        match.group(1): match.group(2)
        for line in block.splitlines()
        if (match := DOCUMENTED_KEY.match(line))
    }


def keys_the_macros_read() -> set[str]:
    """Every key a macro reads from the record (``run.get("…")``)."""
    return {
        key
        for path in MACROS.rglob("*.sql")
        for key in re.findall(r"""run\.get\(["'](\w+)["']\)""", path.read_text(encoding="utf-8"))
    }


def test_the_record_the_macros_read_is_the_one_python_writes():
    fields = [field.name for field in dataclasses.fields(BuildRunRecord)]
    documented = documented_keys()
    nested = re.search(r"\{([^}]*)\}", documented["files"]).group(1)

    assert list(documented) == fields
    assert keys_the_macros_read() == set(fields)
    assert [key.strip() for key in nested.split(",")] == [
        field.name for field in dataclasses.fields(ExportFingerprint)
    ]


@pytest.mark.slow
def test_a_build_records_what_the_record_held(demo_build: Build):
    (run_id, started_at, raw_folder, fingerprints) = query(
        demo_build.warehouse,
        "select run_id, strftime(started_at, '%Y-%m-%dT%H:%M:%S'), raw_folder, "
        "export_fingerprints from marts.build_runs",
    )[0]
    files = json.loads(fingerprints)
    fingerprint_keys = {field.name for field in dataclasses.fields(ExportFingerprint)}

    assert re.fullmatch(r"\d{8}T\d{6}-[0-9a-f]{6}", run_id)
    assert run_id.startswith(started_at.replace("-", "").replace(":", ""))
    assert Path(raw_folder) == demo_build.raw.resolve()
    assert sorted(files) == sorted(path.name for path in demo_build.raw.glob("*.csv"))
    assert all(set(file) == fingerprint_keys for file in files.values())


@pytest.mark.slow
def test_the_build_names_every_python_model_as_it_starts(demo_build: Build):
    manifest = json.loads(
        (work_dir(demo_build.warehouse) / "dbt-target" / "manifest.json").read_text()
    )
    python_models = python_model_descriptions(manifest)
    nodes = manifest["nodes"]

    assert python_models, "the project has Python models"
    for unique_id, description in python_models.items():
        node = nodes[unique_id]
        label = f"{node['schema']}.{node['name']}"
        said = short_description(description)
        assert f"python {label}: {said} ..." in demo_build.stdout, label
        assert "(" not in said and len(said) <= 80


@pytest.mark.parametrize(
    ("description", "said"),
    [
        ("The model step (a Python model): trains it. More.", "The model step"),
        ("Do the offers work: per campaign.", "Do the offers work"),
        ("One clause only.", "One clause only"),
        ("word " * 30, ("word " * 15).strip() + "…"),
        ("", ""),
    ],
)
def test_a_start_line_says_the_first_clause_of_the_description(description, said):
    assert short_description(description, width=80) == said
