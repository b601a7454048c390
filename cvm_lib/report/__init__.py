"""The report pipeline: study discovery, parameter validation, papermill runs, HTML,
results and manifest. The ``cvm`` command (:mod:`cvm_lib.cli`) is its front end."""

from cvm_lib.report.params import ParameterError, Study, discover_studies
from cvm_lib.report.runner import RunResult, run_suite

__all__ = ["ParameterError", "Study", "discover_studies", "RunResult", "run_suite"]
