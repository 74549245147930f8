"""Write the README's generated sections from a built warehouse and the latest benchmark.

The numbers in the README are produced by commands, not typed: ``make readme`` builds the real
exports from ``../shared/data/practicum`` and runs this script, which replaces the text between
``<!-- segments:start -->`` / ``<!-- segments:end -->`` (and the benchmark markers, when
``benchmarks/latest.md`` exists).

    python scripts/update_readme.py --warehouse warehouse/practicum/oneclick.duckdb
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb
import yaml

from warehouse.campaigns import segment_markdown
from warehouse.paths import DBT_PROJECT_DIR
from warehouse.report import candidate_choice

REPO_ROOT = Path(__file__).resolve().parents[1]
FLAGS = {
    "is_cart_abandoner": "cart abandoners",
    "is_promo_hunter": "promo hunters",
    "is_low_engagement": "low engagement",
    "is_service_error_victim": "service-error victims",
    "is_under_contacted": "under-contacted",
}


def key_segment_story(warehouse: Path) -> str:
    """What the data shows about the high-risk, high-value segment, in a few sentences."""
    connection = duckdb.connect(str(warehouse), read_only=True)
    try:
        run_id, raw_folder, version = connection.execute(
            "select run_id, raw_folder, model_version from marts.build_runs "
            "order by finished_at desc limit 1"
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
                f"avg(case when segment = 'high_risk_high_value' then {flag}::int end), "
                f"avg({flag}::int)"
                for flag in FLAGS
            )
            + " from marts.customer_segments"
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
    settings = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))["vars"]
    quantile = settings["high_value_profit_quantile"]
    value_cut = "the median" if quantile == 0.5 else f"the {quantile:.0%} quantile"
    chosen_by = (
        f"chosen by the one-standard-error rule: the first candidate, simplest first, within "
        f"{choice.standard_error:.4f} of the best mean ({choice.best} {choice.best_mean:.4f})"
        if choice and choice.chosen != choice.best
        else "chosen by the one-standard-error rule, with the best mean"
    )
    behaviours = ", ".join(
        f"{label} {flags[2 * index]:.0%} (all customers: {flags[2 * index + 1]:.0%})"
        for index, label in enumerate(FLAGS.values())
    )
    return (
        f"The segment that matters most is **`high_risk_high_value`**: customers likely to buy "
        f"less (probability ≥ {settings['high_risk_min_probability']}, the "
        f"`high_risk_min_probability` var) whose profit is at least {value_cut} of the scored "
        f"customers' (the `high_value_profit_quantile` var). On the real data it holds "
        f"**{customers:,} of {total_customers:,} customers** with a mean decline probability of "
        f"{mean_risk:.3f}, and **{at_risk / total_at_risk:.0%} of all profit at risk** "
        f"({at_risk:,.2f} of {total_at_risk:,.2f} a month, in the export's units). "
        f"{consent:.1%} of them consented to "
        f"marketing, so the rest can only be reached on the site. What sets them apart: "
        f"{behaviours}. Their favourite categories: {categories}. Offers chosen by the rule "
        f"table: {offers}.\n\n"
        f"Find them with `select * from marts.customer_segments where segment = "
        f"'high_risk_high_value' order by profit_at_risk desc`, or in `marts.segment_summary` "
        f"(`is_key_segment`).\n\n"
        f"_Model: {candidate} (version `{version}`), {chosen_by}; repeated-CV ROC-AUC "
        f"{metrics['repeated_cv:roc_auc']:.3f}, out-of-fold ROC-AUC (mean of the folds) "
        f"{metrics['out_of_fold:roc_auc']:.3f}, Brier {metrics['out_of_fold:brier']:.3f}. "
        f"Build `{run_id}` of `{Path(raw_folder).name}/`; written by `make readme`._"
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
    if arguments.benchmark.is_file():
        text = replace_section(text, "benchmark", arguments.benchmark.read_text(encoding="utf-8"))
    arguments.readme.write_text(text, encoding="utf-8")
    print(f"updated {arguments.readme}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
