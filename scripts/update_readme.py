"""Write the README's generated sections from a built warehouse and the latest benchmark.

The numbers in the README are produced by commands, not typed: ``make readme`` builds the real
exports from ``../shared/data/practicum`` and runs this script, which replaces the text between
``<!-- segments:start -->`` / ``<!-- segments:end -->``, the table of settings between the
``settings`` markers (from dbt_project.yml) and the benchmark's, when ``benchmarks/latest.md``
exists.

    python scripts/update_readme.py --warehouse warehouse/practicum/oneclick.duckdb
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb

from warehouse.campaigns import segment_markdown
from warehouse.reporting import candidate_choice
from warehouse.reporting.queries import read_build_run
from warehouse.segmentation import load_segmentation, risk_rule, value_rule
from warehouse.settings import settings_markdown

REPO_ROOT = Path(__file__).resolve().parents[1]


def key_segment_story(warehouse: Path) -> str:
    """What the data shows about the key segment, in a few sentences: its rule with the settings
    the build recorded, and the behaviours declared in dbt_project.yml (var behaviour_flags)."""
    segmentation = load_segmentation()
    key = segmentation.key_segment.name
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        run = read_build_run(connection)
        (version,) = connection.execute(
            "select model_version from marts.build_runs order by finished_at desc limit 1"
        ).fetchone()
        total_customers, total_at_risk = connection.execute(
            "select count(*), sum(profit_at_risk) from marts.customer_segments"
        ).fetchone()
        customers, mean_risk, at_risk, consent, categories, offers = connection.execute(
            "select customers, mean_decline_probability, profit_at_risk, share_with_consent, "
            "top_categories, top_offers from marts.segment_summary where is_key_segment"
        ).fetchone()
        flags = connection.execute(
            "select "
            + ", ".join(
                f"avg(case when segment = ? then {flag.column}::int end), avg({flag.column}::int)"
                for flag in segmentation.flags
            )
            + " from marts.customer_segments",
            [key] * len(segmentation.flags),
        ).fetchone()
        metrics = dict(
            connection.execute(
                "select evaluation || ':' || metric, mean from marts.model_metrics "
                "where is_chosen and evaluation in ('repeated_cv', 'out_of_fold')"
            ).fetchall()
        )
        candidate = connection.execute(
            "select chosen_candidate from marts.model_registry where is_current"
        ).fetchone()[0]
        choice = candidate_choice(connection.execute("select * from marts.model_metrics").df())
    finally:
        connection.close()
    chosen_by = (
        f"chosen by the one-standard-error rule: the first candidate, simplest first, within "
        f"{choice.standard_error:.4f} of the best mean ({choice.best} {choice.best_mean:.4f})"
        if choice and choice.chosen != choice.best
        else "chosen by the one-standard-error rule, with the best mean"
    )
    behaviours = ", ".join(
        f"{flag.label} {flags[2 * index]:.0%} (all customers: {flags[2 * index + 1]:.0%})"
        for index, flag in enumerate(segmentation.flags)
    )
    return (
        f"The segment that matters most is **`{key}`**: customers likely to buy "
        f"less ({risk_rule(run.settings)}, the `high_risk_min_probability` setting) whose profit "
        f"is {value_rule(run.settings)} (the `high_value_profit_quantile` setting). On the real "
        f"data it holds **{customers:,} of {total_customers:,} customers** with a mean decline "
        f"probability of {mean_risk:.3f}, and **{at_risk / total_at_risk:.0%} of all profit at "
        f"risk** ({at_risk:,.2f} of {total_at_risk:,.2f} a month, in the export's units). "
        f"{consent:.1%} of them consented to "
        f"marketing, so the rest can only be reached on the site. What sets them apart (the "
        f"share with each behaviour): {behaviours}. Their favourite categories: {categories}. "
        f"Offers chosen by the rule table: {offers}.\n\n"
        f"Find them with `select * from marts.customer_segments where segment = "
        f"'{key}' order by profit_at_risk desc`, or in `marts.segment_summary` "
        f"(`is_key_segment`).\n\n"
        f"_Model: {candidate} (version `{version}`), {chosen_by}; repeated-CV ROC-AUC "
        f"{metrics['repeated_cv:roc_auc']:.3f}, out-of-fold ROC-AUC (mean of the folds) "
        f"{metrics['out_of_fold:roc_auc']:.3f}, Brier {metrics['out_of_fold:brier']:.3f}. "
        f"Build `{run.run_id}` of `{Path(run.raw_folder).name}/`; written by `make readme`._"
    )


def replace_section(text: str, name: str, body: str) -> str:
    """Put ``body`` between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(\n<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"README has no {name} markers")
    return pattern.sub(lambda match: match.group(1) + body.strip() + match.group(2), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a build of the real data")
    parser.add_argument("--readme", type=Path, default=REPO_ROOT / "README.md")
    parser.add_argument(
        "--benchmark",
        type=Path,
        default=REPO_ROOT / "benchmarks" / "latest.md",
        help="the benchmark's Markdown table (written by scripts/benchmark --markdown)",
    )
    arguments = parser.parse_args(argv)
    text = arguments.readme.read_text(encoding="utf-8")
    segments = (
        segment_markdown(arguments.warehouse) + "\n\n" + key_segment_story(arguments.warehouse)
    )
    text = replace_section(text, "segments", segments)
    text = replace_section(text, "settings", settings_markdown())
    if arguments.benchmark.is_file():
        text = replace_section(text, "benchmark", arguments.benchmark.read_text(encoding="utf-8"))
    arguments.readme.write_text(text, encoding="utf-8")
    print(f"updated {arguments.readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
