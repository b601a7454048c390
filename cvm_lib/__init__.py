"""CVM Workbench: customer value management and CRM analytics for Jupyter.

Modules: :mod:`cvm_lib.data` (load and validate transaction logs),
:mod:`cvm_lib.datasets` (bundled real and synthetic data), :mod:`cvm_lib.summary`
(per-customer RFM/BTYD summaries and cohorts), :mod:`cvm_lib.segmentation`,
:mod:`cvm_lib.clv` (BTYD models and CLV), :mod:`cvm_lib.valuechain`,
:mod:`cvm_lib.retention`, :mod:`cvm_lib.indicators` (the studies' libraries),
:mod:`cvm_lib.plots` (figures), :mod:`cvm_lib.results` (key figures of a study),
:mod:`cvm_lib.report` and :mod:`cvm_lib.cli` (the ``cvm`` command).
"""

from cvm_lib.data import CvmDataError, load_transactions, validate_transactions

__version__ = "0.1.0"
__all__ = ["CvmDataError", "load_transactions", "validate_transactions", "__version__"]
