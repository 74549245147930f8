"""The measuring parts of scripts/benchmark, one job per module, importable on their own (pure
functions where they can be):

- :mod:`~scripts.benchmarking.config`: where things are, the seed, the months the builds are of;
- :mod:`~scripts.benchmarking.exports`: the generated exports, cached (one folder per size, or a
  folder per month for a run of several months), and the source tree measured;
- :mod:`~scripts.benchmarking.process`: ``oneclick build`` timed in a child process, with the
  memory and CPU of its whole process tree (psutil);
- :mod:`~scripts.benchmarking.steps`: dbt's run_results.json split into steps and phases;
- :mod:`~scripts.benchmarking.baseline`: the hand-written baseline (DuckDB and a bare fit);
- :mod:`~scripts.benchmarking.sizes`: one size end to end, against the baseline;
- :mod:`~scripts.benchmarking.months`: several months of one shop built in order into one
  warehouse, each month's time and the history tables' sizes;
- :mod:`~scripts.benchmarking.report`: the machine, the targets and the tables.
"""
