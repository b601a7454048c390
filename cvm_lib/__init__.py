"""CVM Workbench: customer value management and CRM analytics for Jupyter.

Modules: :mod:`cvm_lib.data` (load and validate transaction logs),
:mod:`cvm_lib.datasets` (bundled real and synthetic data), :mod:`cvm_lib.summary`
(per-customer RFM/BTYD summaries and cohorts), :mod:`cvm_lib.plots` (figures).
"""

from cvm_lib.data import CvmDataError, load_transactions, validate_transactions

__version__ = "0.1.0"
__all__ = ["CvmDataError", "load_transactions", "validate_transactions", "__version__"]
