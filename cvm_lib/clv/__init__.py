"""Buy-till-you-die (BTYD) models of customer lifetime and customer lifetime value.

=========================== ==========================================================
estimator                   model
=========================== ==========================================================
:class:`BetaGeo`            BG/NBD, Fader, Hardie & Lee (2005)
:class:`ModifiedBetaGeo`    MBG/NBD, Batislam, Denizel & Filiztekin (2007)
:class:`ParetoNBD`          Pareto/NBD, Schmittlein, Morrison & Colombo (1987)
:class:`BetaGeoBetaBinom`   BG/BB (discrete time), Fader, Hardie & Shang (2010)
:class:`ShiftedBetaGeo`     sBG (contractual retention), Fader & Hardie (2007)
:class:`GammaGamma`         spend per transaction, Fader, Hardie & Lee (2005) / (2013)
=========================== ==========================================================

All follow the scikit-learn contract (``fit(data) -> self``, fitted attributes end in
``_``) and report lifelines-style results (``summary()``). Customer lifetime value:
:func:`customer_lifetime_value`, :func:`customer_equity` (both with ``interval=`` bounds from
parameter uncertainty), :func:`teaching_clv`. Time-invariant covariates in BG/NBD, MBG/NBD and
Pareto/NBD: :mod:`cvm_lib.clv.covariates`. Saved models (``model.save(path)``,
``Model.load(path)``): :mod:`cvm_lib.clv.persist`.
"""

from cvm_lib.clv.base import ConvergenceWarning, NotFittedError
from cvm_lib.clv.bgbb import BetaGeoBetaBinom
from cvm_lib.clv.bgnbd import BetaGeo, ModifiedBetaGeo
from cvm_lib.clv.gammagamma import GammaGamma
from cvm_lib.clv.paretonbd import ParetoNBD
from cvm_lib.clv.sbg import ShiftedBetaGeo
from cvm_lib.clv.value import customer_equity, customer_lifetime_value, teaching_clv

__all__ = ["BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "BetaGeoBetaBinom", "ShiftedBetaGeo", "GammaGamma",
           "customer_lifetime_value", "customer_equity", "teaching_clv", "ConvergenceWarning", "NotFittedError"]
