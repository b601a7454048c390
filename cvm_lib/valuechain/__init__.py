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
customer equity            :func:`projected_customer_equity` (current base + future cohorts;
                           the model value of the current base alone is
                           :func:`cvm_lib.clv.customer_equity`)
discounting                :func:`annual_to_period_rate` (a rate per year as a rate per period)
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
* Tables have stable snake_case columns and stable values (stage ids ``acquire`` /
  ``develop`` / ``retain``, metric ids, :data:`STAGE_NOTES`); nothing here knows a language
  (the value-chain study, :mod:`cvm_lib.studies.value_chain`, labels them).

Bad input raises :class:`cvm_lib.data.CvmDataError` (a ``ValueError``) or ``ValueError``
naming the column and what was expected.
"""

from cvm_lib.valuechain.acquisition import (NOT_PAID_BACK, STAGE_NOTES, AcquisitionPayback, ValueChainStages,
                                            acquisition_payback, clv_waterfall, value_chain_stages)
from cvm_lib.valuechain.profitability import (WhaleCurve, customer_profitability, historical_value,
                                              profitability_deciles, whale_curve)
from cvm_lib.valuechain.value import (ValueDecomposition, annual_to_period_rate, potential_value,
                                      projected_customer_equity, value_decomposition)

__all__ = [
    "customer_profitability", "profitability_deciles", "whale_curve", "WhaleCurve", "historical_value",
    "potential_value", "value_decomposition", "ValueDecomposition", "projected_customer_equity",
    "annual_to_period_rate", "acquisition_payback", "AcquisitionPayback", "NOT_PAID_BACK", "STAGE_NOTES",
    "value_chain_stages", "ValueChainStages", "clv_waterfall",
]
