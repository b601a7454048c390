"""The shifted-beta-geometric (sBG) model fitted here by maximum likelihood, without cvm_lib.clv.

An independent implementation (Fader & Hardie 2007, eq. 3-4) for tests that check the
retention study's sBG section against something other than the library's own fit.
"""

import numpy as np
from scipy import optimize, special


class IndependentSBG:
    """The shifted-beta-geometric model fitted by maximum likelihood here, without cvm_lib.clv."""

    def fit(self, counts):
        counts = np.asarray(counts, dtype=float)
        lost = counts[:-1] - counts[1:]
        t = np.arange(1, len(counts))

        def negll(log_ab):
            a, b = np.exp(log_ab)
            log_p = special.betaln(a + 1, b + t - 1) - special.betaln(a, b)
            log_s = special.betaln(a, b + t[-1]) - special.betaln(a, b)
            return -(lost @ log_p + counts[-1] * log_s)

        res = optimize.minimize(negll, np.log([1.0, 1.0]), method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 5000})
        self.params_ = {"alpha": float(np.exp(res.x[0])), "beta": float(np.exp(res.x[1]))}
        return self

    def survival(self, t):
        a, b = self.params_["alpha"], self.params_["beta"]
        return np.exp(special.betaln(a, b + np.asarray(t, dtype=float)) - special.betaln(a, b))

    def retention_rate(self, t):
        a, b = self.params_["alpha"], self.params_["beta"]
        t = np.asarray(t, dtype=float)
        return (b + t - 1) / (a + b + t - 1)
