"""Customer value-chain metrics: profitability, cost to serve, acquisition payback, customer equity.

=========================  ==================================================================
profitability              :func:`customer_profitability` (revenue − cost of goods − cost to
                           serve), :func:`profitability_deciles`, :func:`whale_curve`
value decomposition        :func:`historical_value`, :func:`potential_value`,
                           :func:`value_decomposition` (historical / current / potential);
                           the teaching baseline is :func:`cvm_lib.clv.teaching_clv`
acquisition                :func:`acquisition_payback` (payback period, 12-month retention and
                           long-run value by acquisition channel)
the CRM value chain        :func:`value_chain_stages` (acquire / develop / retain metric
                           tables), :func:`clv_waterfall` (acquisition cost → CLV)
customer equity            :func:`customer_equity` (current base + future cohorts)
notebook figures           :func:`valuechain_figures`
=========================  ==================================================================

Conventions (each function documents its own in full):

* Money is in the currency of ``amount``. Customer *profit* (= historical value) is
  revenue − cost of goods (``cost`` column, or ``default_margin``) − cost to serve (a share
  of revenue: ``customers["cost_to_serve_rate"]`` when present); acquisition cost is
  accounted separately (payback, waterfall, equity).
* Time since acquisition is counted in days and divided by the period length
  (``"M"`` = 30.4375 days); period 1 is the acquisition period; the end day is inclusive.
* A payback that does not happen within the data is ``inf`` with ``paid_back=False`` and an
  explicit note — never a silent NaN.
* Retention at 12 months = a purchase in months 13–15 after acquisition, among customers
  observed at least 15 months.
* The model CLV ("current value") comes from :mod:`cvm_lib.clv` or any other source as a
  per-customer Series; this package does not fit models.

Bad input raises :class:`cvm_lib.data.CvmDataError` (a ``ValueError``) or ``ValueError``
naming the column and what was expected.
"""

from cvm_lib.valuechain._common import LABELS, vc_label
from cvm_lib.valuechain.acquisition import (NOT_PAID_BACK, AcquisitionPayback, ValueChainStages,
                                            acquisition_payback, clv_waterfall, value_chain_stages)
from cvm_lib.valuechain.figures import valuechain_figures
from cvm_lib.valuechain.profitability import (WhaleCurve, customer_profitability, historical_value,
                                              profitability_deciles, whale_curve)
from cvm_lib.valuechain.value import ValueDecomposition, customer_equity, potential_value, value_decomposition

__all__ = [
    "customer_profitability", "profitability_deciles", "whale_curve", "WhaleCurve", "historical_value",
    "potential_value", "value_decomposition", "ValueDecomposition", "customer_equity",
    "acquisition_payback", "AcquisitionPayback", "NOT_PAID_BACK", "value_chain_stages", "ValueChainStages",
    "clv_waterfall", "valuechain_figures", "vc_label", "LABELS",
]
from cvm_lib.valuechain import study  # noqa: E402  (the notebook study: cvm_lib.valuechain.study)

__all__ += ["study"]
