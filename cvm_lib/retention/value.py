"""What retention is worth: customer lifetime value and customer-base profit as functions
of the retention rate, Reichheld's "5% more retention, 25–95% more profit" under explicit
assumptions, and the figure implied by a firm's own transactions.

The model (per period, e.g. a year). A customer acquired at cost ``AC`` yields margin
``m (1 + g)**t`` in tenure period ``t = 0, 1, ..., H - 1`` while still a customer, and
survives each period with probability ``r`` (so is still there in period t with
probability ``r**t``). Margins are received at the start of each period; cash flows are
discounted at rate ``d`` per period. Then

* ``CLV(r) = sum_t m (1 + g)**t r**t / (1 + d)**t - AC``
  (``m (1 + d) / (1 + d - r)`` - AC for g = 0 and H = infinity, Gupta & Lehmann 2003);
* with ``A`` new customers every period the customer base reaches a steady state of
  ``A sum_t r**t`` customers, and its *profit per period* is
  ``A (sum_t m (1 + g)**t r**t - AC)``: margins of every tenure class alive in a period,
  less that period's acquisition spending. This is the profit Reichheld & Sasser (1990)
  and Reichheld (1996) speak of; it is undiscounted (a cross-section of one period).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.data import CvmDataError
from cvm_lib.retention._common import Result, check_frame, require_log
from cvm_lib.retention.cohorts import cohort_retention
from cvm_lib.summary import PERIOD_DAYS

__all__ = ["retention_value", "reichheld_table", "RetentionEconomics", "retention_economics"]

#: Reichheld's range of profit increases from 5 points more retention, in percent.
REICHHELD_RANGE = (25.0, 95.0)
_PERIODS_PER_YEAR = {k: PERIOD_DAYS["Y"] / v for k, v in PERIOD_DAYS.items()}


def _geometric_sum(q: np.ndarray, horizon: float) -> np.ndarray:
    """``sum_{t=0}^{H-1} q**t``; ``1 / (1 - q)`` for an infinite horizon (needs q < 1)."""
    q = np.asarray(q, dtype=np.float64)
    if np.isinf(horizon):
        if (q >= 1).any():
            raise ValueError
        return 1.0 / (1.0 - q)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(np.isclose(q, 1.0, rtol=0, atol=1e-12), horizon, (1.0 - q**horizon) / (1.0 - q))
    return out


def _horizon(horizon: Any) -> float:
    if horizon is None or (isinstance(horizon, float) and np.isinf(horizon)):
        return np.inf
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon={horizon!r}; use a positive whole number of periods or None (no end)")
    return float(horizon)


def retention_value(retention_rates: Any, *, margin: float, margin_growth: float = 0.0,
                    acquisition_cost: float = 0.0, discount_rate: float = 0.10, horizon: int | None = None,
                    acquisitions: float = 1.0) -> pd.DataFrame:
    """CLV and steady-state customer-base profit for each retention rate.

    See the module docstring for the model. All rates are per period.

    Parameters
    ----------
    retention_rates : float or array-like
        Retention rates in [0, 1] (1 only with a finite horizon).
    margin : float
        Margin per customer in the first period (tenure 0).
    margin_growth : float, default 0
        Growth of the margin per period of tenure (Reichheld: loyal customers buy more,
        cost less to serve, refer others).
    acquisition_cost : float, default 0
        Cost of acquiring one customer.
    discount_rate : float, default 0.10
    horizon : int, optional
        Maximum tenure in periods; None = no end (the sums must converge, i.e.
        ``r (1 + g) < 1 + d`` for CLV and ``r (1 + g) < 1`` for base profit).
    acquisitions : float, default 1
        New customers per period (scales the base figures).

    Returns
    -------
    DataFrame
        Index ``retention_rate``; columns ``expected_lifetime`` (periods, undiscounted
        sum of ``r**t``), ``discounted_margin`` (CLV before acquisition cost), ``clv``,
        ``customers_in_base``, ``base_margin``, ``base_profit``. ``attrs`` record the
        assumptions.

    Examples
    --------
    Two periods, 80% retention, margin 100 growing 10%, discount 10%, acquisition 50:
    CLV = -50 + 100 + 100 * 1.1 * 0.8 / 1.1 = 130 and base profit = 100 + 88 - 50 = 138.

    >>> retention_value(0.8, margin=100, margin_growth=0.1, acquisition_cost=50, discount_rate=0.1,
    ...                 horizon=2).T
    retention_rate       0.8
    expected_lifetime    1.8
    discounted_margin  180.0
    clv                130.0
    customers_in_base    1.8
    base_margin        188.0
    base_profit        138.0
    """
    rates = np.atleast_1d(np.asarray(retention_rates, dtype=np.float64))
    if not np.isfinite(rates).all() or (rates < 0).any() or (rates > 1).any():
        raise ValueError(f"retention rates must lie in [0, 1], got {rates[(rates < 0) | (rates > 1)][:3]}")
    for name, value in (("margin", margin), ("margin_growth", margin_growth),
                        ("acquisition_cost", acquisition_cost), ("acquisitions", acquisitions)):
        if not (isinstance(value, (int, float, np.floating, np.integer)) and np.isfinite(value)):
            raise ValueError(f"{name}={value!r}; use a finite number")
    if margin_growth <= -1:
        raise ValueError(f"margin_growth={margin_growth!r}; must exceed -1")
    if not discount_rate > -1 or not np.isfinite(discount_rate):
        raise ValueError(f"discount_rate={discount_rate!r}; use a rate per period > -1, e.g. 0.1")
    if acquisitions <= 0:
        raise ValueError("acquisitions must be positive")
    horizon_ = _horizon(horizon)
    growth = 1.0 + margin_growth
    try:
        lifetime = _geometric_sum(rates, horizon_)
        base = _geometric_sum(rates * growth, horizon_)
    except ValueError:
        raise ValueError(f"with an unlimited horizon the customer base grows without bound for retention x "
                         f"margin growth >= 1 (here up to {rates.max() * growth:.3f}); set horizon= to a number "
                         "of periods") from None
    try:
        discounted = _geometric_sum(rates * growth / (1.0 + discount_rate), horizon_)
    except ValueError:
        raise ValueError("with an unlimited horizon CLV is infinite when retention x (1 + margin growth) >= "
                         "1 + discount rate; set horizon= or a higher discount rate") from None
    table = pd.DataFrame({
        "expected_lifetime": lifetime,
        "discounted_margin": margin * discounted,
        "clv": margin * discounted - acquisition_cost,
        "customers_in_base": acquisitions * lifetime,
        "base_margin": acquisitions * margin * base,
        "base_profit": acquisitions * (margin * base - acquisition_cost),
    }, index=pd.Index(rates, name="retention_rate"))
    table.attrs.update(margin=float(margin), margin_growth=float(margin_growth),
                       acquisition_cost=float(acquisition_cost), discount_rate=float(discount_rate),
                       horizon=None if np.isinf(horizon_) else int(horizon_), acquisitions=float(acquisitions))
    return table


def _pct(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(old > 0, 100.0 * (new - old) / np.abs(old), np.nan)


def reichheld_table(base_retention: Any = (0.5, 0.6, 0.7, 0.8, 0.9), *, increase: float = 0.05,
                    margin_growth: Any = (0.0, 0.05, 0.10), discount_rate: Any = (0.05, 0.10, 0.15),
                    acquisition_cost: Any = (0.0, 1.0, 2.0), horizon: Any = (20,),
                    reichheld_range: tuple[float, float] = REICHHELD_RANGE) -> pd.DataFrame:
    """Profit gained from ``increase`` more retention, over a grid of assumptions.

    Reichheld & Sasser (1990) and Reichheld (1996) report that 5 percentage points more
    retention raises profits by 25% to 95%. This table says under which assumptions that
    holds in the model of :func:`retention_value` (margin 1 in the first period, so the
    acquisition cost is in units of first-period margin; periods are years).

    Parameters
    ----------
    base_retention : array-like
        Retention rates before the improvement.
    increase : float, default 0.05
        Improvement in percentage points (0.05 = five points, e.g. 80% -> 85%).
    margin_growth, discount_rate, acquisition_cost, horizon : array-like
        Grid values; horizon None = no end.
    reichheld_range : (float, float), default (25, 95)

    Returns
    -------
    DataFrame
        One row per combination: the assumptions, ``improved_retention``, ``clv_base``,
        ``clv_improved``, ``clv_increase_pct``, ``profit_base``, ``profit_improved``,
        ``profit_increase_pct`` (steady-state base profit per period) and the flags
        ``clv_in_range`` / ``profit_in_range``. A percentage of a non-positive base is
        meaningless: it is NaN there and ``base_profitable`` is False.

    Notes
    -----
    Without acquisition costs the percentage gain grows with the base retention rate
    (it is a ratio of geometric sums). With acquisition costs it is largest near
    break-even, where the base profit is small: one source of the large figures quoted.

    Examples
    --------
    >>> table = reichheld_table([0.8, 0.9], margin_growth=[0.0], discount_rate=[0.1], acquisition_cost=[0.0],
    ...                         horizon=[None])
    >>> table[["base_retention", "clv_increase_pct", "profit_increase_pct", "profit_in_range"]].round(2)
       base_retention  clv_increase_pct  profit_increase_pct  profit_in_range
    0             0.8             20.00                33.33             True
    1             0.9             33.33               100.00            False
    """
    if not 0 < increase < 1:
        raise ValueError(f"increase={increase!r}; use percentage points as a fraction, e.g. 0.05")
    low, high = reichheld_range
    rows = []
    grid = product(np.atleast_1d(base_retention), np.atleast_1d(margin_growth), np.atleast_1d(discount_rate),
                   np.atleast_1d(acquisition_cost), list(horizon) if np.ndim(horizon) else [horizon])
    for r, g, d, ac, h in grid:
        r = float(r)
        r_new = r + increase
        if r_new > 1:
            raise ValueError(f"base retention {r} + {increase} exceeds 1")
        values = retention_value([r, r_new], margin=1.0, margin_growth=float(g), acquisition_cost=float(ac),
                                 discount_rate=float(d), horizon=h)
        clv, profit = values["clv"].to_numpy(), values["base_profit"].to_numpy()
        rows.append({"base_retention": r, "improved_retention": r_new, "margin_growth": float(g),
                     "discount_rate": float(d), "acquisition_cost": float(ac),
                     "horizon": np.inf if h is None else float(h),
                     "clv_base": clv[0], "clv_improved": clv[1], "profit_base": profit[0],
                     "profit_improved": profit[1]})
    table = pd.DataFrame(rows)
    table["clv_increase_pct"] = _pct(table["clv_improved"].to_numpy(), table["clv_base"].to_numpy())
    table["profit_increase_pct"] = _pct(table["profit_improved"].to_numpy(), table["profit_base"].to_numpy())
    table["base_profitable"] = table["profit_base"] > 0
    table["clv_in_range"] = table["clv_increase_pct"].between(low, high)
    table["profit_in_range"] = table["profit_increase_pct"].between(low, high)
    table.attrs.update(increase=increase, reichheld_range=reichheld_range)
    return table


# --------------------------------------------------------------------------- #
# The firm's own figure
# --------------------------------------------------------------------------- #
@dataclass(repr=False)
class RetentionEconomics(Result):
    """Retention economics estimated from a transaction log (see :func:`retention_economics`).

    Attributes
    ----------
    retention_rate_ : float
        Period-to-period retention of active customers (pooled over cohorts).
    annual_retention_ : float
        ``retention_rate_ ** periods_per_year``.
    margin_ : float
        Margin per active customer in a period, fitted at tenure 0 (see Notes there).
    margin_growth_ : float
        Growth of the margin per active customer per period of tenure.
    margin_by_tenure_ : DataFrame
        ``period``, ``active``, ``margin``, ``margin_per_active``.
    acquisition_cost_, discount_rate_ : float
        Per customer; per period (converted from the annual rate).
    values_ : DataFrame
        :func:`retention_value` at the firm's retention and at ``increase`` more
        (annual points), index ``scenario``.
    curve_ : DataFrame
        CLV and base profit over annual retention 0.05–0.95 (step 0.05), with the
        per-period rate, for a retention→profit chart.
    clv_increase_pct_, profit_increase_pct_ : float
    in_reichheld_range_ : bool
        Whether ``profit_increase_pct_`` lies in 25–95%.
    """

    retention_rate_: float
    annual_retention_: float
    margin_: float
    margin_growth_: float
    margin_by_tenure_: pd.DataFrame
    acquisition_cost_: float
    discount_rate_: float
    values_: pd.DataFrame
    curve_: pd.DataFrame
    clv_increase_pct_: float
    profit_increase_pct_: float
    in_reichheld_range_: bool
    period: str
    increase: float

    def summary(self) -> pd.DataFrame:
        items = {
            "retention rate per period": self.retention_rate_, "annual retention": self.annual_retention_,
            "margin per active customer-period (tenure 0)": self.margin_,
            "margin growth per period": self.margin_growth_, "acquisition cost": self.acquisition_cost_,
            "discount rate per period": self.discount_rate_, "CLV increase (%)": self.clv_increase_pct_,
            "base profit increase (%)": self.profit_increase_pct_,
        }
        return pd.DataFrame({"value": items}).rename_axis("figure")

    def describe(self) -> str:
        """One English sentence: the firm's profit gain against Reichheld's range."""
        points = f"{100 * self.increase:g}"
        verdict = "inside" if self.in_reichheld_range_ else "outside"
        return (f"On the firm's own data (annual retention {self.annual_retention_:.1%}), {points} points more "
                f"retention raise customer-base profit by {self.profit_increase_pct_:.1f}% and CLV by "
                f"{self.clv_increase_pct_:.1f}%, {verdict} Reichheld's 25–95% range.")


def retention_economics(tx: pd.DataFrame, customers: pd.DataFrame | None = None, *, period: str = "Q",
                        margin_rate: float | None = None, acquisition_cost: float | None = None,
                        discount_rate: float = 0.10, increase: float = 0.05, horizon_years: float | None = 10,
                        observation_end: Any = None) -> RetentionEconomics:
    """The profit gain from more retention implied by the firm's own transactions.

    Estimates, from acquisition cohorts (:func:`cohort_retention`, complete periods only):

    * the retention rate per period: active customers in period k + 1 over active
      customers in period k, pooled over cohorts and over k >= 1 (period 0 always
      contains the first purchase and is left out). In a non-contractual business this
      is the retention of *active* customers, a proxy;
    * the margin per active customer by tenure (``amount - cost``, or ``margin_rate *
      amount`` when there is no ``cost`` column), and its growth per period: a
      log-linear fit over k >= 1 weighted by active customers, ``margin_`` being the fit
      at tenure 0;
    * the acquisition cost: ``customers["acquisition_cost"].mean()`` unless given.

    Then :func:`retention_value` at that retention and at retention raised by
    ``increase`` *annual* points (converted to the period), with the annual
    ``discount_rate`` converted to the period.

    Parameters
    ----------
    tx : DataFrame
        Transaction log, with ``cost`` or with ``margin_rate`` given.
    customers : DataFrame, optional
        With ``acquisition_cost`` per customer.
    period : {"M", "Q", "Y", "W"}, default "Q"
    margin_rate : float, optional
    acquisition_cost : float, optional
    discount_rate : float, default 0.10
        Annual.
    increase : float, default 0.05
        Annual percentage points of retention.
    horizon_years : float or None, default 10
        Maximum tenure in years. None = no end, which diverges when the margin grows
        faster than customers leave.
    observation_end : date-like, optional

    Returns
    -------
    RetentionEconomics
    """
    check_frame(tx, "tx")
    require_log(tx)
    if period not in _PERIODS_PER_YEAR or period == "D":
        raise ValueError(f"period={period!r}; use 'W', 'M', 'Q' or 'Y'")
    per_year = _PERIODS_PER_YEAR[period]
    cohorts = cohort_retention(tx, period=period, observation_end=observation_end, drop_partial=True)
    counts = cohorts.counts_
    ages = counts.columns.to_numpy()
    if len(ages) < 3:
        raise ValueError(f"the log spans only {len(ages)} {period} periods; at least 3 are needed to estimate "
                         "retention beyond the first period (use a shorter period)")
    now, nxt = counts.to_numpy()[:, 1:-1], counts.to_numpy()[:, 2:]
    both = ~np.isnan(now) & ~np.isnan(nxt)
    if not both.any() or np.where(both, now, 0).sum() == 0:
        raise ValueError("no cohort is observed in two consecutive periods after its first; the log is too short")
    rate = float(np.where(both, nxt, 0).sum() / np.where(both, now, 0).sum())
    rate = min(rate, 1.0)

    # margin per active customer by tenure
    end = cohorts.observation_end
    inside = (tx["date"].dt.normalize() <= end).to_numpy()
    columns = ["customer_id", "date", "amount"] + (["cost"] if "cost" in tx.columns else [])
    sub = tx[columns] if inside.all() else tx.loc[inside, columns]  # only the columns needed
    if "cost" in sub.columns and margin_rate is None:
        margin_values = (sub["amount"] - sub["cost"]).to_numpy(dtype=np.float64)
    elif margin_rate is not None:
        margin_values = margin_rate * sub["amount"].to_numpy(dtype=np.float64)
    else:
        raise CvmDataError("the log has no 'cost' column; pass margin_rate= (margin as a share of sales)",
                           source="<DataFrame>", column="cost")
    periods = sub["date"].dt.to_period(period)
    period_ord = periods.array.asi8
    customer_codes = pd.factorize(sub["customer_id"])[0]  # integer keys: grouping by text is slow
    tenure = period_ord - pd.Series(period_ord).groupby(customer_codes).transform("min").to_numpy()
    kept = np.ones(len(sub), dtype=bool)
    if cohorts.partial_last_period:  # as in the cohort counts, leave out the cut-short last period
        kept = (period_ord != pd.Period(end, freq=periods.array.freq).ordinal) | (tenure == 0)
    margin_by = pd.Series(margin_values[kept]).groupby(tenure[kept]).sum()
    active = np.where(np.isnan(counts.to_numpy()), 0, counts.to_numpy()).sum(axis=0)
    by_tenure = pd.DataFrame({"period": ages, "active": active.astype(np.int64),
                              "margin": margin_by.reindex(ages, fill_value=0.0).to_numpy()})
    by_tenure["margin_per_active"] = by_tenure["margin"] / by_tenure["active"].where(by_tenure["active"] > 0)
    fit = by_tenure[(by_tenure["period"] >= 1) & (by_tenure["active"] > 0) & (by_tenure["margin_per_active"] > 0)]
    if len(fit) >= 2:
        slope, intercept = np.polyfit(fit["period"], np.log(fit["margin_per_active"]), 1,
                                      w=np.sqrt(fit["active"].to_numpy(dtype=np.float64)))
        margin, growth = float(np.exp(intercept)), float(np.expm1(slope))
    elif len(fit) == 1:
        margin, growth = float(fit["margin_per_active"].iloc[0]), 0.0
    else:
        raise ValueError("no positive margin after the first period; cannot value retention")

    if acquisition_cost is None:
        if customers is not None and "acquisition_cost" in customers.columns:
            acquisition_cost = float(customers["acquisition_cost"].mean())
        else:
            raise ValueError("pass acquisition_cost= or customers= with an 'acquisition_cost' column")
    d_period = (1.0 + discount_rate) ** (1.0 / per_year) - 1.0
    annual = rate**per_year
    if annual + increase >= 1:
        raise ValueError(f"annual retention {annual:.3f} + {increase} reaches 1; use a smaller increase")
    improved = (annual + increase) ** (1.0 / per_year)
    horizon = None if horizon_years is None else max(1, int(round(horizon_years * per_year)))
    options = dict(margin=margin, margin_growth=growth, acquisition_cost=acquisition_cost, discount_rate=d_period,
                   horizon=horizon)
    values = retention_value([rate, improved], **options)
    values.index = pd.Index(["firm", f"+{100 * increase:g} points"], name="scenario")
    values.insert(0, "annual_retention", [annual, annual + increase])
    values.insert(0, "retention_rate", [rate, improved])
    annual_grid = np.round(np.arange(0.05, 0.951, 0.05), 2)
    curve = retention_value(annual_grid ** (1.0 / per_year), **options).reset_index()
    curve.insert(0, "annual_retention", annual_grid)
    clv, profit = values["clv"].to_numpy(), values["base_profit"].to_numpy()
    clv_pct, profit_pct = float(_pct(clv[1:], clv[:1])[0]), float(_pct(profit[1:], profit[:1])[0])
    return RetentionEconomics(
        retention_rate_=rate, annual_retention_=annual, margin_=margin, margin_growth_=growth,
        margin_by_tenure_=by_tenure, acquisition_cost_=float(acquisition_cost), discount_rate_=d_period,
        values_=values, curve_=curve, clv_increase_pct_=clv_pct, profit_increase_pct_=profit_pct,
        in_reichheld_range_=bool(REICHHELD_RANGE[0] <= profit_pct <= REICHHELD_RANGE[1]), period=period,
        increase=increase)
