"""How training runs its fits side by side: on threads of the one process, never in worker
processes.

The fits are small (about 1,000 rows) and spend much of their time in scikit-learn's compiled
code, which releases the GIL, so threads keep the cores busy without the costs of processes:
no process start-up, no scikit-learn import in every worker, no data pickled to them, and
nothing that can outlive the build when it is stopped (joblib's process workers and resource
trackers lingered for minutes after a killed build, issue 11).

Each fit runs its native code on one thread: two fits on two cores, not two fits each asking
for every core. HistGradientBoosting on 800 rows took 7× the CPU time when its OpenMP threads
competed with the other fits'. OpenMP's thread count is a setting of each thread (a new thread
starts with the default), so it is set in every task; BLAS's is one for the process.

One cost of threads: scikit-learn's own parallel helper resets and rebuilds the process-wide
warning filters around every internal task (``warnings.catch_warnings``, not thread-safe before
Python 3.14). With two threads doing it at once a task can see them half rebuilt: an extra
warning may be printed (never an error: a half-rebuilt list is a prefix of the whole one), and
the filters could be left changed afterwards — so they are put back when the tasks end.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from joblib import Parallel
from threadpoolctl import ThreadpoolController

Task = tuple[Callable[..., Any], tuple, dict]  # what joblib.delayed(function)(...) returns


def run_side_by_side(tasks: Iterable[Task], jobs: int) -> list:
    """Run joblib ``delayed`` tasks on ``jobs`` threads; results in the order of the tasks."""
    native = ThreadpoolController()
    # catch_warnings: the threads only ever touch copies of the filters made after this point,
    # and the original list comes back unchanged when the block ends.
    with native.limit(limits=1, user_api="blas"), warnings.catch_warnings():
        return Parallel(n_jobs=jobs, backend="threading")(
            (_on_one_openmp_thread(function, native), args, kwargs)
            for function, args, kwargs in tasks
        )


def _on_one_openmp_thread(function: Callable, native: ThreadpoolController) -> Callable:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with native.limit(limits=1, user_api="openmp"):
            return function(*args, **kwargs)

    return run
