"""Synthetic retail data with a known ground truth.

:func:`simulate_retail` generates a customer base, its transaction log and a
satisfaction survey from an explicit generative model (Pareto/NBD or BG/NBD
purchasing, Gamma-Gamma spend, exponential lifetimes with a randomised
retention programme, a one-factor satisfaction model).  Every true parameter is
returned alongside the data, so that the estimators of the library (BTYD
models, survival models, churn classifiers, reliability analyses) can be checked
by parameter recovery.

All rates are per WEEK; calendar dates are whole days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd
from scipy import special

__all__ = ["RetailData", "simulate_retail", "ACQUISITION_CHANNELS"]

ACQUISITION_CHANNELS: tuple[str, ...] = (
    "organic",
    "price_promotion",
    "referral",
    "product_event",
)

DEFAULT_CHANNEL_SHARES: dict[str, float] = {
    "organic": 0.4,
    "price_promotion": 0.3,
    "referral": 0.2,
    "product_event": 0.1,
}

# Weekly units, CDNOW-like magnitudes (CDNOW Pareto/NBD: r=.55, alpha=10.6,
# s=.61, beta=11.7; BG/NBD: r=.24, alpha=4.4, a=.79, b=2.43).  The dropout
# side encodes the CRM finding that deal-acquired customers churn fastest and
# referred customers slowest: mean mu = s/beta is .117 (promotion), .035
# (organic), .028 (event), .014 (referral) per week.  Over a 2023 acquisition
# year observed to end-2024 this gives about 4.4 transactions per customer.
DEFAULT_PURCHASE_PARAMS: dict[str, dict[str, dict[str, float]]] = {
    "pareto_nbd": {
        "organic": {"r": 0.6, "alpha": 7.0, "s": 0.7, "beta": 20.0},
        "price_promotion": {"r": 0.6, "alpha": 7.0, "s": 0.7, "beta": 6.0},
        "referral": {"r": 0.6, "alpha": 7.0, "s": 0.7, "beta": 50.0},
        "product_event": {"r": 0.5, "alpha": 5.0, "s": 0.7, "beta": 25.0},
    },
    # Mean dropout probability per purchase a/(a+b): .40 promotion, .24
    # organic, .21 event, .13 referral.  a != 1 keeps the closed-form E[X(t)]
    # of Fader, Hardie & Lee (2005) usable.
    "bg_nbd": {
        "organic": {"r": 0.6, "alpha": 7.0, "a": 0.8, "b": 2.5},
        "price_promotion": {"r": 0.6, "alpha": 7.0, "a": 1.2, "b": 1.8},
        "referral": {"r": 0.6, "alpha": 7.0, "a": 0.6, "b": 4.0},
        "product_event": {"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 3.0},
    },
}

# Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"): mean spend per
# transaction p * gamma / (q - 1) = 30.
DEFAULT_SPEND_PARAMS: dict[str, float] = {"p": 6.0, "q": 4.0, "gamma": 15.0}

# Mean acquisition cost per customer (currency units).  A mass coupon is cheap
# per head, a referral bonus is paid to both parties, events are expensive.
ACQUISITION_COST_MEAN: dict[str, float] = {
    "organic": 4.0,
    "price_promotion": 8.0,
    "referral": 15.0,
    "product_event": 30.0,
}
ACQUISITION_COST_CV = 0.25

CATEGORIES: tuple[str, ...] = ("grocery", "household", "apparel", "electronics", "beauty")
CATEGORY_SHARES: tuple[float, ...] = (0.35, 0.20, 0.20, 0.10, 0.15)
CATEGORY_MARGINS: tuple[float, ...] = (0.25, 0.35, 0.50, 0.15, 0.55)
# Deal-acquired customers keep buying on promotion, so their goods cost a
# larger share of what they pay.
PROMOTION_MARGIN_PENALTY = 0.05
# Quantity = 1 + Poisson(amount / QUANTITY_UNIT_PRICE).
QUANTITY_UNIT_PRICE = 25.0
PURCHASE_CHANNELS: tuple[str, ...] = ("store", "online")
ONLINE_PROPENSITY_BETA = (2.0, 3.0)
MEMBER_SHARE = 0.6
COST_TO_SERVE_BETA = (4.0, 46.0)

# Satisfaction = store effect + individual part; sd of the store effects.
STORE_SATISFACTION_SD = 0.3
STORE_SHARE_CONCENTRATION = 5.0

SURVEY_LOADINGS: tuple[float, ...] = (0.85, 0.80, 0.75, 0.70, 0.60)
# Cut points of the standard-normal item propensity: P(1..5) = .05 .12 .25 .35 .23
SURVEY_THRESHOLDS: tuple[float, ...] = (-1.65, -0.95, -0.20, 0.75)
NPS_LOADING = 0.7
NPS_LOCATION, NPS_SCALE = 7.5, 2.0
COMPLAINT_INTERCEPT, COMPLAINT_SLOPE = -1.5, -0.5
RESOLUTION_SHAPE, RESOLUTION_SCALE_DAYS, RESOLUTION_SLOPE = 2.0, 3.0, -0.2
MEMBERSHIP_LOADING = 0.3
# P(1..5) = .40 .34 .16 .07 .03: most card holders see little value.
MEMBERSHIP_THRESHOLDS: tuple[float, ...] = (-0.25, 0.65, 1.30, 1.90)

_PROCESS_PARAMS = {"pareto_nbd": ("r", "alpha", "s", "beta"), "bg_nbd": ("r", "alpha", "a", "b")}
_DAYS_PER_WEEK = 7.0


@dataclass(frozen=True, eq=False)
class RetailData:
    """Output of :func:`simulate_retail`.

    Attributes
    ----------
    transactions : pandas.DataFrame
        One row per purchase, sorted by ``customer_id`` then ``date``.
    customers : pandas.DataFrame
        One row per customer, with observed attributes and the true latent
        values that generated the behaviour.
    survey : pandas.DataFrame
        Satisfaction survey answered by a random subset of customers.
    truth : dict
        Every true parameter of the generative process (rates per week).

    Notes
    -----
    ``eq=False``: instances compare and hash by identity, because element-wise
    DataFrame comparison has no single truth value.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    survey: pd.DataFrame
    truth: dict[str, Any]


def simulate_retail(
    n_customers: int = 5000,
    *,
    seed: int | np.random.SeedSequence | np.random.Generator | None = 0,
    start: str | pd.Timestamp = "2023-01-01",
    acquisition_days: int = 365,
    end: str | pd.Timestamp = "2024-12-31",
    process: Literal["pareto_nbd", "bg_nbd"] = "pareto_nbd",
    channel_shares: Mapping[str, float] | None = None,
    purchase_params: Mapping[str, Mapping[str, float]] | None = None,
    spend_params: Mapping[str, float] | None = None,
    programme_share: float = 0.5,
    programme_hazard_ratio: float = 0.7,
    satisfaction_dropout_corr: float = 0.3,
    survey_share: float = 0.3,
    n_regions: int = 4,
    n_stores: int = 12,
) -> RetailData:
    """Simulate a retail customer base with a known generative truth.

    Customers are acquired uniformly over ``acquisition_days`` days from
    ``start`` through one of four acquisition channels, buy according to a
    Pareto/NBD or BG/NBD process, spend according to the Gamma-Gamma model and
    are observed until the end of day ``end``.  Everything is vectorised with
    NumPy: one million customers (about 4.6 million transactions) take about
    five seconds and 1.3 GB of peak memory.

    Parameters
    ----------
    n_customers : int, default 5000
        Number of customers (>= 1).
    seed : int, SeedSequence, Generator or None, default 0
        Seed for :func:`numpy.random.default_rng`.  The same seed gives
        identical DataFrames.  Independent child streams are spawned for the
        customer base, the purchase process, the baskets and the survey, so
        changing e.g. ``survey_share`` leaves the transactions unchanged.
    start : str or Timestamp, default "2023-01-01"
        First possible acquisition date (a calendar day, no time of day).
    acquisition_days : int, default 365
        Acquisition dates are uniform on the whole days
        ``start, start + 1, ..., start + acquisition_days - 1``.
    end : str or Timestamp, default "2024-12-31"
        Last observed calendar day (inclusive).  Must not precede the last
        possible acquisition day.
    process : {"pareto_nbd", "bg_nbd"}, default "pareto_nbd"
        Purchase/dropout process, see Notes.
    channel_shares : mapping, optional
        Acquisition channel -> probability, summing to 1.  Channels left out
        get share 0.  Default: organic .4, price_promotion .3, referral .2,
        product_event .1.
    purchase_params : mapping, optional
        Channel -> {parameter: value} overriding the defaults of ``process``
        (partial overrides allowed).  Pareto/NBD parameters are ``r``,
        ``alpha``, ``s``, ``beta``; BG/NBD ones are ``r``, ``alpha``, ``a``,
        ``b``.  Rates are per week.  See ``DEFAULT_PURCHASE_PARAMS``.
    spend_params : mapping, optional
        Gamma-Gamma ``p``, ``q``, ``gamma`` (partial overrides allowed).
        Default p=6, q=4, gamma=15 (mean spend 30 per transaction).
    programme_share : float, default 0.5
        Probability that a customer is randomised into the retention
        programme, independently of everything else.
    programme_hazard_ratio : float, default 0.7
        Effect of the programme on dropout (see Notes).
    satisfaction_dropout_corr : float, default 0.3
        Gaussian-copula correlation between latent satisfaction and the
        customer's dropout propensity: satisfied customers have a lower
        ``true_mu`` / ``true_p``.  Must lie in [0, 1).  The copula leaves the
        Gamma (Beta) distribution of mu (p) exactly intact, so the closed-form
        BTYD results still hold.
    survey_share : float, default 0.3
        Share of customers (drawn without replacement) in the survey.
    n_regions, n_stores : int, default 4 and 12
        Store ``j`` (0-based) lies in region ``j % n_regions``;
        ``n_stores >= n_regions``.

    Returns
    -------
    RetailData
        ``transactions`` columns (exactly, in order):

        - ``customer_id`` (str): ``"C0000001"``, numbered in acquisition order;
        - ``date`` (datetime64[ns]): calendar day of the purchase;
        - ``amount`` (float64): spend, rounded to cents (>= 0.01);
        - ``quantity`` (int64): items, ``1 + Poisson(amount / 25)``;
        - ``channel`` (str): purchase channel, ``"online"`` or ``"store"``;
        - ``category`` (str): one of ``CATEGORIES``;
        - ``cost`` (float64): cost of goods,
          ``amount * (1 - category margin + 0.05 if price_promotion customer)``;
        - ``order_id`` (str): unique, ``"O"`` + sequence number.

        ``customers`` columns: ``customer_id``, ``acquisition_date``,
        ``acquisition_channel``, ``region``, ``store``, ``member`` (bool,
        loyalty card holder, probability 0.6), ``acquisition_cost`` (Gamma,
        CV 0.25, channel means in ``ACQUISITION_COST_MEAN``),
        ``cost_to_serve_rate`` (share of revenue, Beta(4, 46), mean 0.08),
        ``retention_programme`` (bool), ``true_lambda`` (purchases per week),
        ``true_mu`` (Pareto/NBD dropout rate per week) or ``true_p`` (BG/NBD
        dropout probability per repeat purchase), both BEFORE the programme
        effect, ``true_spend_mean`` (the customer's expected spend per
        transaction, ``p / nu``), ``dropout_date`` (NaT when alive at the
        end), ``alive_at_end`` (bool), ``satisfaction`` (latent).

        ``survey`` columns: ``customer_id``, ``store``, ``region``,
        ``sat_1`` ... ``sat_5`` (int64, 1-5), ``nps`` (int64, 0-10),
        ``complaints`` (int64), ``complaint_resolution_days`` (float64, NaN
        without complaint), ``membership_value`` (Int64, 1-5, <NA> for
        non-members, who are not asked).

        ``truth`` holds all parameters listed in Notes, under self-describing
        keys (``"purchase_params"``, ``"spend_params"``,
        ``"programme_hazard_ratio"``, ``"survey"``, ...).

    Raises
    ------
    ValueError
        On invalid arguments (unknown channel or parameter, shares not summing
        to 1, non-positive parameters, ``end`` before the last acquisition
        day, ...).

    Notes
    -----
    **Time.** A customer acquired on day ``d`` is observed for
    ``t = ((end - d).days + 1) / 7`` weeks: the acquisition day and ``end``
    are both complete days.  Purchase times are continuous and floored to the
    calendar day, so several purchases can share a date (count rows, not
    days, when comparing with the models).  The acquisition purchase happens
    at time 0, so the first transaction is on the acquisition date; the
    models' "repeat purchases" are all the later rows.

    **Pareto/NBD.** Per channel ``lambda ~ Gamma(shape=r, rate=alpha)`` and
    ``mu ~ Gamma(shape=s, rate=beta)``, independent.  The lifetime is
    ``tau ~ Exponential(rate=mu * h)`` with ``h = programme_hazard_ratio`` in
    the programme and ``h = 1`` otherwise (a proportional-hazards effect).
    Repeat purchases form a Poisson process of rate ``lambda`` on
    ``(0, min(tau, t)]``; ``dropout_date`` is the day of ``tau`` if
    ``tau < t``.  For programme customers ``mu * h ~ Gamma(s, beta / h)``.

    **BG/NBD.** ``lambda ~ Gamma(r, alpha)``, ``p ~ Beta(a, b)``.  Right
    after each repeat purchase the customer drops out with probability
    ``min(p * h, 1)`` (the programme scales the per-purchase dropout
    probability, a discrete analogue of a hazard ratio).  Simulated exactly
    as: ``N ~ Poisson(lambda t)`` purchase opportunities, ``J ~
    Geometric(p h)`` (the index of the purchase after which the customer
    leaves); the customer makes the first ``min(N, J)`` of the ``N`` sorted
    uniform times, and ``dropout_date`` is the day of purchase ``J`` when
    ``J <= N``.

    **Order statistics.** The first ``k`` of ``n`` sorted U(0, 1) draws are
    ``S_i / (S_k + G)``, ``i <= k``, where ``S_i`` are cumulative sums of
    standard exponentials and ``G ~ Gamma(n + 1 - k)``; this yields sorted
    times with one segmented cumulative sum and no sort.

    **Spend.** ``nu ~ Gamma(shape=q, rate=gamma)`` per customer, each
    transaction ``z ~ Gamma(shape=p, rate=nu)``; spend is independent of the
    purchase process, so mean spend per transaction is ``p gamma / (q - 1)``.

    **Satisfaction and survey.** ``satisfaction = u_store + sqrt(1 - 0.3**2)
    * e`` with ``u_store ~ N(0, 0.3**2)`` per store and ``e ~ N(0, 1)``, so it
    is standard normal over the population of stores.  The dropout quantile
    is ``Phi(-rho e + sqrt(1 - rho**2) eta)`` with ``rho =
    satisfaction_dropout_corr``.  Survey item ``k`` has the propensity
    ``L_k satisfaction + sqrt(1 - L_k**2) eps`` cut at ``SURVEY_THRESHOLDS``
    (loadings ``SURVEY_LOADINGS``); ``nps = clip(round(7.5 + 2 y), 0, 10)``
    with loading 0.7; ``complaints ~ Poisson(exp(-1.5 - 0.5 satisfaction))``;
    ``complaint_resolution_days`` is the mean of the customer's resolution
    times, each ``Gamma(2, scale=3 exp(-0.2 satisfaction))`` days;
    ``membership_value`` uses loading 0.3 and ``MEMBERSHIP_THRESHOLDS``.

    Examples
    --------
    >>> from cvm_lib.datasets.simulate import simulate_retail
    >>> data = simulate_retail(2000, seed=42)
    >>> data.transactions.columns.tolist()
    ['customer_id', 'date', 'amount', 'quantity', 'channel', 'category', 'cost', 'order_id']
    >>> data.customers.shape[0], data.survey.shape[0]
    (2000, 600)
    >>> data.truth["purchase_params"]["referral"]
    {'r': 0.6, 'alpha': 7.0, 's': 0.7, 'beta': 50.0}
    >>> first = data.transactions.groupby("customer_id")["date"].min()
    >>> bool((first.to_numpy() == data.customers["acquisition_date"].to_numpy()).all())
    True

    A single-channel BG/NBD population without the programme, e.g. to check
    a model's parameter recovery:

    >>> bg = simulate_retail(
    ...     1000, seed=1, process="bg_nbd", channel_shares={"referral": 1.0},
    ...     purchase_params={"referral": {"a": 0.9}}, programme_share=0.0)
    >>> bg.truth["purchase_params"]
    {'referral': {'r': 0.6, 'alpha': 7.0, 'a': 0.9, 'b': 4.0}}
    >>> "true_p" in bg.customers and "true_mu" not in bg.customers
    True
    """
    n = _check_int(n_customers, "n_customers", minimum=1)
    start_day, end_day = _to_day(start, "start"), _to_day(end, "end")
    acquisition_days = _check_int(acquisition_days, "acquisition_days", minimum=1)
    horizon_days = int((end_day - start_day) // np.timedelta64(1, "D")) + 1
    if acquisition_days > horizon_days:
        raise ValueError("end must not precede the last acquisition day start + acquisition_days - 1")
    if process not in _PROCESS_PARAMS:
        raise ValueError(f"process must be one of {sorted(_PROCESS_PARAMS)}, got {process!r}")
    shares = _resolve_shares(channel_shares)
    channels = [c for c in ACQUISITION_CHANNELS if shares[c] > 0]
    params = _resolve_purchase_params(process, channels, purchase_params)
    spend = _resolve_spend_params(spend_params)
    _check_probability(programme_share, "programme_share")
    _check_probability(survey_share, "survey_share")
    if not programme_hazard_ratio > 0:
        raise ValueError("programme_hazard_ratio must be positive")
    if not 0 <= satisfaction_dropout_corr < 1:
        raise ValueError("satisfaction_dropout_corr must lie in [0, 1)")
    n_regions = _check_int(n_regions, "n_regions", minimum=1)
    n_stores = _check_int(n_stores, "n_stores", minimum=n_regions)

    rng_customers, rng_purchases, rng_baskets, rng_survey = np.random.default_rng(seed).spawn(4)

    base = _simulate_customer_base(
        rng_customers, n, acquisition_days, shares, programme_share,
        satisfaction_dropout_corr, n_regions, n_stores,
    )
    observed_days = horizon_days - base["acq_day"]
    hazard_scale = np.where(base["programme"], programme_hazard_ratio, 1.0)
    purchases = _simulate_purchases(
        rng_purchases, process, params, base["channel"], base["dropout_quantile"],
        observed_days, hazard_scale,
    )
    baskets = _simulate_baskets(rng_baskets, spend, purchases["n_rows"], base["channel"])

    store_names = _numbered("S", n_stores)
    region_names = _numbered("R", n_regions)
    store_region = np.arange(n_stores) % n_regions
    customer_ids = _sequential_ids("C", n, width=7)
    customers = _customers_frame(
        customer_ids, base, purchases, baskets, start_day, store_names, region_names,
        store_region, process,
    )
    transactions = _transactions_frame(
        customer_ids, base, purchases, baskets, start_day, horizon_days,
    )
    survey = _simulate_survey(
        rng_survey, survey_share, customers[["customer_id", "store", "region", "member", "satisfaction"]],
    )

    truth = _constant_truth()
    truth["survey"]["share"] = float(survey_share)
    truth.update(
        process=process,
        time_unit="week",
        start=pd.Timestamp(start_day),
        end=pd.Timestamp(end_day),
        acquisition_days=acquisition_days,
        n_customers=n,
        channel_shares=shares,
        purchase_params=params,
        spend_params=spend,
        # Gamma-Gamma: E[p / nu] = p gamma / (q - 1), infinite for q <= 1.
        mean_spend_per_transaction=(
            spend["p"] * spend["gamma"] / (spend["q"] - 1) if spend["q"] > 1 else np.inf
        ),
        programme_share=float(programme_share),
        programme_hazard_ratio=float(programme_hazard_ratio),
        satisfaction_dropout_corr=float(satisfaction_dropout_corr),
        store_effects=dict(zip(store_names, base["store_effects"].tolist())),
        store_shares=dict(zip(store_names, base["store_shares"].tolist())),
        store_region={s: region_names[r] for s, r in zip(store_names, store_region)},
    )
    return RetailData(transactions=transactions, customers=customers, survey=survey, truth=truth)


# --------------------------------------------------------------------------- #
# Argument handling
# --------------------------------------------------------------------------- #
def _check_int(value: int, name: str, *, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_probability(value: float, name: str) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")


def _to_day(value: str | pd.Timestamp, name: str) -> np.datetime64:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None or stamp != stamp.normalize():
        raise ValueError(f"{name} must be a calendar date without time zone or time of day")
    return np.datetime64(stamp.date(), "D")


def _resolve_shares(channel_shares: Mapping[str, float] | None) -> dict[str, float]:
    given = DEFAULT_CHANNEL_SHARES if channel_shares is None else channel_shares
    unknown = set(given) - set(ACQUISITION_CHANNELS)
    if unknown:
        raise ValueError(f"unknown acquisition channels {sorted(unknown)}; use {ACQUISITION_CHANNELS}")
    shares = {c: float(given.get(c, 0.0)) for c in ACQUISITION_CHANNELS}
    if min(shares.values()) < 0 or not np.isclose(sum(shares.values()), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"channel_shares must be non-negative and sum to 1, got {dict(given)}")
    return shares


def _resolve_purchase_params(
    process: str, channels: list[str], overrides: Mapping[str, Mapping[str, float]] | None
) -> dict[str, dict[str, float]]:
    """Defaults of ``process`` for the channels in use, with overrides applied."""
    overrides = overrides or {}
    unknown = set(overrides) - set(ACQUISITION_CHANNELS)
    if unknown:
        raise ValueError(f"purchase_params: unknown channels {sorted(unknown)}")
    names = _PROCESS_PARAMS[process]
    resolved = {}
    for channel in channels:
        extra = set(overrides.get(channel, {})) - set(names)
        if extra:
            raise ValueError(
                f"purchase_params[{channel!r}]: {sorted(extra)} are not {process} parameters {names}"
            )
        merged = {**DEFAULT_PURCHASE_PARAMS[process][channel], **overrides.get(channel, {})}
        resolved[channel] = {k: _positive(merged[k], f"purchase_params[{channel!r}][{k!r}]") for k in names}
    return resolved


def _resolve_spend_params(overrides: Mapping[str, float] | None) -> dict[str, float]:
    overrides = overrides or {}
    extra = set(overrides) - set(DEFAULT_SPEND_PARAMS)
    if extra:
        raise ValueError(f"spend_params: {sorted(extra)} are not Gamma-Gamma parameters (p, q, gamma)")
    merged = {**DEFAULT_SPEND_PARAMS, **overrides}
    return {k: _positive(v, f"spend_params[{k!r}]") for k, v in merged.items()}


def _positive(value: float, name: str) -> float:
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- #
# Generative steps
# --------------------------------------------------------------------------- #
def _simulate_customer_base(
    rng: np.random.Generator,
    n: int,
    acquisition_days: int,
    shares: dict[str, float],
    programme_share: float,
    rho: float,
    n_regions: int,
    n_stores: int,
) -> dict[str, np.ndarray]:
    """Customer-level draws that do not depend on the purchase process."""
    # Sorted so that customer numbers increase with the acquisition date, as
    # sequential ids do in a real CRM system; draws are iid, so this only
    # relabels customers.
    acq_day = np.sort(rng.integers(0, acquisition_days, size=n))
    channel = rng.choice(len(ACQUISITION_CHANNELS), size=n, p=list(shares.values()))
    store_shares = rng.dirichlet(np.full(n_stores, STORE_SHARE_CONCENTRATION))
    store = rng.choice(n_stores, size=n, p=store_shares)
    member = rng.random(n) < MEMBER_SHARE
    cost_mean = np.array([ACQUISITION_COST_MEAN[c] for c in ACQUISITION_CHANNELS])[channel]
    cost_shape = ACQUISITION_COST_CV**-2
    acquisition_cost = np.round(rng.gamma(cost_shape, cost_mean / cost_shape), 2)
    cost_to_serve = rng.beta(*COST_TO_SERVE_BETA, size=n)
    programme = rng.random(n) < programme_share
    store_effects = rng.normal(0.0, STORE_SATISFACTION_SD, size=n_stores)
    individual = rng.standard_normal(n)
    satisfaction = store_effects[store] + np.sqrt(1 - STORE_SATISFACTION_SD**2) * individual
    # The copula uses the individual part only: it is exactly N(0, 1) whatever
    # the realised store effects, so mu (p) keeps its exact Gamma (Beta) law.
    dropout_latent = -rho * individual + np.sqrt(1 - rho**2) * rng.standard_normal(n)
    return {
        "acq_day": acq_day,
        "channel": channel,
        "store": store,
        "store_shares": store_shares,
        "store_effects": store_effects,
        "member": member,
        "acquisition_cost": acquisition_cost,
        "cost_to_serve": cost_to_serve,
        "programme": programme,
        "satisfaction": satisfaction,
        # Kept below 1 so that the Gamma quantile of mu stays finite.
        "dropout_quantile": np.minimum(special.ndtr(dropout_latent), np.nextafter(1.0, 0.0)),
    }


def _channel_values(params: dict[str, dict[str, float]], channel: np.ndarray, name: str) -> np.ndarray:
    """Per-customer value of parameter ``name`` of the customer's channel."""
    lookup = np.zeros(len(ACQUISITION_CHANNELS))
    for c, values in params.items():
        lookup[ACQUISITION_CHANNELS.index(c)] = values[name]
    return lookup[channel]


def _simulate_purchases(
    rng: np.random.Generator,
    process: str,
    params: dict[str, dict[str, float]],
    channel: np.ndarray,
    dropout_quantile: np.ndarray,
    observed_days: np.ndarray,
    hazard_scale: np.ndarray,
) -> dict[str, np.ndarray]:
    """Latent rates, repeat-purchase times and dropout times.

    Returns times in days since acquisition: ``repeat_days`` (flat,
    customer-major, sorted within customer), ``dropout_days`` (inf when alive
    at the end), plus ``n_rows`` (transactions per customer, acquisition
    included) and the latent ``lambda`` and ``mu`` or ``p``.
    """
    def value(name: str) -> np.ndarray:
        return _channel_values(params, channel, name)

    lam = rng.gamma(value("r"), 1.0 / value("alpha"))
    out: dict[str, np.ndarray] = {"lambda": lam}
    if process == "pareto_nbd":
        mu = special.gammaincinv(value("s"), dropout_quantile) / value("beta")
        with np.errstate(divide="ignore"):  # mu == 0: the customer never leaves
            tau_days = rng.standard_exponential(len(mu)) / (mu * hazard_scale) * _DAYS_PER_WEEK
        span_days = np.minimum(tau_days, observed_days)
        n_repeat = rng.poisson(lam * span_days / _DAYS_PER_WEEK)
        fractions = _leading_order_statistics(rng, n_repeat, n_repeat)
        # fractions <= 1, so no purchase falls after the dropout instant.
        repeat_days = np.repeat(span_days, n_repeat) * fractions
        dropout_days = np.where(tau_days < observed_days, tau_days, np.inf)
        out["mu"] = mu
    else:
        p = special.betaincinv(value("a"), value("b"), dropout_quantile)
        # Tiny floor: numpy's geometric needs p > 0 (p == 0 means "never leaves").
        p_eff = np.clip(p * hazard_scale, 1e-12, 1.0)
        n_opportunities = rng.poisson(lam * observed_days / _DAYS_PER_WEEK)
        last_purchase = rng.geometric(p_eff)
        n_repeat = np.minimum(n_opportunities, last_purchase)
        fractions = _leading_order_statistics(rng, n_repeat, n_opportunities)
        repeat_days = np.repeat(observed_days, n_repeat) * fractions
        leaves = last_purchase <= n_opportunities
        dropout_days = np.full(len(p), np.inf)
        # The customer leaves right after purchase J, the last of their rows.
        dropout_days[leaves] = repeat_days[np.cumsum(n_repeat)[leaves] - 1]
        out["p"] = p
    out.update(repeat_days=repeat_days, dropout_days=dropout_days, n_rows=n_repeat + 1)
    return out


def _leading_order_statistics(
    rng: np.random.Generator, n_kept: np.ndarray, n_total: np.ndarray
) -> np.ndarray:
    """First ``n_kept[i]`` of ``n_total[i]`` sorted U(0, 1) draws, per customer.

    Uses ``U_(i) = S_i / S_{n+1}`` with ``S`` cumulative sums of standard
    exponentials; ``S_{n+1} - S_k ~ Gamma(n + 1 - k)`` is drawn in one go, so
    only the kept values are generated.  Returned flat, customer-major.
    """
    gaps = rng.standard_exponential(int(n_kept.sum()))
    running = np.concatenate(([0.0], np.cumsum(gaps)))
    seg_end = np.cumsum(n_kept)
    seg_start = seg_end - n_kept
    before = running[seg_start]
    cumulative = running[1:] - np.repeat(before, n_kept)
    total = running[seg_end] - before + rng.standard_gamma(n_total - n_kept + 1.0)
    return cumulative / np.repeat(total, n_kept)


def _simulate_baskets(
    rng: np.random.Generator, spend: dict[str, float], n_rows: np.ndarray, channel: np.ndarray
) -> dict[str, np.ndarray]:
    """Per-transaction amount, quantity, purchase channel, category and cost."""
    n = len(n_rows)
    owner = np.repeat(np.arange(n), n_rows)
    nu = rng.gamma(spend["q"], 1.0 / spend["gamma"], size=n)
    amount = np.maximum(np.round(rng.standard_gamma(spend["p"], size=len(owner)) / nu[owner], 2), 0.01)
    quantity = 1 + rng.poisson(amount / QUANTITY_UNIT_PRICE)
    online_propensity = rng.beta(*ONLINE_PROPENSITY_BETA, size=n)
    online = rng.random(len(owner)) < online_propensity[owner]
    category = rng.choice(len(CATEGORIES), size=len(owner), p=CATEGORY_SHARES)
    promo = channel[owner] == ACQUISITION_CHANNELS.index("price_promotion")
    cost_share = 1.0 - np.asarray(CATEGORY_MARGINS)[category] + PROMOTION_MARGIN_PENALTY * promo
    return {
        "owner": owner,
        "spend_mean": spend["p"] / nu,
        "amount": amount,
        "quantity": quantity.astype(np.int64),
        "online": online,
        "category": category,
        "cost": np.round(amount * cost_share, 2),
    }


def _simulate_survey(rng: np.random.Generator, share: float, people: pd.DataFrame) -> pd.DataFrame:
    """Survey answers of a random ``share`` of ``people``."""
    n = len(people)
    chosen = np.sort(rng.choice(n, size=round(share * n), replace=False))
    people = people.iloc[chosen].reset_index(drop=True)
    sat = people["satisfaction"].to_numpy()
    k = len(sat)

    def propensity(loading: float) -> np.ndarray:
        return loading * sat + np.sqrt(1 - loading**2) * rng.standard_normal(k)

    survey = people[["customer_id", "store", "region"]].copy()
    for name, loading in zip(_item_names(), SURVEY_LOADINGS):
        survey[name] = _likert(propensity(loading), SURVEY_THRESHOLDS)
    nps = np.rint(NPS_LOCATION + NPS_SCALE * propensity(NPS_LOADING))
    survey["nps"] = np.clip(nps, 0, 10).astype(np.int64)
    complaints = rng.poisson(np.exp(COMPLAINT_INTERCEPT + COMPLAINT_SLOPE * sat))
    survey["complaints"] = complaints.astype(np.int64)
    # Mean of c iid Gamma(shape, scale) resolution times is Gamma(c shape, scale / c).
    has = complaints > 0
    resolution = np.full(k, np.nan)
    scale = RESOLUTION_SCALE_DAYS * np.exp(RESOLUTION_SLOPE * sat[has])
    resolution[has] = rng.gamma(RESOLUTION_SHAPE * complaints[has], scale / complaints[has])
    survey["complaint_resolution_days"] = resolution
    membership = _likert(propensity(MEMBERSHIP_LOADING), MEMBERSHIP_THRESHOLDS)
    # Only card holders are asked; the others get <NA>.
    survey["membership_value"] = pd.arrays.IntegerArray(membership, mask=~people["member"].to_numpy())
    return survey


def _likert(latent: np.ndarray, thresholds: tuple[float, ...]) -> np.ndarray:
    return (1 + np.searchsorted(np.asarray(thresholds), latent)).astype(np.int64)


# --------------------------------------------------------------------------- #
# Table assembly
# --------------------------------------------------------------------------- #
def _customers_frame(
    customer_ids: pd.api.extensions.ExtensionArray,
    base: dict[str, np.ndarray],
    purchases: dict[str, np.ndarray],
    baskets: dict[str, np.ndarray],
    start_day: np.datetime64,
    store_names: list[str],
    region_names: list[str],
    store_region: np.ndarray,
    process: str,
) -> pd.DataFrame:
    dropout_days = purchases["dropout_days"]
    alive = np.isinf(dropout_days)
    dropout_offset = np.floor(np.where(alive, 0.0, dropout_days)).astype(np.int64)
    dropout_date = _dates(start_day, base["acq_day"] + dropout_offset)
    dropout_date[alive] = np.datetime64("NaT")
    latent = ("true_mu", purchases["mu"]) if process == "pareto_nbd" else ("true_p", purchases["p"])
    return pd.DataFrame(
        {
            "customer_id": customer_ids,
            "acquisition_date": _dates(start_day, base["acq_day"]),
            "acquisition_channel": _labels(ACQUISITION_CHANNELS, base["channel"]),
            "region": _labels(region_names, store_region[base["store"]]),
            "store": _labels(store_names, base["store"]),
            "member": base["member"],
            "acquisition_cost": base["acquisition_cost"],
            "cost_to_serve_rate": base["cost_to_serve"],
            "retention_programme": base["programme"],
            "true_lambda": purchases["lambda"],
            latent[0]: latent[1],
            "true_spend_mean": baskets["spend_mean"],
            "dropout_date": dropout_date,
            "alive_at_end": alive,
            "satisfaction": base["satisfaction"],
        }
    )


def _transactions_frame(
    customer_ids: pd.api.extensions.ExtensionArray,
    base: dict[str, np.ndarray],
    purchases: dict[str, np.ndarray],
    baskets: dict[str, np.ndarray],
    start_day: np.datetime64,
    horizon_days: int,
) -> pd.DataFrame:
    owner = baskets["owner"]
    n_rows = purchases["n_rows"]
    # Acquisition purchase at time 0, then the (sorted) repeat purchases.
    offset = np.zeros(len(owner))
    is_repeat = np.ones(len(owner), dtype=bool)
    is_repeat[np.cumsum(n_rows) - n_rows] = False
    offset[is_repeat] = purchases["repeat_days"]
    # A fraction rounded up to exactly 1 would land on the day after `end`.
    day = np.minimum(base["acq_day"][owner] + np.floor(offset).astype(np.int64), horizon_days - 1)
    return pd.DataFrame(
        {
            "customer_id": customer_ids.take(owner),
            "date": _dates(start_day, day),
            "amount": baskets["amount"],
            "quantity": baskets["quantity"],
            "channel": _labels(PURCHASE_CHANNELS, baskets["online"].astype(np.intp)),
            "category": _labels(CATEGORIES, baskets["category"]),
            "cost": baskets["cost"],
            "order_id": _sequential_ids("O", len(owner), width=9),
        }
    )


def _constant_truth() -> dict[str, Any]:
    """Fixed (module-level) parameters of the customer, basket and survey models."""
    return {
        "store_satisfaction_sd": STORE_SATISFACTION_SD,
        "member_share": MEMBER_SHARE,
        "acquisition_cost_mean": dict(ACQUISITION_COST_MEAN),
        "acquisition_cost_cv": ACQUISITION_COST_CV,
        "cost_to_serve_beta": COST_TO_SERVE_BETA,
        "online_propensity_beta": ONLINE_PROPENSITY_BETA,
        "category_shares": dict(zip(CATEGORIES, CATEGORY_SHARES)),
        "category_margins": dict(zip(CATEGORIES, CATEGORY_MARGINS)),
        "promotion_margin_penalty": PROMOTION_MARGIN_PENALTY,
        "quantity_unit_price": QUANTITY_UNIT_PRICE,
        "survey": {
            "loadings": dict(zip(_item_names(), SURVEY_LOADINGS)),
            "thresholds": SURVEY_THRESHOLDS,
            "nps_loading": NPS_LOADING,
            "nps_location": NPS_LOCATION,
            "nps_scale": NPS_SCALE,
            "complaint_log_rate": {"intercept": COMPLAINT_INTERCEPT, "satisfaction": COMPLAINT_SLOPE},
            "resolution_days": {
                "shape": RESOLUTION_SHAPE,
                "scale": RESOLUTION_SCALE_DAYS,
                "satisfaction_log_scale": RESOLUTION_SLOPE,
            },
            "membership_loading": MEMBERSHIP_LOADING,
            "membership_thresholds": MEMBERSHIP_THRESHOLDS,
        },
    }


def _dates(start_day: np.datetime64, day_offsets: np.ndarray) -> np.ndarray:
    return (start_day + day_offsets.astype("timedelta64[D]")).astype("datetime64[ns]")


def _labels(names: tuple[str, ...] | list[str], codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """String array ``names[codes]`` built with one Arrow take (no Python loop)."""
    return pd.array(list(names), dtype="str").take(codes)


def _numbered(prefix: str, count: int) -> list[str]:
    width = len(str(count))
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def _sequential_ids(prefix: str, count: int, *, width: int) -> pd.api.extensions.ExtensionArray:
    width = max(width, len(str(count)))
    digits = pd.Series(np.arange(1, count + 1)).astype("str").str.zfill(width)
    return (prefix + digits).array


def _item_names() -> list[str]:
    return [f"sat_{i}" for i in range(1, len(SURVEY_LOADINGS) + 1)]
