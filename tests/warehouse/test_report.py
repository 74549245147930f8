"""The report and the docs, tested as a person would look at them: in a browser, offline."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pytest
import yaml
from sklearn.metrics import roc_auc_score

from models_ml.candidates import CANDIDATES
from tests.conftest import Build, build_or_fail
from tests.support import LABEL_COLUMN, built_once, query, read_rows, run_oneclick, write_rows
from warehouse.paths import DBT_PROJECT_DIR
from warehouse.reporting import page, plots, read_report_data

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this machine's closed network needs (no background connections, no sandbox as root).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (Debian package chromium; .ci/run installs it)"
)
# Appended to a copy of the page: after every image has loaded (or failed), record the result.
IMAGE_CHECK = """
<script>
window.addEventListener("load", () => {
  const images = [...document.images];
  const broken = images.filter((image) => !image.complete || image.naturalWidth === 0);
  document.body.dataset.images = images.length;
  document.body.dataset.broken = JSON.stringify(broken.map((image) => image.getAttribute("src")));
});
</script>
"""


class ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs)["src"] or "")


def write_report(warehouse: Path, out: Path) -> Path:
    result = run_oneclick("report", "--warehouse", warehouse, "--out", out)
    assert result.returncode == 0, result.stderr
    assert str(out / "index.html") in result.stdout
    return out / "index.html"


@pytest.fixture(scope="module")
def report(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of a warehouse with one month."""
    return built_once(
        tmp_path_factory, "report", lambda folder: write_report(demo_build.warehouse, folder)
    )


@pytest.fixture(scope="module")
def months_report(demo_months_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the demo months: history, drift, realised performance and uplift."""
    return built_once(
        tmp_path_factory,
        "months-report",
        lambda folder: write_report(demo_months_build, folder),
    )


def chromium(tmp_path: Path, url: str, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *flags, url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if ":CONSOLE" in line
        and ("Uncaught" in line or "Failed to load" in line or "Error" in line)
    ]


# Each report fixture and the fixture of the warehouse it reports on.
REPORTS = {"report": "demo_build", "months_report": "demo_months_build"}


def warehouse_of(request: pytest.FixtureRequest, report_fixture: str) -> Path:
    built = request.getfixturevalue(REPORTS[report_fixture])
    return built.warehouse if isinstance(built, Build) else built


@pytest.mark.parametrize("which", ["report", "months_report"])
def test_the_report_is_self_contained(which: str, request: pytest.FixtureRequest):
    report = request.getfixturevalue(which)
    parser = ImageSources()
    parser.feed(report.read_text(encoding="utf-8"))
    (key,) = query(
        warehouse_of(request, which),
        "select segment from marts.segment_summary where is_key_segment",
    )[0]

    assert len(parser.sources) >= 7
    for source in parser.sources:
        assert not re.match(r"^(https?:)?//", source), f"{source} needs the internet"
        image = report.parent / source
        assert image.read_bytes().startswith(b"\x89PNG"), f"{source} is not a PNG beside the page"
    written = {path.name for path in report.parent.glob("*.png")}
    assert written == set(parser.sources), "every plot written is on the page, and only those"
    text = page_text(report)
    assert "<script" not in report.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text
    for section in (
        "Data: from the exports",
        "The model",
        "Segments",
        f"The segment that matters most: {key}",
        "Month over month",
        "Monitoring",
        "Settings of this build",
    ):
        assert section in text


def test_the_report_tells_which_build_it_is_about(report: Path, demo_build: Build):
    (run_id,) = query(demo_build.warehouse, "select run_id from marts.build_runs")[0]
    (version,) = query(
        demo_build.warehouse, "select model_version from marts.model_registry where is_current"
    )[0]

    page = report.read_text(encoding="utf-8")
    assert run_id in page and version in page


def page_text(page: Path) -> str:
    """The page's text as a reader sees it (tags dropped, entities decoded, spaces collapsed)."""
    text = re.sub(r"<style>.*?</style>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def test_the_report_says_why_the_chosen_candidate_won(report: Path, demo_build: Build):
    rows = query(
        demo_build.warehouse,
        "select candidate, mean, std, n_folds from marts.model_metrics "
        "where evaluation = 'repeated_cv' and metric = 'roc_auc'",
    )
    (chosen,) = query(
        demo_build.warehouse, "select chosen_candidate from marts.model_registry where is_current"
    )[0]
    best = max(rows, key=lambda row: row[1])
    threshold = best[1] - best[2] / np.sqrt(best[3])
    order = [known.name for known in CANDIDATES]
    first_within = min(
        (row for row in rows if row[1] >= threshold), key=lambda row: order.index(row[0])
    )

    text = page_text(report)
    assert first_within[0] == chosen, "the one-standard-error rule picks the first one within"
    assert "one-standard-error rule" in text
    assert f"at {threshold:.4f} or more" in text
    assert f"The best mean ROC-AUC was {best[0]}'s, {best[1]:.4f}" in text


def test_the_report_labels_each_evaluation_it_shows(report: Path, demo_build: Build):
    scores = query(
        demo_build.warehouse,
        "select activity_declined, decline_probability from marts.customer_scores "
        "where is_out_of_fold and activity_declined is not null",
    )
    pooled = roc_auc_score([row[0] for row in scores], [row[1] for row in scores])
    (fold_mean,) = query(
        demo_build.warehouse,
        "select mean from marts.model_metrics "
        "where is_chosen and evaluation = 'out_of_fold' and metric = 'roc_auc'",
    )[0]

    text = page_text(report)
    # the curve's area is the pooled evaluation's, the table's out-of-fold one is a mean of folds
    assert re.search(rf"every out-of-fold probability pooled .*? {pooled:.3f}", text)
    folds = r"out of fold on another split, \d+ folds \(mean ± std\)"
    assert re.search(rf"{folds} {fold_mean:.3f}", text)
    assert "per month, in the export's units" in text


def test_the_report_says_which_revenues_the_outlier_rule_replaced(report: Path, demo_build: Build):
    replaced = query(
        demo_build.warehouse,
        "select customer_id from intermediate.int_revenues_outliers_replaced "
        "where is_revenue_replaced",
    )
    threshold = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))["vars"][
        "revenue_outlier_threshold"
    ]

    text = page_text(report)
    assert replaced, "the demo data has an outlier revenue"
    assert f"a monthly revenue above {threshold:,.0f}" in text
    assert f"It replaced {len(replaced):,} revenue" in text
    assert all(str(row[0]) in text for row in replaced)


@pytest.mark.parametrize("which", ["report", "months_report"])
def test_no_plot_has_text_over_its_title(which: str, request: pytest.FixtureRequest):
    data = read_report_data(warehouse_of(request, which))
    drawn = 0
    with plt.rc_context(plots.PLOT_STYLE):
        for plot in plots.PLOTS.values():
            figure = plot(data)
            if figure is None:
                continue
            drawn += 1
            try:
                renderer = figure.canvas.get_renderer()
                for axis in figure.axes:
                    title = axis.title.get_window_extent(renderer)
                    texts = [
                        text
                        for text in figure.findobj(matplotlib.text.Text)
                        if text is not axis.title and text.get_visible() and text.get_text()
                    ]
                    overlapping = [
                        text.get_text()
                        for text in texts
                        if text.get_window_extent(renderer).overlaps(title)
                    ]
                    assert overlapping == [], f"{plot.__name__}: {overlapping} over the title"
            finally:
                plt.close(figure)
    assert drawn >= 7


def test_a_report_of_a_saved_model_on_unlabelled_exports_says_its_metrics_are_from_training(
    demo_build: Build, tmp_path: Path
):
    """…and shows the settings that build ran with, a --var included, not the defaults."""
    raw = tmp_path / "unlabelled"
    shutil.copytree(demo_build.raw, raw)
    header, *rows = read_rows(raw / "market_file.csv")
    label = header.index(LABEL_COLUMN)
    write_rows(
        raw / "market_file.csv",
        [header[:label] + header[label + 1 :]] + [row[:label] + row[label + 1 :] for row in rows],
    )
    model = ("--model", demo_build.model_path)
    default = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text("utf-8"))["vars"][
        "high_risk_min_probability"
    ]
    risk = round(default + 0.15, 2)
    setting = ("--var", f"high_risk_min_probability={risk}")
    scored = build_or_fail(raw, tmp_path / "wh" / "oneclick.duckdb", *model, *setting)
    out = tmp_path / "report"
    result = run_oneclick("report", "--warehouse", scored.warehouse, "--out", out)
    assert result.returncode == 0, result.stderr
    (trained_at, source) = query(
        scored.warehouse,
        "select trained_at, model_source from marts.model_registry where is_current",
    )[0]
    (recorded,) = query(scored.warehouse, "select settings from marts.build_runs")[0]

    text = page_text(out / "index.html")
    assert source == "given"
    assert "This build scored the customers with a saved model" in text
    assert "a saved model given to the build (its metrics are from its training)" in text
    assert f"trained on {str(trained_at)[:19]} UTC" in text
    assert "at training" in text and "These exports have no labels" in text
    assert "This build trained the model" not in text
    # the settings in force: the --var, as the build recorded it, in the rule and the table
    assert json.loads(recorded)["high_risk_min_probability"] == risk
    assert f"Risk is high at a decline probability ≥ {risk:g}" in text
    assert f"high_risk_min_probability {risk:g} {default:g} set with --var" in text
    assert f"probability ≥ {default:g} (" not in text


@needs_chromium
@pytest.mark.parametrize("which", ["report", "months_report"])
def test_the_report_renders_in_chromium_with_every_image(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
):
    report = request.getfixturevalue(which)
    checked = report.parent / "checked.html"
    checked.write_text(
        report.read_text(encoding="utf-8").replace("</body>", IMAGE_CHECK + "</body>"),
        encoding="utf-8",
    )

    dom = chromium(tmp_path, checked.as_uri(), "--virtual-time-budget=10000", "--dump-dom")
    screenshot = tmp_path / "report.png"
    shot = chromium(
        tmp_path, report.as_uri(), f"--screenshot={screenshot}", "--window-size=1100,3800"
    )
    written = len(list(report.parent.glob("*.png")))

    images = re.search(r'data-images="(\d+)"', dom.stdout)
    broken = re.search(r'data-broken="([^"]*)"', dom.stdout)
    assert images and broken, f"the page did not finish loading:\n{dom.stderr[-2000:]}"
    assert int(images.group(1)) == written >= 7
    assert json.loads(broken.group(1).replace("&quot;", '"')) == []
    assert console_errors(dom.stderr + shot.stderr) == []
    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (3800, 1100)
    assert pixels.std() > 0.05, "the screenshot is blank"


def test_a_one_month_report_says_there_is_no_earlier_month_yet(report: Path, demo_build: Build):
    months = [
        row[0]
        for row in query(
            demo_build.warehouse,
            "select distinct strftime(export_month, '%Y-%m') from marts.customer_history",
        )
    ]
    (outcomes, performance) = query(
        demo_build.warehouse,
        "select (select count(*) from marts.campaign_outcomes), "
        "(select count(*) from marts.model_performance_history)",
    )[0]

    text = page_text(report)
    assert len(months) == 1 and outcomes == 0 and performance == 0
    assert f"There is no earlier month yet: the warehouse holds {months[0]} only" in text
    assert "No earlier month's scores have their labels yet" in text
    assert "No campaign has an outcome yet: there is no earlier month yet" in text
    assert not (report.parent / "flow.png").exists()
    assert "changed segment" not in text


def test_month_over_month_shows_the_flow_and_the_newly_high_risk(
    months_report: Path, demo_months_build: Path
):
    flow = query(
        demo_months_build,
        "select strftime(month_before, '%Y-%m'), strftime(month_now, '%Y-%m'), from_segment, "
        "to_segment, customers from marts.segment_flow",
    )
    newly = query(
        demo_months_build,
        "select customer_id, profit_at_risk_now from marts.segment_changes "
        "where is_newly_high_risk order by profit_at_risk_now desc",
    )
    (before, now) = flow[0][:2]
    moved = sum(row[4] for row in flow if row[2] != row[3])
    total = sum(row[4] for row in flow)

    text = page_text(months_report)
    assert f"{now} against {before}: {moved:,} of {total:,} customers changed segment" in text
    assert (
        f"{len(newly):,} customers became high-risk in {now} (they were not in {before}), "
        f"with {sum(row[1] for row in newly):,.2f} of profit at risk"
    ) in text
    assert str(newly[0][0]) in text, "the newly high-risk customer with most at risk is named"
    assert (months_report.parent / "flow.png").is_file()
    # the flow table: a row per from-segment, a count per to-segment, then the row's total
    columns = len({row[3] for row in flow})
    for segment in {row[2] for row in flow}:
        out_of = sum(row[4] for row in flow if row[2] == segment)
        assert re.search(rf"{segment} (\d[\d,]* ){{{columns}}}{out_of:,} ", text), segment


def test_monitoring_names_the_shifted_features_and_says_too_few_customers(
    months_report: Path, demo_months_build: Path
):
    shifted = query(
        demo_months_build,
        "select strftime(export_month, '%Y-%m'), feature, psi from marts.feature_drift "
        "where status = 'shifted' and export_month = (select max(export_month) "
        "from marts.feature_drift) order by psi desc",
    )
    outcomes = query(
        demo_months_build,
        "select campaign, strftime(export_month, '%Y-%m'), strftime(outcome_month, '%Y-%m'), "
        "has_enough_customers, decline_rate_difference, decline_rate_difference_low, "
        "decline_rate_difference_high from marts.campaign_outcomes",
    )
    performance = query(
        demo_months_build, "select roc_auc, brier from marts.model_performance_history"
    )

    text = page_text(months_report)
    assert shifted, "the demo's last month has a shifted feature"
    assert f"Shifted in {shifted[0][0]}: " in text
    for _month, feature, psi in shifted:
        assert f"{feature} (PSI {psi:.2f};" in text
    assert performance and outcomes
    for roc_auc, brier in performance:
        assert f"{roc_auc:.3f} {brier:.3f}" in text
    for campaign, month, outcome_month, enough, difference, low, high in outcomes:
        head = f"{campaign} {month} → {outcome_month}"
        if enough:
            assert f"{difference:+.1%} ({low:+.1%} to {high:+.1%})" in text, head
        else:
            assert re.search(rf"{head} [\d,]+ [\d,]+ – – too few customers to tell", text), head
    assert (months_report.parent / "drift.png").is_file()
    assert (months_report.parent / "performance.png").is_file()


def test_the_page_escapes_what_the_data_holds(demo_build: Build):
    """The template is rendered with autoescape: text from the warehouse never becomes
    markup, whatever a folder or a category is called."""
    data = read_report_data(demo_build.warehouse)
    planted = "<script>alert('oneclick')</script>"
    data = dataclasses.replace(data, run=dataclasses.replace(data.run, raw_folder=planted))

    rendered = page.render_page(data, images=[])

    assert planted not in rendered
    assert "<code>&lt;script&gt;alert(" in rendered


@needs_chromium
def test_a_missing_plot_is_caught_by_the_browser_check(report: Path, tmp_path: Path):
    """The browser check above can fail: a page pointing at a missing image is reported."""
    broken_page = report.parent / "broken.html"
    broken_page.write_text(
        report.read_text(encoding="utf-8")
        .replace("roc.png", "missing.png")
        .replace("</body>", IMAGE_CHECK + "</body>"),
        encoding="utf-8",
    )

    dom = chromium(tmp_path, broken_page.as_uri(), "--virtual-time-budget=10000", "--dump-dom")

    broken = re.search(r'data-broken="([^"]*)"', dom.stdout)
    assert broken and json.loads(broken.group(1).replace("&quot;", '"')) == ["missing.png"]


@needs_chromium
def test_the_docs_open_offline_and_list_every_mart(demo_build: Build, tmp_path: Path):
    out = tmp_path / "docs"
    result = run_oneclick("docs", "--warehouse", demo_build.warehouse, "--out", out)
    assert result.returncode == 0, result.stderr

    dom = chromium(
        tmp_path, (out / "index.html").as_uri(), "--virtual-time-budget=10000", "--dump-dom"
    )

    for model in (
        "feature_mart",
        "customer_segments",
        "campaign_contacts",
        "stg_shop_export__customers",
    ):
        assert model in dom.stdout
    assert not re.search(r'<script[^>]+src="https?://', (out / "index.html").read_text())
