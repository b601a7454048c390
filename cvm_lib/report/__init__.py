"""The report pipeline: study discovery, parameter validation, papermill runs, HTML pages and the
index in the report language, ``results.xlsx``, results and manifest. The ``cvm`` command
(:mod:`cvm_lib.cli`) is its front end; ``python -m cvm_lib.report.dictionary`` writes the data
dictionary from the label catalogue."""

from cvm_lib.report.params import ParameterError, Study, discover_studies
from cvm_lib.report.runner import RunResult, run_suite

__all__ = ["ParameterError", "Study", "discover_studies", "RunResult", "run_suite"]
