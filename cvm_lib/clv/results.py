"""Result tables of the fitted BTYD models (lifelines-style summaries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["summary_table"]


def summary_table(params: pd.Series, covariance_log: pd.DataFrame, *, alpha: float = 0.05, model: str = "",
                  log_likelihood: float = float("nan"), n: float = float("nan"), converged: bool = True,
                  penalizer: float = 0.0, time_unit=None) -> pd.DataFrame:
    """Estimate, standard error and a log-scale confidence interval per parameter.

    ``covariance_log`` is the covariance of the log-parameters; the standard error of
    a parameter is ``theta * se(log theta)`` (delta method) and the interval
    ``exp(log theta -/+ z se(log theta))``.

    Examples
    --------
    >>> p = pd.Series({"r": 0.5, "alpha": 10.0})
    >>> cov = pd.DataFrame(np.diag([0.01, 0.04]), index=p.index, columns=p.index)
    >>> summary_table(p, cov, model="demo", log_likelihood=-12.5, n=100).round(3)
           estimate  std error  lower 95%  upper 95%
    r           0.5       0.05      0.411      0.608
    alpha      10.0       2.00      6.757     14.799
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha!r}; use a level in (0, 1), e.g. 0.05 for 95% intervals")
    theta = params.to_numpy(dtype=np.float64)
    se_log = np.sqrt(np.diag(covariance_log.to_numpy(dtype=np.float64)))
    z = stats.norm.ppf(1 - alpha / 2)
    level = f"{100 * (1 - alpha):g}%"
    table = pd.DataFrame({
        "estimate": theta,
        "std error": theta * se_log,
        f"lower {level}": np.exp(np.log(theta) - z * se_log),
        f"upper {level}": np.exp(np.log(theta) + z * se_log),
    }, index=params.index)
    unit = f", time unit {time_unit}" if time_unit is not None else ""
    pen = f", penalizer {penalizer:g}" if penalizer else ""
    caption = (f"{model}: log-likelihood {log_likelihood:,.2f}, n = {n:,g}{unit}{pen}; "
               f"{'converged' if converged else 'NOT converged'}. {level} intervals on the log scale.")
    table.attrs.update(model=model, log_likelihood=float(log_likelihood), n_customers=n, converged=bool(converged),
                       penalizer=float(penalizer), caption=caption)
    return table
