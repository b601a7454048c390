"""Tier migration: value tiers (or ABC classes) per period, the transition matrix between
two periods, entries and exits per tier and the hidden churn behind stable tier sizes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cvm_lib.segmentation._common import (ENTRY_STATE, EXIT_STATE, check_probability_thresholds, ordinal_positions,
                                          sorted_unique)
from cvm_lib.segmentation.pareto import _TOL

__all__ = ["DEFAULT_TIER_SHARES", "tiers_by_period", "MigrationResult", "tier_migration"]

#: Value tiers by share of the period's active customers, best first.
DEFAULT_TIER_SHARES: dict[str, float] = {"gold": 0.2, "silver": 0.3, "bronze": 0.5}

_PERIODS = ("M", "Q", "Y")


def tiers_by_period(tx: pd.DataFrame, *, period: str = "Q", method: str = "value-tiers",
                    shares: Mapping[str, float] | None = None, spend_thresholds: Mapping[str, float] | None = None,
                    abc_thresholds: Sequence[float] = (0.7, 0.9), observation_end: Any = None) -> pd.DataFrame:
    """Tier of every customer in every calendar period, from the period's spend.

    Only customers who bought in a period get a tier in it; the others are missing
    (NaN), which :func:`tier_migration` reads as "new" (before) or "lapsed" (after).

    Parameters
    ----------
    tx : DataFrame
        Tidy transaction log (``customer_id``, ``date``, ``amount``).
    period : {"M", "Q", "Y"}, default "Q"
        Calendar months, quarters or years.
    method : {"value-tiers", "abc"}, default "value-tiers"
        ``"value-tiers"``: tiers by rank of the period's spend (``shares``) or by fixed
        spend levels (``spend_thresholds``). ``"abc"``: :func:`abc_classes` on the
        period's spend (rule ``crossing="upper"``), tiers "A", "B", "C".
    shares : mapping, default DEFAULT_TIER_SHARES
        Tier → share of the period's buyers, best tier first, summing to 1
        (gold 20%, silver 30%, bronze 50%). Buyers are ranked by spend, largest first;
        equal spend is ordered by customer id (smaller id first), so tier sizes are
        exact (position ``p`` of ``n`` is in the tier whose cumulative share range
        holds ``p / n``).
    spend_thresholds : mapping, optional
        Tier → minimum spend in the period, e.g. ``{"gold": 1000, "silver": 300,
        "bronze": 0}``: a buyer gets the best tier whose minimum the spend reaches; below
        all minimums, no tier. Overrides ``shares``.
    abc_thresholds : sequence of float, default (0.7, 0.9)
    observation_end : date-like, optional
        Last day used (inclusive); the last period may be incomplete.

    Returns
    -------
    DataFrame
        Index ``customer_id``; one column per period from the first to the last
        (``pandas.Period``), values categorical with the tiers best first.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("abcdeabcde"),
    ...                    "date": pd.to_datetime(["2024-01-10"] * 5 + ["2024-04-10"] * 5),
    ...                    "amount": [100.0, 50, 40, 10, 5, 5, 50, 40, 10, 100]})
    >>> tiers_by_period(tx, shares={"gold": 0.2, "silver": 0.4, "bronze": 0.4})
    period       2024Q1  2024Q2
    customer_id
    a              gold  bronze
    b            silver  silver
    c            silver  silver
    d            bronze  bronze
    e            bronze    gold
    """
    from cvm_lib.summary import encode_log

    if period not in _PERIODS:
        raise ValueError(f"period={period!r}; use 'M' (months), 'Q' (quarters) or 'Y' (years)")
    if method not in ("value-tiers", "abc"):
        raise ValueError(f"method={method!r}; use 'value-tiers' or 'abc'")
    log = encode_log(tx, observation_end=observation_end)
    tx, days, end_day, codes, ids = log.tx, log.days, log.end_day, log.codes, log.ids
    k = log.n_customers
    periods = pd.PeriodIndex(days.astype("datetime64[D]"), freq=period)
    ordinal = periods.asi8
    p0 = int(ordinal.min())
    n_per = int(ordinal.max()) - p0 + 1
    # Spend per (customer, period) with at least one purchase.
    key = codes.astype(np.int64) * n_per + (ordinal - p0)
    uniq, inverse = sorted_unique(key, return_inverse=True)
    spend = np.bincount(inverse, weights=tx["amount"].to_numpy(dtype=np.float64))
    cust, per = uniq // n_per, uniq % n_per

    if method == "abc":
        ts = check_probability_thresholds(abc_thresholds, "abc_thresholds")
        tiers = [chr(ord("A") + i) for i in range(len(ts) + 1)]
        if (spend < 0).any():
            raise ValueError("method='abc' needs non-negative spend per customer and period; net returns make "
                             "some negative")
        order = ordinal_positions([per, -spend, cust])  # per period: largest spend first, then id
        srt = np.argsort(order)
        s_per, s_spend = per[srt], spend[srt]
        cum_after = np.cumsum(s_spend)
        period_total = np.bincount(s_per, weights=s_spend, minlength=n_per)
        period_start = np.concatenate(([0.0], np.cumsum(period_total)[:-1]))
        before = cum_after - s_spend - period_start[s_per]
        tot = period_total[s_per]
        code_sorted = np.zeros(len(srt), dtype=np.int64)
        for t in ts:
            code_sorted += before >= t * tot * (1 - _TOL)
        code_sorted[tot <= 0] = len(ts)  # a period without value: everyone in the last class
        tier_code = np.empty_like(code_sorted)
        tier_code[srt] = code_sorted
    elif spend_thresholds is not None:
        if not isinstance(spend_thresholds, Mapping) or not spend_thresholds:
            raise ValueError("spend_thresholds: expected a mapping {tier: minimum spend}, best tier first")
        tiers = list(spend_thresholds)
        minimums = np.array([float(spend_thresholds[t]) for t in tiers])
        if (np.diff(minimums) >= 0).any():
            raise ValueError(f"spend_thresholds={dict(spend_thresholds)!r}: list tiers best first with strictly "
                             "decreasing minimum spend")
        # Best tier whose minimum is reached: count of minimums NOT reached.
        tier_code = np.searchsorted(-minimums, -spend, side="left")
        tier_code = np.where(tier_code >= len(tiers), -1, tier_code)
    else:
        shares = dict(DEFAULT_TIER_SHARES if shares is None else shares)
        tiers = list(shares)
        values = np.array([float(shares[t]) for t in tiers])
        if not tiers or (values <= 0).any() or abs(values.sum() - 1) > 1e-9:
            raise ValueError(f"shares={shares!r}: expected positive tier shares summing to 1, best tier first")
        order = ordinal_positions([per, -spend, cust])
        n_in_period = np.bincount(per, minlength=n_per)
        period_first = np.concatenate(([0], np.cumsum(n_in_period)[:-1]))
        position = order - period_first[per]  # 0-based rank within the period
        bounds = np.cumsum(values)
        n_p = n_in_period[per].astype(np.float64)
        tier_code = np.zeros(len(spend), dtype=np.int64)
        for b in bounds[:-1]:
            tier_code += position >= b * n_p - 1e-9
    matrix = np.full((k, n_per), -1, dtype=np.int64)
    matrix[cust, per] = tier_code
    shown = [str(t) for t in tiers]
    if len(set(shown)) != len(shown):
        raise ValueError(f"tier names must be distinct, got {tiers}")
    labels = pd.period_range(periods.min(), periods.max(), freq=period)
    dtype = pd.CategoricalDtype(shown, ordered=True)
    out = pd.DataFrame({p: pd.Categorical.from_codes(matrix[:, j], dtype=dtype) for j, p in enumerate(labels)},
                       index=ids)
    out.columns = pd.PeriodIndex(labels, name="period")
    out.attrs.update(method=method, period=period, tiers=shown)
    return out


@dataclass(frozen=True, eq=False)
class MigrationResult:
    """Output of :func:`tier_migration`.

    Attributes
    ----------
    counts : DataFrame
        Transition counts: rows = tier in period A plus the entry state "new" (no tier in
        A), columns = tier in period B plus the exit state "lapsed" (no tier in B).
    shares : DataFrame
        ``counts`` divided by row totals (each row sums to 1; NaN for an empty row).
    flows : DataFrame
        Per tier: ``size_before``, ``size_after``, ``stayed``, ``entered`` (= ``from_new``
        + ``upgraded_in`` + ``downgraded_in``), ``exited`` (= ``lapsed`` +
        ``upgraded_out`` + ``downgraded_out``), ``net_change``, ``retention`` (stayed /
        size_before) and ``hidden_churn``.
    hidden_churn : int
        Total hidden churn over the tiers (see :func:`tier_migration`).
    hidden_churn_rate : float
        ``hidden_churn`` / customers in a tier in period A.
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    flows: pd.DataFrame
    hidden_churn: int
    hidden_churn_rate: float

    def __repr__(self) -> str:
        return (f"MigrationResult(tiers={self.flows.index.tolist()}, hidden_churn={self.hidden_churn}, "
                f"hidden_churn_rate={self.hidden_churn_rate:.3f})")

    @property
    def summary(self) -> pd.DataFrame:
        """The flows per tier (:attr:`flows`)."""
        return self.flows

    def _repr_html_(self) -> str:
        return self.summary.to_html()


def tier_migration(tiers_a: pd.Series, tiers_b: pd.Series, *,
                   order: Sequence[str] | None = None) -> MigrationResult:
    """Transition matrix of customers between tiers from period A to period B.

    A customer with no tier in A (missing or absent from ``tiers_a``) enters from
    "new"; a customer with no tier in B leaves to "lapsed". Customers without a tier in
    either period are ignored. Moving to a better tier (earlier in ``order``) is an
    upgrade.

    **Hidden churn.** A tier whose size stays flat can still lose members, replaced by
    arrivals. The hidden churn of a tier is the number of its leavers offset by
    arrivals, ``min(exited, entered)`` — all leavers when the size is exactly flat, the
    leavers beyond the net loss when it shrinks, the leavers when it grows. The total
    sums the tiers.

    Parameters
    ----------
    tiers_a, tiers_b : Series
        Tier per customer in periods A and B (e.g. two columns of
        :func:`tiers_by_period`), NaN = no tier.
    order : sequence of str, optional
        Tiers, best first. Default: the categories of a categorical input, else the
        sorted tier names.

    Returns
    -------
    MigrationResult

    Examples
    --------
    >>> a = pd.Series({"u": "gold", "v": "gold", "w": "silver", "x": "silver", "y": "silver"})
    >>> b = pd.Series({"u": "gold", "w": "gold", "x": "silver", "y": "gold", "z": "silver"})
    >>> m = tier_migration(a, b, order=["gold", "silver"])
    >>> m.counts
    to      gold  silver  lapsed
    from
    gold       1       0       1
    silver     2       1       0
    new        0       1       0
    >>> m.flows[["size_before", "size_after", "entered", "exited", "hidden_churn"]]
            size_before  size_after  entered  exited  hidden_churn
    tier
    gold              2           3        2       1             1
    silver            3           2        1       2             1
    >>> m.hidden_churn
    2
    """
    for what, s in (("tiers_a", tiers_a), ("tiers_b", tiers_b)):
        if not isinstance(s, pd.Series):
            raise ValueError(f"{what}: expected a Series of tiers indexed by customer, got {type(s).__name__}")
        if not s.index.is_unique:
            raise ValueError(f"{what}: expected one tier per customer (a unique index)")
    if order is None:
        cats: list[str] = []
        for s in (tiers_a, tiers_b):
            if isinstance(s.dtype, pd.CategoricalDtype):
                cats += [c for c in s.cat.categories if c not in cats]
        if not cats:
            cats = sorted(set(tiers_a.dropna().astype(str)) | set(tiers_b.dropna().astype(str)))
        order = cats
    order = [str(t) for t in order]
    if len(set(order)) != len(order):
        raise ValueError(f"order={order!r}: tier names must be distinct")
    new_state, lapsed_state = ENTRY_STATE, EXIT_STATE
    if new_state in order or lapsed_state in order:
        raise ValueError(f"tier names must not be {new_state!r} or {lapsed_state!r} (the entry and exit states)")
    index = tiers_a.index.union(tiers_b.index, sort=False)
    k = len(order)

    def codes(series: pd.Series, what: str) -> np.ndarray:
        s = series.reindex(index)
        present = s.notna().to_numpy()
        text = s[present].astype(str)
        unknown = set(text.unique()) - set(order)
        if unknown:
            raise ValueError(f"{what} has tier(s) {sorted(unknown)} not in order={order}")
        out = np.full(len(s), k, dtype=np.int64)  # k = the "new" / "lapsed" state
        out[present] = pd.Categorical(text, categories=order).codes
        return out

    ia, ib = codes(tiers_a, "tiers_a"), codes(tiers_b, "tiers_b")
    keep = (ia < k) | (ib < k)
    counts = np.zeros((k + 1, k + 1), dtype=np.int64)
    np.add.at(counts, (ia[keep], ib[keep]), 1)
    counts[k, k] = 0
    counts_df = pd.DataFrame(counts, index=pd.Index(order + [new_state], name="from"),
                             columns=pd.Index(order + [lapsed_state], name="to"))
    row_tot = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = pd.DataFrame(np.where(row_tot > 0, counts / np.where(row_tot > 0, row_tot, 1), np.nan),
                              index=counts_df.index, columns=counts_df.columns)
    t = counts[:k, :k]
    size_before = t.sum(axis=1) + counts[:k, k]
    size_after = t.sum(axis=0) + counts[k, :k]
    stayed = np.diag(t)
    down = np.triu(t, 1)  # from tier i to a worse tier j > i
    up = np.tril(t, -1)  # from tier i to a better tier j < i
    flows = pd.DataFrame({
        "size_before": size_before, "size_after": size_after, "stayed": stayed,
        "entered": size_after - stayed, "from_new": counts[k, :k],
        "upgraded_in": up.sum(axis=0), "downgraded_in": down.sum(axis=0),
        "exited": size_before - stayed, "lapsed": counts[:k, k],
        "upgraded_out": up.sum(axis=1), "downgraded_out": down.sum(axis=1),
        "net_change": size_after - size_before,
    }, index=pd.Index(order, name="tier"))
    with np.errstate(invalid="ignore", divide="ignore"):
        flows["retention"] = np.where(size_before > 0, stayed / np.where(size_before > 0, size_before, 1), np.nan)
    flows["hidden_churn"] = np.minimum(flows["exited"], flows["entered"])
    hidden = int(flows["hidden_churn"].sum())
    base = int(size_before.sum())
    return MigrationResult(counts=counts_df, shares=shares, flows=flows, hidden_churn=hidden,
                           hidden_churn_rate=hidden / base if base else float("nan"))
