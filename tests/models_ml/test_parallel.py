"""Fits side by side on threads: no worker process, one native thread per fit."""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path

from joblib import delayed
from threadpoolctl import threadpool_info

from models_ml.parallel import run_side_by_side
from models_ml.train import train_decline_model
from tests.models_ml.conftest import FAST


def child_processes() -> set[int]:
    """This process's live children (from /proc; psutil is not a dependency)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if int(fields["PPid"]) == os.getpid() and not fields["State"].startswith("Z"):
            children.add(int(entry.name))
    return children


def where_and_how_many_threads(number: int) -> tuple[int, int, int, set[int]]:
    native = {pool["num_threads"] for pool in threadpool_info()}
    return number, os.getpid(), threading.get_ident(), native


def test_tasks_run_on_threads_of_this_process_with_one_native_thread_each():
    before = [pool["num_threads"] for pool in threadpool_info()]

    results = run_side_by_side((delayed(where_and_how_many_threads)(n) for n in range(8)), 2)

    assert [number for number, *_ in results] == list(range(8))  # in the order of the tasks
    assert {pid for _, pid, _, _ in results} == {os.getpid()}
    assert before and all(native == {1} for *_, native in results)
    # the limit holds only while the tasks run
    assert [pool["num_threads"] for pool in threadpool_info()] == before


def test_training_starts_no_process(mart):
    before = child_processes()

    train_decline_model(mart, config=FAST)

    assert child_processes() - before == set()


def clear_warning_filters(number: int) -> int:
    """What two threads in scikit-learn's parallel helper can do to the filters between them."""
    warnings.resetwarnings()
    return number


def test_the_warning_filters_are_put_back_when_the_tasks_end():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="a filter of the caller")
        before = list(warnings.filters)

        run_side_by_side((delayed(clear_warning_filters)(n) for n in range(4)), 2)

        assert warnings.filters == before
