"""``oneclick report``: one static HTML page that tells the story of a build, from its tables.

The page reads only the warehouse (opened read-only) and needs nothing to be viewed: the plots
are PNG files beside ``index.html``, the styles are inline, there is no script. Sections: the
data's way from the exports to the feature mart, the model (candidates, ROC curve, calibration,
importance), the segments, the segment that matters most, month over month (the segment flow and
who newly became high-risk), monitoring (drift, realised performance, uplift per campaign) and
the settings the build ran with.

Three parts, kept apart: :mod:`~warehouse.reporting.queries` reads the warehouse into typed data,
:mod:`~warehouse.reporting.plots` draws it, :mod:`~warehouse.reporting.page` says it in words and
renders the Jinja2 template ``templates/report.html``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from warehouse.dbt_runner import Progress
from warehouse.reporting.choice import CandidateChoice, candidate_choice
from warehouse.reporting.page import render_page
from warehouse.reporting.plots import PLOT_STYLE, PLOTS
from warehouse.reporting.queries import ReportData, read_report_data

__all__ = [
    "CandidateChoice",
    "ReportData",
    "candidate_choice",
    "read_report_data",
    "write_report",
]


def write_report(warehouse: Path, out_dir: Path, progress: Progress = print) -> Path:
    """Write ``out_dir/index.html`` and its PNG plots; return the page's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(f"reading {warehouse}")
    data = read_report_data(warehouse)
    written = []
    with plt.rc_context(PLOT_STYLE):
        for name, plot in PLOTS.items():
            progress(f"plotting {name}")
            figure = plot(data)
            (out_dir / name).unlink(missing_ok=True)  # a plot of an earlier report, now empty
            if figure is None:
                continue
            figure.savefig(out_dir / name, bbox_inches="tight")
            plt.close(figure)
            written.append(name)
    page = out_dir / "index.html"
    page.write_text(render_page(data, written), encoding="utf-8")
    return page
