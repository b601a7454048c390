"""The notebook back-ends: one module per study and per teaching case, on one base.

=========================================  ==============================================
module                                     notebook
=========================================  ==============================================
``cvm_lib.studies.overview``               ``notebooks/00_data_overview.ipynb``
``cvm_lib.studies.segmentation``           ``notebooks/01_segmentation.ipynb``
``cvm_lib.studies.value_chain``            ``notebooks/02_value_chain.ipynb``
``cvm_lib.studies.retention``              ``notebooks/03_retention.ipynb``
``cvm_lib.studies.indicators``             ``notebooks/04_crm_indicators.ipynb``
``cvm_lib.studies.cases``                  ``notebooks/cases/*.ipynb``
=========================================  ==============================================

Every module has the same shape: it takes a :class:`Case` (:func:`load_case`), computes
its sections with the method packages (which know no notebook and no language), and
returns :class:`Table` objects (:func:`show`), key figures (:func:`key_figure`,
:func:`record_figures`), generated sentences (:func:`say`) and :class:`Skipped` markers,
shown in the display language (:func:`set_display`). Study figures live in their
study module and are drawn with the generic figures of :mod:`cvm_lib.plots`.
"""

from cvm_lib.studies._base import (BUNDLED_CURRENCY, UNIT_KINDS, Case, Narrative, Quantity, Sentence, Skipped,
                                   figures_table, key_figure, load_case, q, record_figures, say, show)
from cvm_lib.studies._table import Table, display_settings, format_table, format_value, set_display

__all__ = ["Case", "load_case", "BUNDLED_CURRENCY", "Skipped", "Sentence", "Narrative", "Quantity", "q", "say",
           "show", "key_figure", "record_figures", "figures_table", "UNIT_KINDS", "Table", "set_display",
           "display_settings", "format_table", "format_value"]
