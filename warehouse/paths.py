"""Where things are: the repository's folders, the embedded demo data, the default warehouse."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The embedded demo exports, one folder per month (YYYY-MM), as the shop sends them.
DEMO_DATA_DIR = PACKAGE_DIR / "demo_data"
DEFAULT_WAREHOUSE = PACKAGE_DIR / "oneclick.duckdb"
# Beside the real data: ../shared/data/practicum, next to the repository.
SHARED_PRACTICUM_DIR = REPO_ROOT.parent / "shared" / "data" / "practicum"


def work_dir(warehouse: Path) -> Path:
    """The folder beside a warehouse file where builds keep candidates, dbt's target and logs."""
    return warehouse.parent / ".oneclick"


def models_dir(warehouse: Path) -> Path:
    """Where trained models are saved by default: ``<warehouse folder>/models``."""
    return warehouse.parent / "models"


def demo_months() -> list[Path]:
    """The embedded demo exports' month folders, oldest first."""
    return sorted(path for path in DEMO_DATA_DIR.iterdir() if path.is_dir())


def latest_demo_month() -> Path:
    """The folder of the embedded demo data's latest month: what a bare ``oneclick build`` reads."""
    return demo_months()[-1]
