"""The shop's exports as the dbt project declares them: every column of every export, once.

The declaration is the ``shop_export`` source of the dbt project
(``models/staging/shop_export/_shop_export__sources.yml``): for each column of each export, its
header in the file, its name in the warehouse, type, known values (with the spellings the exports
use) and role, in the column's ``meta``. dbt's macros read it from the graph (the staging SQL, the
screening, the rejected rows); Python reads it here: the raw-file checks
(:mod:`warehouse.raw_files`), the model's features (:mod:`models_ml.features`, with the derived
features the feature mart declares beside it) and the demo generator. The tests keep their own
copy of the exports' headers (``tests/support.py``), so a wrong declaration shows up there.

It is read from the dbt project a build runs (:func:`warehouse.paths.dbt_project_dir`): the
packaged one, or a copy with columns of one's own declared (``ONECLICK_DBT_PROJECT``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from warehouse.paths import dbt_project_dir

SOURCE = "shop_export"
SOURCES_FILE = Path("models") / "staging" / SOURCE / "_shop_export__sources.yml"
# The mart whose columns the model reads; its derived features are declared in its YAML.
FEATURE_MART = "feature_mart"
TEXT = "text"


class DeclarationError(ValueError):
    """The declaration of the exports lacks something or says it twice."""


@dataclass(frozen=True)
class ExportColumn:
    """One declared column of an export."""

    header: str  # as the export writes it
    name: str  # the staged column
    type: str  # id, integer, decimal, text or boolean
    roles: tuple[str, ...]
    required: bool
    # Each canonical value with the spellings the exports use for it, the export's own first.
    values: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def spelling(self, canonical: str) -> str:
        """How the export writes a canonical value (its first declared spelling)."""
        return dict(self.values)[canonical][0]

    @property
    def canonical_values(self) -> tuple[str, ...]:
        return tuple(canonical for canonical, _spellings in self.values)


@dataclass(frozen=True)
class Export:
    """One export file and its declared columns, in the file's order."""

    table: str
    columns: tuple[ExportColumn, ...]

    @property
    def file_name(self) -> str:
        return f"{self.table}.csv"

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns if column.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        """Columns the export may lack: the label, in an export that is only to be scored."""
        return tuple(column.header for column in self.columns if not column.required)

    @property
    def known_columns(self) -> tuple[str, ...]:
        return tuple(column.header for column in self.columns)

    def column(self, name: str) -> ExportColumn:
        """The declared column staged as ``name``."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.file_name} declares no column staged as {name!r}")


@dataclass(frozen=True)
class ModelColumns:
    """The columns of the feature mart the model reads: its label and features, in order."""

    label: str
    categorical: tuple[str, ...]
    numeric: tuple[str, ...]


def declared_exports(project_dir: Path | None = None) -> tuple[Export, ...]:
    """Every export the dbt project's ``shop_export`` source declares, in its order."""
    return _declared_exports(Path(project_dir or dbt_project_dir()).resolve())


def declared_export(file_name: str, project_dir: Path | None = None) -> Export:
    """The declared export read from ``file_name`` (e.g. ``market_file.csv``)."""
    for export in declared_exports(project_dir):
        if export.file_name == file_name:
            return export
    raise KeyError(f"the dbt project declares no export {file_name!r}")


def model_columns(project_dir: Path | None = None) -> ModelColumns:
    """The model's label and features: the declared export columns of role ``label`` and
    ``feature`` (text ones are categories), then the feature mart's columns whose meta gives
    them the role ``feature`` (varchar ones are categories)."""
    return _model_columns(Path(project_dir or dbt_project_dir()).resolve())


@functools.cache
def _declared_exports(project_dir: Path) -> tuple[Export, ...]:
    path = project_dir / SOURCES_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sources = [source for source in document.get("sources", []) if source["name"] == SOURCE]
    if len(sources) != 1:
        raise DeclarationError(f"{path}: expected one source named {SOURCE!r}")
    return tuple(
        Export(
            table=table["name"],
            columns=tuple(
                _column(f"{path.name}: {table['name']}", column)
                for column in table.get("columns", [])
            ),
        )
        for table in sources[0].get("tables", [])
    )


def _column(where: str, entry: Mapping) -> ExportColumn:
    meta = _meta(entry)
    missing = [key for key in ("column", "type", "role") if key not in meta]
    if missing:
        raise DeclarationError(
            f"{where}, column {entry['name']!r}: its meta lacks {', '.join(missing)}"
        )
    return ExportColumn(
        header=str(entry["name"]),
        name=str(meta["column"]),
        type=str(meta["type"]),
        roles=tuple(meta["role"]),
        required=bool(meta.get("required", True)),
        values=tuple(
            (str(canonical), tuple(map(str, spellings)))
            for canonical, spellings in (meta.get("values") or {}).items()
        ),
    )


def _meta(entry: Mapping) -> dict:
    """A YAML entry's meta: ``meta`` beside it or under ``config`` (dbt reads both)."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


@functools.cache
def _model_columns(project_dir: Path) -> ModelColumns:
    declared = [column for export in _declared_exports(project_dir) for column in export.columns]
    labels = [column.name for column in declared if column.has_role("label")]
    if len(labels) != 1:
        raise DeclarationError(f"expected one export column of role label, found {labels}")
    features = [
        (column.name, column.type == TEXT) for column in declared if column.has_role("feature")
    ]
    features += [
        (str(column["name"]), str(column.get("data_type", "")).lower() == "varchar")
        for column in _mart_columns(project_dir, FEATURE_MART)
        if "feature" in _meta(column).get("role", [])
    ]
    return ModelColumns(
        label=labels[0],
        categorical=tuple(name for name, is_text in features if is_text),
        numeric=tuple(name for name, is_text in features if not is_text),
    )


def _mart_columns(project_dir: Path, model: str) -> list[dict]:
    """The columns the YAML beside a model lists for it."""
    for path in sorted((project_dir / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entry in document.get("models") or []:
            if entry.get("name") == model:
                return list(entry.get("columns") or [])
    raise DeclarationError(f"{project_dir / 'models'}: no YAML describes the model {model!r}")
