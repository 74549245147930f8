"""The report and the docs, tested as a person would look at them: in a browser, offline."""

from __future__ import annotations

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
from tests.support import LABEL_COLUMN, query, read_rows, run_oneclick, write_rows
from warehouse import report as report_module
from warehouse.paths import DBT_PROJECT_DIR

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


@pytest.fixture(scope="module")
def report(demo_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = run_oneclick("report", "--warehouse", demo_build.warehouse, "--out", out)
    assert result.returncode == 0, result.stderr
    assert str(out / "index.html") in result.stdout
    return out / "index.html"


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


def test_the_report_is_self_contained(report: Path):
    parser = ImageSources()
    parser.feed(report.read_text(encoding="utf-8"))

    assert len(parser.sources) >= 7
    for source in parser.sources:
        assert not re.match(r"^(https?:)?//", source), f"{source} needs the internet"
        image = report.parent / source
        assert image.read_bytes().startswith(b"\x89PNG"), f"{source} is not a PNG beside the page"
    page = report.read_text(encoding="utf-8")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    for section in ("Data: from the exports", "The model", "Segments", "high risk, high value"):
        assert section in page


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


def test_no_plot_has_text_over_its_title(demo_build: Build):
    data = report_module.read_report_data(demo_build.warehouse)
    plots = [
        report_module.plot_scope,
        report_module.plot_candidates,
        report_module.plot_roc,
        report_module.plot_calibration,
        report_module.plot_importance,
        report_module.plot_segments,
        report_module.plot_key_segment,
    ]
    with plt.rc_context(report_module.PLOT_STYLE):
        for plot in plots:
            figure = plot(data)
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


def test_a_report_of_a_saved_model_on_unlabelled_exports_says_its_metrics_are_from_training(
    demo_build: Build, tmp_path: Path
):
    raw = tmp_path / "unlabelled"
    shutil.copytree(demo_build.raw, raw)
    header, *rows = read_rows(raw / "market_file.csv")
    label = header.index(LABEL_COLUMN)
    write_rows(
        raw / "market_file.csv",
        [header[:label] + header[label + 1 :]] + [row[:label] + row[label + 1 :] for row in rows],
    )
    model = ("--model", demo_build.model_path)
    scored = build_or_fail(raw, tmp_path / "wh" / "oneclick.duckdb", *model)
    out = tmp_path / "report"
    result = run_oneclick("report", "--warehouse", scored.warehouse, "--out", out)
    assert result.returncode == 0, result.stderr
    (trained_at,) = query(
        scored.warehouse, "select trained_at from marts.model_registry where is_current"
    )[0]

    text = page_text(out / "index.html")
    assert "This build scored the customers with a saved model" in text
    assert f"trained on {str(trained_at)[:19]} UTC" in text
    assert "at training" in text and "These exports have no labels" in text
    assert "This build trained the model" not in text


@needs_chromium
def test_the_report_renders_in_chromium_with_every_image(report: Path, tmp_path: Path):
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

    images = re.search(r'data-images="(\d+)"', dom.stdout)
    broken = re.search(r'data-broken="([^"]*)"', dom.stdout)
    assert images and broken, f"the page did not finish loading:\n{dom.stderr[-2000:]}"
    assert int(images.group(1)) >= 7
    assert json.loads(broken.group(1).replace("&quot;", '"')) == []
    assert console_errors(dom.stderr + shot.stderr) == []
    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (3800, 1100)
    assert pixels.std() > 0.05, "the screenshot is blank"


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
