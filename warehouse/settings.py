"""The build's settings (dbt vars): what each may be, checked before dbt starts.

The settings, their defaults and their rules are declared once, in ``dbt_project/dbt_project.yml``
(``vars``, and ``vars.setting_rules`` for the kind and bounds of each). dbt checks the same rules
at the start of every run (macro ``check_settings``), so a bare ``dbt build`` is as safe; here
the check comes first so that ``oneclick build`` can say what is wrong in a sentence, name the
closest setting for a misspelt one, and never reach dbt with a value that would end in SQL.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from warehouse.paths import dbt_project_dir


class SettingsError(ValueError):
    """A ``--var`` the build cannot take; the message names it, the value and what is allowed."""


@dataclass(frozen=True)
class Setting:
    """One setting: its default and what it may be."""

    name: str
    default: object
    kind: str  # integer, number or boolean
    minimum: float | None = None
    maximum: float | None = None
    about: str = ""  # what it does, in a line

    @property
    def allowed(self) -> str:
        """What the setting may be, in words: ``a number at least 0 and at most 1``."""
        if self.kind == "boolean":
            return "true or false"
        bounds = [
            f"{word} {_number(bound)}"
            for word, bound in (("at least", self.minimum), ("at most", self.maximum))
            if bound is not None
        ]
        noun = "a whole number" if self.kind == "integer" else "a number"
        return " ".join([noun, " and ".join(bounds)]).strip()

    def problem(self, value: object) -> str | None:
        """What is wrong with ``value`` for this setting, or None."""
        if self.kind == "boolean":
            ok = isinstance(value, bool)
        else:
            ok = _is_number(value, whole=self.kind == "integer") and (
                (self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum)
            )
        if ok:
            return None
        return f"--var {self.name}={_shown(value)} is not allowed: expected {self.allowed}"


def load_settings(project_dir: Path | None = None) -> dict[str, Setting]:
    """Every setting declared in ``dbt_project.yml`` (of the project builds run), by name."""
    path = Path(project_dir or dbt_project_dir()) / "dbt_project.yml"
    project = yaml.safe_load(path.read_text(encoding="utf-8"))
    project_vars = project.get("vars", {})
    settings = {}
    for name, rule in project_vars.get("setting_rules", {}).items():
        settings[name] = Setting(
            name=name,
            default=project_vars.get(name),
            kind=rule["kind"],
            minimum=rule.get("min"),
            maximum=rule.get("max"),
            about=rule.get("about", ""),
        )
    return settings


def settings_markdown(project_dir: Path | None = None) -> str:
    """The settings as a Markdown table (the README's): name, default, what it may be, and
    what it does, in the order dbt_project.yml declares them."""
    lines = ["| setting | default | may be | what it does |", "|---|---:|---|---|"]
    for setting in load_settings(project_dir).values():
        lines.append(
            f"| `{setting.name}` | {_shown(setting.default)} | {setting.allowed} | "
            f"{setting.about} |"
        )
    return "\n".join(lines)


def parse_value(text: str) -> object:
    """A value from the command line, read as YAML reads it: ``0.6`` is a number, ``true`` a
    boolean, anything that is not a number or a boolean stays text."""
    try:
        return yaml.safe_load(text) if text.strip() else text
    except yaml.YAMLError:
        return text


def checked_overrides(
    overrides: dict[str, object], settings: dict[str, Setting] | None = None
) -> dict[str, object]:
    """``overrides`` when every name is a setting and every value is allowed; else raise
    :class:`SettingsError` naming each problem (and the closest setting for an unknown name)."""
    settings = load_settings() if settings is None else settings
    problems = []
    for name, value in overrides.items():
        setting = settings.get(name)
        if setting is None:
            close = difflib.get_close_matches(name, list(settings), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(f"--var {name}: there is no such setting{hint}")
            continue
        problem = setting.problem(value)
        if problem:
            problems.append(problem)
    if problems:
        problems.append(
            "the settings, their defaults and what they mean are the vars in "
            "dbt_project/dbt_project.yml"
        )
        raise SettingsError("\n".join(problems))
    return dict(overrides)


def settings_in_force(
    overrides: dict[str, object], settings: dict[str, Setting] | None = None
) -> dict[str, object]:
    """Every setting's value for a build with ``overrides``: the defaults, overridden."""
    settings = load_settings() if settings is None else settings
    return {name: overrides.get(name, setting.default) for name, setting in settings.items()}


def _is_number(value: object, whole: bool) -> bool:
    """A finite int or float (not a bool); with ``whole``, one without a fraction."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return not whole or value == int(value)


def _number(value: float) -> str:
    return f"{value:g}"


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)
