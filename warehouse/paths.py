"""Where things are: the dbt project, the embedded demo data, the default warehouse.

oneclick runs from a checkout of the repository (``make install``, an editable install) or from
an installed wheel (``pip install .``, ``pipx install .``). The repository keeps the dbt project
at its top, ``dbt_project/``; the wheel ships it inside the package, as
``warehouse/dbt_project/``. Either way the project is only read: what a build writes goes beside
the warehouse file (:func:`work_dir`, :func:`trained_models_dir`), and the default warehouse is
under the folder the command runs in, never inside the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent
_INSTALLED_DBT_PROJECT_DIR = PACKAGE_DIR / "dbt_project"
DBT_PROJECT_DIR = (
    _INSTALLED_DBT_PROJECT_DIR
    if (_INSTALLED_DBT_PROJECT_DIR / "dbt_project.yml").is_file()
    else REPO_ROOT / "dbt_project"
)
# A build runs another dbt project when this names one: a copy of the project with columns of
# one's own declared (see the README's "Add a column"). The raw-file checks and the model's
# features read the same project's declaration (warehouse.exports).
DBT_PROJECT_ENV = "ONECLICK_DBT_PROJECT"
# The embedded demo exports, one folder per month (YYYY-MM), as the shop sends them.
DEMO_DATA_DIR = PACKAGE_DIR / "demo_data"
# Beside the real data: ../shared/data/practicum, next to the repository.
SHARED_PRACTICUM_DIR = REPO_ROOT.parent / "shared" / "data" / "practicum"

# The published warehouse when --warehouse is not given: $ONECLICK_WAREHOUSE, else this path
# under the current folder (so `make run` in the repository writes warehouse/oneclick.duckdb).
WAREHOUSE_ENV = "ONECLICK_WAREHOUSE"
DEFAULT_WAREHOUSE_RELATIVE = Path("warehouse") / "oneclick.duckdb"


def default_warehouse() -> Path:
    """``$ONECLICK_WAREHOUSE`` if set, else ``./warehouse/oneclick.duckdb``; absolute."""
    configured = os.environ.get(WAREHOUSE_ENV, "").strip()
    path = Path(configured).expanduser() if configured else DEFAULT_WAREHOUSE_RELATIVE
    return Path.cwd() / path


def dbt_project_dir() -> Path:
    """The dbt project builds run: ``$ONECLICK_DBT_PROJECT`` if set, else the packaged one."""
    configured = os.environ.get(DBT_PROJECT_ENV, "").strip()
    return Path(configured).expanduser().resolve() if configured else DBT_PROJECT_DIR


def work_dir(warehouse: Path) -> Path:
    """The folder beside a warehouse file where builds keep candidates, dbt's target and logs."""
    return warehouse.parent / ".oneclick"


def trained_models_dir(warehouse: Path) -> Path:
    """Where builds save the models they train: ``<warehouse folder>/trained_models``."""
    return warehouse.parent / "trained_models"


def demo_months() -> list[Path]:
    """The embedded demo exports' month folders, oldest first."""
    return sorted(path for path in DEMO_DATA_DIR.iterdir() if path.is_dir())


def latest_demo_month() -> Path:
    """The folder of the embedded demo data's latest month: what a bare ``oneclick build`` reads."""
    return demo_months()[-1]
