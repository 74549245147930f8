"""dbt's ``var`` for sqlfluff's jinja templater (``library_path`` in ``.sqlfluff``).

sqlfluff's stand-in for ``var`` renders every var as the word ``item``; a model that loops over
a declaration (the vars ``segments`` and ``behaviour_flags``, see ``macros/segments``) needs the
declared values to render as dbt renders it. This ``var`` reads them from dbt_project.yml, the
same file dbt reads; a name that is not a var there renders as its default, else as itself.
"""

from pathlib import Path as _Path

import yaml as _yaml

_PROJECT_VARS = _yaml.safe_load(
    (_Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml").read_text(
        encoding="utf-8"
    )
).get("vars", {})


def var(name: str, default: object = None) -> object:
    """The value of var ``name`` in dbt_project.yml (its default, or its name, if none)."""
    if name in _PROJECT_VARS:
        return _PROJECT_VARS[name]
    return name if default is None else default
