"""The report and the docs, tested as a person would look at them: in a browser, offline."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import pytest

from tests.conftest import Build
from tests.support import query, run_oneclick

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
