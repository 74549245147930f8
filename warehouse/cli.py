"""The ``oneclick`` command."""

from __future__ import annotations

import argparse
import signal
import sys
import traceback
from pathlib import Path

from warehouse.build import BuildFailedError, build_warehouse
from warehouse.campaigns import (
    FORMATS,
    MANIFEST,
    ExportFolderError,
    export_campaigns,
    segment_markdown,
)
from warehouse.docs import DocsError, write_docs
from warehouse.errors import (
    BUG_REPORT,
    EXIT_BUG,
    EXIT_ENVIRONMENT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    EnvironmentFault,
)
from warehouse.months import MonthError, parse_month
from warehouse.paths import (
    DEFAULT_WAREHOUSE_RELATIVE,
    WAREHOUSE_ENV,
    default_warehouse,
    demo_months,
    latest_demo_month,
)
from warehouse.publish import BuildLockedError
from warehouse.raw_files import RawDataError
from warehouse.settings import SettingsError, parse_value
from warehouse.shell import read_only_shell_command
from warehouse.summary import current_model_path, describe


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code says how it ended (see :mod:`warehouse.errors`)."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    # SIGTERM (a scheduler stopping the job) ends the build like Ctrl-C: cleanly, unpublished.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return arguments.handler(arguments)
    except KeyboardInterrupt:
        print("\noneclick: interrupted; the published warehouse is unchanged.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except EnvironmentFault as fault:
        print(f"oneclick: {fault}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except OSError as error:
        print(f"oneclick: {EnvironmentFault.from_os_error('use', error)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception:
        traceback.print_exc()
        print(f"\noneclick: {BUG_REPORT}", file=sys.stderr)
        return EXIT_BUG


def _interrupt(signal_number: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signal_number}")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="oneclick",
        description="The warehouse of the shop's regular customers: "
        "who may buy less, and what to offer them.",
    )
    commands = parser.add_subparsers(required=True, metavar="command")

    build = commands.add_parser(
        "build",
        help="build, test and publish the warehouse from a folder of exports",
        description="Build the warehouse from the four CSV exports in --raw, run every test, and "
        "publish it at --warehouse only if all pass (the old file stays otherwise).",
    )
    build.add_argument(
        "--raw",
        type=Path,
        default=None,
        help="folder with market_file.csv, market_money.csv, market_time.csv, money.csv "
        "(default: the embedded demo data's latest month)",
    )
    build.add_argument(
        "--month",
        type=_month,
        default=None,
        metavar="YYYY-MM",
        help="the month the exports are of (default: the --raw folder's name when it is "
        "YYYY-MM; otherwise this option is needed)",
    )
    _add_warehouse_argument(build)
    build.add_argument(
        "--model",
        type=Path,
        default=None,
        help="score with this saved model (.joblib) instead of training a new one",
    )
    build.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        type=_dbt_var,
        help="set a setting, e.g. --var high_risk_min_probability=0.6 (the settings are the "
        "vars in dbt_project/dbt_project.yml; each is checked before the build starts)",
    )
    build.add_argument(
        "--accept-drop",
        action="store_true",
        help="publish even when customers in scope, scored customers or an export's rows fell "
        "sharply against the published warehouse (the audit stops such a build otherwise)",
    )
    build.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for dbt and DuckDB (default: $ONECLICK_THREADS if set, else all cores)",
    )
    build.set_defaults(handler=_build)

    export = commands.add_parser(
        "export",
        help="write the campaign lists for the marketing tool (CSV or Parquet)",
        description="One file per email/call offer (only customers who consented to marketing) "
        "and one file of the offers shown on the site.",
    )
    _add_warehouse_argument(export)
    export.add_argument(
        "--out",
        type=Path,
        default=None,
        help="folder, replaced whole by each export (default: exports/ beside the warehouse)",
    )
    export.add_argument(
        "--format", choices=FORMATS, default="csv", help="file format (default: %(default)s)"
    )
    export.set_defaults(handler=_export)

    demo = commands.add_parser(
        "demo",
        help="build the embedded demo months in order, as a shop's monthly programme would",
        description="Build every month of the embedded demo exports, oldest first, into one "
        "warehouse: the first month trains the model, the later months are scored by it "
        "(--model), so the history, the segment flow and the model's monitoring fill up.",
    )
    _add_warehouse_argument(demo)
    demo.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads for dbt and DuckDB (default: $ONECLICK_THREADS if set, else all cores)",
    )
    demo.set_defaults(handler=_demo)

    segments = commands.add_parser(
        "segments",
        help="print the segments: size, risk, profit at risk, consent, offers",
        description="The segment table of marts.segment_summary, as Markdown.",
    )
    _add_warehouse_argument(segments)
    segments.set_defaults(handler=_segments)

    report = commands.add_parser(
        "report",
        help="write the HTML report of the warehouse (opens offline)",
        description="One static page from the warehouse's tables: data quality, the model, the "
        "segments and the key segment, with plots.",
    )
    _add_warehouse_argument(report)
    report.add_argument(
        "--out", type=Path, default=None, help="folder (default: report/ beside the warehouse)"
    )
    report.set_defaults(handler=_report)

    docs = commands.add_parser(
        "docs",
        help="write the dbt docs as one HTML file that opens without a server",
        description="dbt docs generate --static, on a copy of the warehouse.",
    )
    _add_warehouse_argument(docs)
    docs.add_argument(
        "--out", type=Path, default=None, help="folder (default: docs/ beside the warehouse)"
    )
    docs.set_defaults(handler=_docs)
    return parser


def _add_warehouse_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=default_warehouse(),
        help=f"the DuckDB file (default: ${WAREHOUSE_ENV} if set, else "
        f"{DEFAULT_WAREHOUSE_RELATIVE} under the current folder)",
    )


def _dbt_var(text: str) -> tuple[str, object]:
    """``name=value`` with the value read as YAML would read it (numbers stay numbers)."""
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), parse_value(value)


def _month(text: str) -> str:
    try:
        return parse_month(text)
    except MonthError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _build(arguments: argparse.Namespace) -> int:
    try:
        result = build_warehouse(
            arguments.raw or latest_demo_month(),
            arguments.warehouse,
            month=arguments.month,
            model_path=arguments.model,
            threads=arguments.threads,
            dbt_vars=dict(arguments.var),
            accept_drops=arguments.accept_drop,
        )
    except (MonthError, SettingsError) as error:
        _fail(arguments.warehouse, str(error))
        return EXIT_USAGE
    except (RawDataError, BuildFailedError, BuildLockedError) as error:
        _fail(arguments.warehouse, str(error))
        return EXIT_FAILED
    except EnvironmentFault as fault:
        state = "unchanged" if Path(arguments.warehouse).exists() else "not created"
        print(
            f"oneclick: {fault}; the warehouse {_shown(arguments.warehouse)} is {state}.",
            file=sys.stderr,
        )
        return EXIT_ENVIRONMENT
    print(
        f"\nPublished {_shown(result.warehouse)} ({result.export_month}) "
        f"in {result.elapsed_seconds:.1f} s; it holds:"
    )
    for line in describe(result.warehouse):
        print(line)
    shell = read_only_shell_command(result.warehouse, _shown(result.warehouse))
    print(f"\nOpen it read-only, as BI tools do: {shell}")
    return 0


def _export(arguments: argparse.Namespace) -> int:
    warehouse = _published(arguments.warehouse)
    out_dir = arguments.out or warehouse.parent / "exports"
    try:
        exported = export_campaigns(warehouse, out_dir, arguments.format)
    except ExportFolderError as error:
        print(f"oneclick: {error}", file=sys.stderr)
        return EXIT_FAILED
    for item in exported:
        print(f"  {_shown(item.path):<60} {item.rows:>8,} rows")
    print(f"  {_shown(Path(out_dir) / MANIFEST):<60} the build, and rows and SHA-256 per file")
    return 0


def _demo(arguments: argparse.Namespace) -> int:
    model_path = None
    for number, folder in enumerate(demo_months(), start=1):
        print(f"\n=== demo month {number} of {len(demo_months())}: {folder.name} ===")
        try:
            result = build_warehouse(
                folder,
                arguments.warehouse,
                model_path=model_path,
                threads=arguments.threads,
            )
        except (RawDataError, BuildFailedError, BuildLockedError) as error:
            _fail(arguments.warehouse, str(error))
            return EXIT_FAILED
        model_path = model_path or current_model_path(result.warehouse)
        print(f"Published {_shown(result.warehouse)} ({result.export_month})")
    print()
    for line in describe(arguments.warehouse):
        print(line)
    return 0


def _segments(arguments: argparse.Namespace) -> int:
    print(segment_markdown(_published(arguments.warehouse)))
    return 0


def _report(arguments: argparse.Namespace) -> int:
    warehouse = _published(arguments.warehouse)
    # Imported here: the report needs matplotlib and scikit-learn, which no other command does
    # (a build would pay a second and more to import them before it starts).
    from warehouse.reporting import write_report

    page = write_report(warehouse, arguments.out or warehouse.parent / "report", progress=_quiet)
    print(f"Report: {_shown(page)} (open it in a browser; it needs no server)")
    return 0


def _docs(arguments: argparse.Namespace) -> int:
    warehouse = _published(arguments.warehouse)
    try:
        page = write_docs(arguments.out or warehouse.parent / "docs", warehouse, progress=_quiet)
    except DocsError as error:
        print(f"oneclick: {error}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Docs: {_shown(page)} (every model and column; opens without a server)")
    return 0


def _quiet(_message: str) -> None:
    """Progress of short commands is not worth printing."""


def _published(warehouse: Path) -> Path:
    if not Path(warehouse).is_file():
        raise SystemExit(
            f"oneclick: no warehouse at {_shown(warehouse)}; run `oneclick build` first"
        )
    return Path(warehouse)


def _fail(warehouse: Path, message: str) -> None:
    state = "unchanged" if Path(warehouse).exists() else "not created"
    shown = _shown(Path(warehouse))
    print(f"\noneclick: the build failed; the warehouse {shown} is {state}.", file=sys.stderr)
    for line in message.splitlines():
        print(f"  {line}", file=sys.stderr)


def _shown(path: Path) -> str:
    """A path as short as it can be said from here."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
