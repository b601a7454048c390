"""Value concentration: ABC classes, the Lorenz curve, the Gini coefficient and the
Pareto statement "x% of customers bring y% of value"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.segmentation._common import as_numeric_series, check_probability_thresholds, id_rank, ordinal_positions

__all__ = ["gini", "lorenz_curve", "abc_classes", "abc_summary", "ParetoPoint", "pareto_point", "pareto_statement"]

# Relative tolerance when comparing a cumulative share with a threshold: a customer whose
# cumulative share equals the threshold up to rounding has reached it.
_TOL = 1e-12


def _nonnegative(values: Any, what: str) -> pd.Series:
    series = as_numeric_series(values, what)
    if (series.to_numpy() < 0).any():
        raise ValueError(f"{what}: expected non-negative values (shares of a total); "
                         f"{int((series < 0).sum())} are negative, e.g. at index "
                         f"{series.index[series.to_numpy() < 0][:3].tolist()}")
    return series


def gini(values: Any) -> float:
    """Gini coefficient of non-negative values (population form).

    ``G = Σ_i Σ_j |x_i − x_j| / (2 n² x̄)``, i.e. twice the area between the Lorenz
    curve and the diagonal. This is the POPULATION Gini, without the small-sample factor
    ``n / (n − 1)``: equal values give 0 and one holder of everything among ``n``
    customers gives ``1 − 1/n`` (0.75 for ``[0, 0, 0, 10]``). All zeros give 0.

    Parameters
    ----------
    values : array-like or Series
        Customer values (spend, profit, CLV), all ≥ 0.

    Examples
    --------
    >>> gini([5, 5, 5, 5]), gini([0, 0, 0, 10])
    (0.0, 0.75)
    >>> round(gini([1, 2, 3, 4]), 4)
    0.25
    """
    x = np.sort(_nonnegative(values, "gini values").to_numpy())
    n, total = len(x), x.sum()
    if total == 0:
        return 0.0
    i = np.arange(1, n + 1, dtype=np.float64)
    g = float(2.0 * np.dot(i, x) / (n * total) - (n + 1.0) / n)
    return min(g, 1.0) if g > 0 else 0.0  # clear rounding noise at the bounds


def lorenz_curve(values: Any, *, descending: bool = False) -> pd.DataFrame:
    """Lorenz curve: cumulative share of customers against cumulative share of value.

    Parameters
    ----------
    values : array-like or Series
        Customer values, all ≥ 0, not all 0.
    descending : bool, default False
        ``False``: customers from the smallest value up (the classic Lorenz curve, below
        the diagonal; the area between gives :func:`gini`). ``True``: from the largest
        value down (the Pareto or concentration curve: "the top x% bring y%").

    Returns
    -------
    DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): columns ``customer_share`` and
        ``value_share``.

    Examples
    --------
    >>> lorenz_curve([0, 0, 0, 10])
       customer_share  value_share
    0            0.00          0.0
    1            0.25          0.0
    2            0.50          0.0
    3            0.75          0.0
    4            1.00          1.0
    >>> lorenz_curve([1, 3], descending=True)["value_share"].tolist()
    [0.0, 0.75, 1.0]
    """
    x = np.sort(_nonnegative(values, "lorenz_curve values").to_numpy())
    if descending:
        x = x[::-1]
    total = x.sum()
    if total == 0:
        raise ValueError("lorenz_curve: the values sum to 0; value shares are undefined")
    n = len(x)
    return pd.DataFrame({"customer_share": np.arange(n + 1) / n,
                         "value_share": np.concatenate(([0.0], np.cumsum(x) / total))})


def _abc_codes(values: np.ndarray, ranks: np.ndarray, thresholds: tuple[float, ...], crossing: str) -> np.ndarray:
    """Class number (0 = A) per customer, customers in the given order."""
    order = ordinal_positions([-values, ranks])  # largest value first; ties by id
    sorted_values = np.empty_like(values)
    sorted_values[order] = values
    total = sorted_values.sum()
    after = np.cumsum(sorted_values)
    before = after - sorted_values
    cum = before if crossing == "upper" else after
    limits = np.asarray(thresholds) * total
    # upper: in class j while the value BEFORE the customer is below threshold j;
    # lower: while the value INCLUDING the customer does not exceed threshold j.
    if crossing == "upper":
        codes_sorted = np.searchsorted(limits * (1 - _TOL), cum, side="right")
    else:
        codes_sorted = np.searchsorted(limits * (1 + _TOL), cum, side="left")
    return codes_sorted[order]


def abc_classes(values: pd.Series, thresholds: tuple[float, ...] = (0.7, 0.9), *, crossing: str = "upper",
                labels: tuple[str, ...] | None = None) -> pd.Series:
    """ABC classes on the cumulative share of value, largest customers first.

    Customers are sorted by value, largest first (equal values by index label, smaller
    label first, so the result does not depend on row order). Class A holds the top
    customers up to the first threshold of cumulative value share, B up to the second,
    C the rest.

    How the customer who CROSSES a threshold is classed (``crossing``):

    * ``"upper"`` (default): into the higher class. A customer is in A while the value of
      the customers ranked before them is below 70%; A is then the SMALLEST top group
      that brings at least 70% of the value.
    * ``"lower"``: into the lower class. A customer is in A only if the cumulative share
      including them is at most 70%; A is the LARGEST top group bringing at most 70%.

    A customer whose cumulative share lands exactly on a threshold has reached it (it is
    the last one in the class in both rules). Customers of value 0 after the total is
    reached are in the last class.

    Parameters
    ----------
    values : Series
        Customer values (≥ 0, not all 0), indexed by customer.
    thresholds : sequence of float, default (0.7, 0.9)
        Increasing cumulative shares in (0, 1]; ``k`` thresholds give ``k + 1`` classes.
    crossing : {"upper", "lower"}, default "upper"
    labels : sequence of str, optional
        Class names, ``len(thresholds) + 1`` of them. Default "A", "B", "C", ...

    Returns
    -------
    Series
        Class per customer (str), aligned to ``values``, name ``"abc_class"``.

    Examples
    --------
    >>> v = pd.Series([50.0, 5, 20, 10, 15], index=list("abcde"))
    >>> abc_classes(v).tolist()
    ['A', 'C', 'A', 'B', 'B']
    >>> abc_classes(v, crossing="lower").tolist()
    ['A', 'C', 'A', 'C', 'B']

    ``a`` alone brings 50%, ``a`` and ``c`` 70%: ``c`` lands exactly on the threshold and
    is in A under both rules. ``e`` takes the share from 70% to 85% (B under both);
    ``d`` takes it from 85% to 95%, across 90%: B under ``"upper"``, C under ``"lower"``.
    """
    series = _nonnegative(values, "abc_classes values")
    ts = check_probability_thresholds(thresholds, "thresholds")
    if crossing not in ("upper", "lower"):
        raise ValueError(f"crossing={crossing!r}; use 'upper' (the crossing customer joins the higher class) "
                         "or 'lower'")
    if labels is None:
        labels = tuple(chr(ord("A") + i) for i in range(len(ts) + 1))
    elif len(labels) != len(ts) + 1:
        raise ValueError(f"labels: expected {len(ts) + 1} class names for {len(ts)} thresholds, got {len(labels)}")
    if series.sum() <= 0:
        raise ValueError("abc_classes: the values sum to 0; value shares are undefined")
    codes = _abc_codes(series.to_numpy(), id_rank(series.index), ts, crossing)
    return pd.Series(np.asarray(labels, dtype=object)[codes], index=series.index, name="abc_class",
                     dtype="str")


def abc_summary(values: pd.Series, thresholds: tuple[float, ...] = (0.7, 0.9), *,
                crossing: str = "upper") -> pd.DataFrame:
    """Customers and value per ABC class, with shares.

    Examples
    --------
    >>> abc_summary(pd.Series([50.0, 5, 20, 10, 15], index=list("abcde")))
           customers  customer_share  value  value_share
    class
    A              2             0.4   70.0         0.70
    B              2             0.4   25.0         0.25
    C              1             0.2    5.0         0.05
    """
    series = _nonnegative(values, "abc_summary values")
    classes = abc_classes(series, thresholds, crossing=crossing)
    labels = [chr(ord("A") + i) for i in range(len(tuple(thresholds)) + 1)]
    counts = classes.value_counts().reindex(labels, fill_value=0)
    value = series.groupby(classes.to_numpy()).sum().reindex(labels, fill_value=0.0)
    out = pd.DataFrame({"customers": counts.to_numpy().astype("int64"),
                        "customer_share": counts.to_numpy() / len(series),
                        "value": value.to_numpy(),
                        "value_share": value.to_numpy() / series.sum()},
                       index=pd.Index(labels, name="class"))
    return out


@dataclass(frozen=True)
class ParetoPoint:
    """A point of the Pareto curve: the top ``customers`` bring ``value_share``.

    Attributes
    ----------
    customers : int
        Number of top customers.
    customer_share : float
        ``customers / n_customers``.
    value_share : float
        Their share of total value.
    n_customers : int
    """

    customers: int
    customer_share: float
    value_share: float
    n_customers: int

    def statement(self, decimals: int = 1) -> str:
        """``"20.0% of customers bring 80.3% of value"``: a plain-text summary (English).

        Reports in either language build their sentence from the shares (the
        ``segmentation.pareto_sentence`` template of :mod:`cvm_lib.labels`).
        """
        x = f"{100 * self.customer_share:.{decimals}f}%"
        y = f"{100 * self.value_share:.{decimals}f}%"
        return f"{x} of customers bring {y} of value"

    @property
    def summary(self) -> pd.DataFrame:
        """One row: ``customers``, ``customer_share``, ``value_share``, ``n_customers``."""
        return pd.DataFrame([{"customers": self.customers, "customer_share": self.customer_share,
                              "value_share": self.value_share, "n_customers": self.n_customers}])

    def _repr_html_(self) -> str:
        return self.summary.to_html(index=False)


def pareto_point(values: Any, *, customer_share: float | None = None,
                 value_share: float | None = None) -> ParetoPoint:
    """The share of value brought by the top customers, or the customers needed for a share.

    Give at most one of ``customer_share`` (default 0.2: the top 20% of customers,
    ``round(0.2 n)`` of them) or ``value_share`` (the smallest top group that brings at
    least that share). Ties in value do not matter: the top ``m`` customers' total is the
    same whichever of the tied customers are counted.

    Examples
    --------
    >>> v = [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1]
    >>> pareto_point(v)
    ParetoPoint(customers=2, customer_share=0.2, value_share=0.75, n_customers=10)
    >>> pareto_point(v, value_share=0.8).customers
    3
    """
    x = np.sort(_nonnegative(values, "pareto values").to_numpy())[::-1]
    n, total = len(x), x.sum()
    if total <= 0:
        raise ValueError("pareto: the values sum to 0; value shares are undefined")
    if customer_share is not None and value_share is not None:
        raise ValueError("give customer_share or value_share, not both")
    cum = np.cumsum(x)
    if value_share is not None:
        if not 0 < value_share <= 1:
            raise ValueError(f"value_share={value_share!r}; expected a share in (0, 1]")
        m = int(np.searchsorted(cum, value_share * total * (1 - _TOL), side="left")) + 1
        m = min(m, n)
    else:
        share = 0.2 if customer_share is None else customer_share
        if not 0 < share <= 1:
            raise ValueError(f"customer_share={share!r}; expected a share in (0, 1]")
        m = min(max(int(round(share * n)), 1), n)
    return ParetoPoint(customers=m, customer_share=m / n, value_share=float(cum[m - 1] / total), n_customers=n)


def pareto_statement(values: Any, *, customer_share: float | None = None, value_share: float | None = None,
                     decimals: int = 1) -> str:
    """The plain-text summary "x% of customers bring y% of value" (English).

    Same options as :func:`pareto_point`; shares are rounded to ``decimals`` places in
    percent. The customer share shown is the actual share of whole customers counted.

    Examples
    --------
    >>> v = [100.0, 50, 20, 10, 5, 5, 4, 3, 2, 1]
    >>> pareto_statement(v)
    '20.0% of customers bring 75.0% of value'
    >>> pareto_statement(v, value_share=0.8)
    '30.0% of customers bring 85.0% of value'
    """
    return pareto_point(values, customer_share=customer_share, value_share=value_share).statement(decimals)
