"""The segments and the behaviours that explain a risk, as dbt_project.yml declares them once.

The vars ``segments`` (names in segment_rank order, the two flags that place a customer in each,
the key segment) and ``behaviour_flags`` (each behaviour's name, words, and the features and
settings that decide it) are read by the SQL (``macros/segments``) and, through this module, by
the report and the README updater. The words for a rule in force ("probability ≥ 0.5", "the
median") are made here from the settings a build recorded, never typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from warehouse.paths import DBT_PROJECT_DIR

OPERATORS = {">=": "≥", "<=": "≤"}


class SegmentationError(ValueError):
    """The declaration in dbt_project.yml is not one the SQL can follow."""


@dataclass(frozen=True)
class Segment:
    """One risk × value segment: the customers with these two flags."""

    name: str
    rank: int  # 1: the segment to act on first
    is_high_risk: bool
    is_high_value: bool
    is_key: bool


@dataclass(frozen=True)
class Condition:
    """``feature`` compared with a setting's value (minus it where ``negated``: a drop)."""

    feature: str
    operator: str  # ">=" or "<="
    setting: str
    negated: bool = False

    def threshold(self, settings: Mapping[str, object]) -> object:
        """The value the feature is compared with under ``settings``."""
        value = settings.get(self.setting)
        return -value if self.negated and isinstance(value, int | float) else value

    def describe(self, settings: Mapping[str, object]) -> str:
        """``pages_per_visit ≤ 5 (low_engagement_max_pages_per_visit)``."""
        return (
            f"{self.feature} {OPERATORS[self.operator]} {_shown(self.threshold(settings))} "
            f"({'minus ' if self.negated else ''}{self.setting})"
        )


@dataclass(frozen=True)
class BehaviourFlag:
    """A behaviour that explains a risk: the customers for whom any condition holds."""

    name: str  # as seed offer_rules names it
    label: str  # its words in risk_reasons and the report
    conditions: tuple[Condition, ...]

    @property
    def column(self) -> str:
        """Its boolean column in marts.customer_segments."""
        return f"is_{self.name}"

    def describe(self, settings: Mapping[str, object]) -> str:
        """The rule in force: its conditions joined by «or»."""
        return " or ".join(condition.describe(settings) for condition in self.conditions)


@dataclass(frozen=True)
class Segmentation:
    """The declared segments, in segment_rank order, and behaviour flags."""

    segments: tuple[Segment, ...]
    flags: tuple[BehaviourFlag, ...]

    @property
    def key_segment(self) -> Segment:
        return next(segment for segment in self.segments if segment.is_key)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(segment.name for segment in self.segments)

    def segment_of(self, is_high_risk: bool, is_high_value: bool) -> str:
        """The segment of a customer with these two flags."""
        return next(
            segment.name
            for segment in self.segments
            if (segment.is_high_risk, segment.is_high_value) == (is_high_risk, is_high_value)
        )


def load_segmentation(project_dir: Path = DBT_PROJECT_DIR) -> Segmentation:
    """The vars ``segments`` and ``behaviour_flags`` of ``project_dir``'s dbt_project.yml,
    checked as the SQL needs them (:class:`SegmentationError` names what is wrong)."""
    project = yaml.safe_load((Path(project_dir) / "dbt_project.yml").read_text(encoding="utf-8"))
    return parse_segmentation(project.get("vars", {}))


def parse_segmentation(project_vars: Mapping[str, object]) -> Segmentation:
    """The declaration in ``project_vars`` (dbt_project.yml's vars), checked."""
    segments = tuple(
        Segment(
            name=str(entry["name"]),
            rank=rank,
            is_high_risk=bool(entry["is_high_risk"]),
            is_high_value=bool(entry["is_high_value"]),
            is_key=bool(entry.get("key", False)),
        )
        for rank, entry in enumerate(project_vars.get("segments") or [], start=1)
    )
    flags = tuple(
        BehaviourFlag(
            name=str(entry["name"]),
            label=str(entry["label"]),
            conditions=tuple(
                Condition(
                    feature=str(condition["feature"]),
                    operator=str(condition["op"]),
                    setting=str(condition["setting"]),
                    negated=bool(condition.get("negated", False)),
                )
                for condition in entry["when"]
            ),
        )
        for entry in project_vars.get("behaviour_flags") or []
    )
    problems = declaration_problems(segments, flags, project_vars.get("setting_rules") or {})
    if problems:
        raise SegmentationError("dbt_project.yml: " + "; ".join(problems))
    return Segmentation(segments=segments, flags=flags)


def declaration_problems(
    segments: tuple[Segment, ...],
    flags: tuple[BehaviourFlag, ...],
    setting_rules: Mapping[str, object],
) -> list[str]:
    """What keeps the declaration from deciding every customer's segment and flags."""
    problems = []
    keys = [segment.name for segment in segments if segment.is_key]
    if len(keys) != 1:
        problems.append(f"exactly one segment must be `key: true`, not {keys or 'none'}")
    places = sorted((segment.is_high_risk, segment.is_high_value) for segment in segments)
    if places != [(False, False), (False, True), (True, False), (True, True)]:
        problems.append("the segments must cover each of high/low risk × high/low value once")
    for name in _repeated([segment.name for segment in segments] + [f.name for f in flags]):
        problems.append(f"{name} is declared twice")
    for flag in flags:
        if not flag.conditions:
            problems.append(f"behaviour {flag.name} has no condition")
        for condition in flag.conditions:
            if condition.operator not in OPERATORS:
                problems.append(f"behaviour {flag.name}: op {condition.operator} is not >= or <=")
            if condition.setting not in setting_rules:
                problems.append(f"behaviour {flag.name}: {condition.setting} is not a setting")
    return problems


def _repeated(names: list[str]) -> list[str]:
    return sorted({name for name in names if names.count(name) > 1})


# ---------- the rules in force, in words


def quantile_words(quantile: float) -> str:
    """``the median`` for 0.5, else ``the 75% quantile``."""
    return "the median" if quantile == 0.5 else f"the {quantile:.0%} quantile"


def risk_rule(settings: Mapping[str, object]) -> str:
    """``probability ≥ 0.5`` under ``settings`` (the settings a build recorded)."""
    return f"probability ≥ {_shown(settings.get('high_risk_min_probability'))}"


def value_rule(settings: Mapping[str, object]) -> str:
    """``at least the median of the scored customers' profit`` under ``settings``."""
    quantile = settings.get("high_value_profit_quantile")
    words = quantile_words(float(quantile)) if isinstance(quantile, int | float) else "–"
    return f"at least {words} of the scored customers' profit"


def _shown(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return "–" if value is None else str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}"
    return str(value)
