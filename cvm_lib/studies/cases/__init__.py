"""Notebook back-ends of the teaching cases (``notebooks/cases/<case>.ipynb``), one module per case.

==========================================  ==========================================
module                                      notebook
==========================================  ==========================================
``cvm_lib.studies.cases.supermarket``       ``notebooks/cases/supermarket.ipynb``
``cvm_lib.studies.cases.bank``              ``notebooks/cases/bank_nine_grid.ipynb``
``cvm_lib.studies.cases.gold_tier``         ``notebooks/cases/gold_tier.ipynb``
``cvm_lib.studies.cases.brewer``            ``notebooks/cases/brewer.ipynb``
``cvm_lib.studies.cases.crm_programme``     ``notebooks/cases/crm_programme.ipynb``
``cvm_lib.studies.cases.cdnow_clv``         ``notebooks/cases/cdnow_clv.ipynb``
==========================================  ==========================================

Each takes the case data of :mod:`cvm_lib.cases` and returns tables (:func:`cvm_lib.studies.show`,
stable columns recorded, translated on screen through the label context
``"cases.<case>"``), figures and generated sentences. The exercises and the answer
checker stay in :mod:`cvm_lib.cases`.
"""
