"""Failure messages: a Python model's traceback is cut down to the exception a person needs."""

from __future__ import annotations

from warehouse.failures import _describe_row, _shorten


def test_a_python_traceback_is_shortened_to_its_exception():
    message = """Runtime Error in model customer_scores (models/marts/model/customer_scores.py)
  Python model failed:
  Traceback (most recent call last):
    File "/x/environments/__init__.py", line 286, in run_python_job
      df = module.model(dbt, con)
    File "/x/models_ml/artifact.py", line 170, in validate_frame
      raise ModelMismatchError(
  models_ml.artifact.ModelMismatchError: model dm-1 cannot score this data: favourite_category"""

    assert _shorten(message) == (
        "models_ml.artifact.ModelMismatchError: model dm-1 cannot score this data: "
        "favourite_category"
    )


def test_a_sql_error_keeps_its_first_lines():
    message = "Runtime Error in model x\n  Binder Error: column y not found\n\n  LINE 1: select y"

    assert (
        _shorten(message, lines=2)
        == "Runtime Error in model x\n    Binder Error: column y not found"
    )


def test_a_stored_failure_row_reads_as_file_line_and_problem():
    row = {"source_file": "money.csv", "source_line_number": 7, "parse_problems": "Прибыль: empty"}

    assert _describe_row(row) == "money.csv, line 7: Прибыль: empty"
    assert _describe_row({"model_row_count": 3, "compared_row_count": 4}) == (
        "model_row_count=3, compared_row_count=4"
    )
