"""Tests for cvm_lib.datasets.simulate: schema, integrity and parameter truth.

Truth checks compare simulated averages with closed-form BTYD results; the
tolerance is ``Z`` standard errors estimated from the simulated data itself.
"""

from __future__ import annotations

import doctest
import time

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from cvm_lib.datasets import simulate as simulate_module
from cvm_lib.datasets.simulate import RetailData, simulate_retail

Z = 4.0  # standard errors allowed in the statistical checks
N_TRUTH = 40_000

TRANSACTION_DTYPES = {
    "customer_id": "str",
    "date": "datetime64[ns]",
    "amount": "float64",
    "quantity": "int64",
    "channel": "str",
    "category": "str",
    "cost": "float64",
    "order_id": "str",
}
CUSTOMER_DTYPES = {
    "customer_id": "str",
    "acquisition_date": "datetime64[ns]",
    "acquisition_channel": "str",
    "region": "str",
    "store": "str",
    "member": "bool",
    "acquisition_cost": "float64",
    "cost_to_serve_rate": "float64",
    "retention_programme": "bool",
    "true_lambda": "float64",
    "true_mu": "float64",
    "true_spend_mean": "float64",
    "dropout_date": "datetime64[ns]",
    "alive_at_end": "bool",
    "satisfaction": "float64",
}
SURVEY_DTYPES = {
    "customer_id": "str",
    "store": "str",
    "region": "str",
    **{f"sat_{i}": "int64" for i in range(1, 6)},
    "nps": "int64",
    "complaints": "int64",
    "complaint_resolution_days": "float64",
    "membership_value": "Int64",
}


@pytest.fixture(scope="module", params=["pareto_nbd", "bg_nbd"])
def data(request) -> RetailData:
    return simulate_retail(5000, seed=3, process=request.param)


def observation_weeks(customers: pd.DataFrame, end: pd.Timestamp) -> np.ndarray:
    """Each customer's observation length t, as documented: whole days incl. both ends."""
    return ((end - customers["acquisition_date"]).dt.days.to_numpy() + 1) / 7.0


def repeat_counts(d: RetailData) -> np.ndarray:
    counts = d.transactions.groupby("customer_id").size()
    return counts.reindex(d.customers["customer_id"]).to_numpy() - 1


def assert_close(sample: np.ndarray, expected: float) -> None:
    se = sample.std(ddof=1) / np.sqrt(len(sample))
    assert abs(sample.mean() - expected) < Z * se, (sample.mean(), expected, se)


# --------------------------------------------------------------------------- #
# Determinism
# --------------------------------------------------------------------------- #
def test_same_seed_gives_identical_data():
    a, b = simulate_retail(2000, seed=11), simulate_retail(2000, seed=11)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.survey, b.survey)
    assert a.truth == b.truth


def test_different_seed_gives_different_data():
    a, b = simulate_retail(2000, seed=11), simulate_retail(2000, seed=12)
    assert not a.customers["true_lambda"].equals(b.customers["true_lambda"])
    assert not a.transactions["amount"].head(500).equals(b.transactions["amount"].head(500))


def test_survey_share_does_not_change_transactions():
    # Independent child streams: the survey cannot perturb the purchases.
    a = simulate_retail(2000, seed=5, survey_share=0.1)
    b = simulate_retail(2000, seed=5, survey_share=0.9)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    assert len(a.survey) == 200 and len(b.survey) == 1800


# --------------------------------------------------------------------------- #
# Schema and integrity
# --------------------------------------------------------------------------- #
def test_schema(data):
    customer_dtypes = dict(CUSTOMER_DTYPES)
    if data.truth["process"] == "bg_nbd":
        customer_dtypes = {("true_p" if k == "true_mu" else k): v for k, v in customer_dtypes.items()}
    for frame, expected in [
        (data.transactions, TRANSACTION_DTYPES),
        (data.customers, customer_dtypes),
        (data.survey, SURVEY_DTYPES),
    ]:
        assert list(frame.columns) == list(expected)
        assert {c: str(t) for c, t in frame.dtypes.items()} == expected
        assert isinstance(frame.index, pd.RangeIndex)
    assert data.customers["customer_id"].iloc[0] == "C0000001"
    assert data.customers["customer_id"].is_unique


def test_transaction_values(data):
    tx, customers = data.transactions, data.customers
    assert (tx["date"] == tx["date"].dt.normalize()).all()
    assert np.allclose(tx["amount"] * 100, np.round(tx["amount"] * 100))
    assert (tx["amount"] >= 0.01).all()
    assert ((tx["cost"] > 0) & (tx["cost"] <= tx["amount"])).all()
    assert (tx["quantity"] >= 1).all()
    assert set(tx["channel"].unique()) == {"online", "store"}
    assert set(tx["category"].unique()) == set(simulate_module.CATEGORIES)
    assert tx["order_id"].is_unique
    assert set(tx["customer_id"].unique()) <= set(customers["customer_id"])
    assert set(customers["acquisition_channel"].unique()) == set(simulate_module.ACQUISITION_CHANNELS)


def test_transactions_sorted_and_within_lifetime(data):
    tx, customers = data.transactions, data.customers
    assert tx.equals(tx.sort_values(["customer_id", "date"], kind="stable", ignore_index=True))
    by_customer = tx.groupby("customer_id")["date"].agg(["min", "max"]).reindex(customers["customer_id"])
    assert (by_customer["min"].to_numpy() == customers["acquisition_date"].to_numpy()).all()
    assert by_customer["max"].max() <= data.truth["end"]
    dead = ~customers["alive_at_end"].to_numpy()
    assert customers["dropout_date"].isna().to_numpy().tolist() == (~dead).tolist()
    assert (by_customer["max"].to_numpy()[dead] <= customers["dropout_date"].to_numpy()[dead]).all()
    assert (customers["dropout_date"][dead] >= customers["acquisition_date"][dead]).all()
    assert customers["dropout_date"].max() <= data.truth["end"]
    acquired = customers["acquisition_date"]
    assert acquired.min() >= data.truth["start"]
    assert acquired.max() < data.truth["start"] + pd.Timedelta(days=data.truth["acquisition_days"])
    assert acquired.is_monotonic_increasing  # ids follow the acquisition order


def test_bg_nbd_dropout_follows_last_purchase():
    d = simulate_retail(3000, seed=4, process="bg_nbd")
    last = d.transactions.groupby("customer_id")["date"].max().reindex(d.customers["customer_id"]).to_numpy()
    dead = ~d.customers["alive_at_end"].to_numpy()
    assert dead.any()
    assert (last[dead] == d.customers["dropout_date"].to_numpy()[dead]).all()


def test_single_day_window_and_empty_survey():
    d = simulate_retail(50, seed=0, start="2024-01-01", end="2024-01-01", acquisition_days=1, survey_share=0)
    assert (d.transactions["date"] == pd.Timestamp("2024-01-01")).all()
    assert d.survey.empty and {c: str(t) for c, t in d.survey.dtypes.items()} == SURVEY_DTYPES


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_customers": 0},
        {"process": "bgnbd"},
        {"channel_shares": {"organic": 0.5}},
        {"channel_shares": {"tv": 1.0}},
        {"purchase_params": {"organic": {"s": 1.0, "a": 1.0}}},
        {"purchase_params": {"organic": {"beta": -1.0}}},
        {"spend_params": {"v": 1.0}},
        {"programme_share": 1.5},
        {"programme_hazard_ratio": 0.0},
        {"satisfaction_dropout_corr": 1.0},
        {"survey_share": -0.1},
        {"n_regions": 5, "n_stores": 4},
        {"end": "2023-06-30"},
        {"start": "2023-01-01 12:00"},
    ],
)
def test_invalid_arguments(kwargs):
    kwargs = {"n_customers": 10, **kwargs}
    with pytest.raises(ValueError):
        simulate_retail(**kwargs)


# --------------------------------------------------------------------------- #
# Parameter truth
# --------------------------------------------------------------------------- #
def pareto_nbd_expected(t: np.ndarray, r, alpha, s, beta) -> tuple[np.ndarray, np.ndarray]:
    """E[X(t)] and P(alive at t) under the Pareto/NBD (Schmittlein et al. 1987)."""
    survival = beta / (beta + t)
    return r * beta / (alpha * (s - 1)) * (1 - survival ** (s - 1)), survival**s


@pytest.mark.parametrize("in_programme", [False, True])
def test_pareto_nbd_repeat_purchases_and_survival(in_programme):
    hr = 0.6
    d = simulate_retail(
        2 * N_TRUTH, seed=21, channel_shares={"organic": 1.0}, programme_share=0.5, programme_hazard_ratio=hr,
    )
    prm = d.truth["purchase_params"]["organic"]
    group = d.customers["retention_programme"].to_numpy() == in_programme
    # Programme: rate mu * hr with mu ~ Gamma(s, beta), i.e. Gamma(s, beta / hr).
    beta = prm["beta"] / hr if in_programme else prm["beta"]
    t = observation_weeks(d.customers, d.truth["end"])[group]
    expected_x, expected_alive = pareto_nbd_expected(t, prm["r"], prm["alpha"], prm["s"], beta)
    assert_close(repeat_counts(d)[group], expected_x.mean())
    assert_close(d.customers["alive_at_end"].to_numpy()[group].astype(float), expected_alive.mean())


def test_bg_nbd_repeat_purchases_and_survival():
    d = simulate_retail(N_TRUTH, seed=22, process="bg_nbd", channel_shares={"price_promotion": 1.0},
                        programme_share=0.0)
    prm = d.truth["purchase_params"]["price_promotion"]
    r, alpha, a, b = prm["r"], prm["alpha"], prm["a"], prm["b"]
    t = observation_weeks(d.customers, d.truth["end"])
    # Fader, Hardie & Lee (2005), eq. 9.
    hyp = special.hyp2f1(r, b, a + b - 1, t / (alpha + t))
    expected_x = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp)
    assert_close(repeat_counts(d), expected_x.mean())
    # Alive iff J > N(t): E[(1-p)^N] = E_p[(alpha / (alpha + t p))^r] = 2F1(r, a; a+b; -t/alpha).
    expected_alive = special.hyp2f1(r, a, a + b, -t / alpha)
    assert_close(d.customers["alive_at_end"].to_numpy().astype(float), expected_alive.mean())


def test_latent_distributions_match_truth():
    d = simulate_retail(N_TRUTH, seed=23, channel_shares={"referral": 1.0})
    prm = d.truth["purchase_params"]["referral"]
    c = d.customers
    assert stats.kstest(c["true_lambda"], stats.gamma(prm["r"], scale=1 / prm["alpha"]).cdf).pvalue > 1e-3
    assert stats.kstest(c["true_mu"], stats.gamma(prm["s"], scale=1 / prm["beta"]).cdf).pvalue > 1e-3
    bg = simulate_retail(N_TRUTH, seed=23, process="bg_nbd", channel_shares={"referral": 1.0})
    prm = bg.truth["purchase_params"]["referral"]
    assert stats.kstest(bg.customers["true_p"], stats.beta(prm["a"], prm["b"]).cdf).pvalue > 1e-3


def test_spend_matches_gamma_gamma():
    d = simulate_retail(N_TRUTH, seed=24, spend_params={"p": 5.0, "q": 5.0, "gamma": 20.0})
    expected = 5.0 * 20.0 / (5.0 - 1.0)
    assert d.truth["mean_spend_per_transaction"] == expected
    assert_close(d.customers["true_spend_mean"].to_numpy(), expected)
    # Transaction mean, with a standard error clustered by customer.
    per_customer = d.transactions.groupby("customer_id")["amount"].agg(["sum", "size"])
    total, size = per_customer["sum"].to_numpy(), per_customer["size"].to_numpy()
    mean = total.sum() / size.sum()
    se = np.sqrt(((total - mean * size) ** 2).sum()) / size.sum()
    assert abs(mean - expected) < Z * se, (mean, expected, se)


def test_promotion_customers_churn_faster_than_referrals():
    c = simulate_retail(N_TRUTH, seed=25).customers.groupby("acquisition_channel")
    alive, mu = c["alive_at_end"].mean(), c["true_mu"].mean()
    assert alive["price_promotion"] < alive["organic"] < alive["referral"]
    assert mu["price_promotion"] > 2 * mu["organic"] > 2 * mu["referral"]
    assert alive["referral"] - alive["price_promotion"] > 0.2


def test_programme_hazard_ratio_is_recovered():
    hr = 0.7
    d = simulate_retail(N_TRUTH, seed=26, programme_hazard_ratio=hr)
    c = d.customers
    end_exclusive = d.truth["end"] + pd.Timedelta(days=1)
    # tau lies within its (floored) dropout day: take the middle of that day.
    exit_time = c["dropout_date"].fillna(end_exclusive) - c["acquisition_date"]
    exposure = (exit_time.dt.days.to_numpy() + 0.5 * ~c["alive_at_end"].to_numpy()) / 7
    events = ~c["alive_at_end"].to_numpy()
    # tau ~ Exp(mu * h) given mu: MLE of h with offset mu is events / sum(mu * exposure).
    offset = c["true_mu"].to_numpy() * exposure
    group = c["retention_programme"].to_numpy()
    rate = [events[g].sum() / offset[g].sum() for g in (group, ~group)]
    log_ratio = np.log(rate[0] / rate[1])
    se = np.sqrt(1 / events[group].sum() + 1 / events[~group].sum())
    assert abs(log_ratio - np.log(hr)) < Z * se, (np.exp(log_ratio), hr)
    assert c.groupby("retention_programme")["alive_at_end"].mean()[True] > c["alive_at_end"][~group].mean()


def test_satisfaction_store_effects_match_truth():
    d = simulate_retail(N_TRUTH, seed=27)
    by_store = d.customers.groupby("store")["satisfaction"].agg(["mean", "std", "size"])
    true_effect = pd.Series(d.truth["store_effects"])[by_store.index]
    within_sd = np.sqrt(1 - d.truth["store_satisfaction_sd"] ** 2)
    assert (np.abs(by_store["mean"] - true_effect) < Z * within_sd / np.sqrt(by_store["size"])).all()
    assert (np.abs(by_store["std"] - within_sd) < Z * within_sd / np.sqrt(2 * by_store["size"])).all()
    region = d.customers.groupby("store")["region"].first()
    assert region.to_dict() == d.truth["store_region"]


def test_satisfied_customers_drop_out_less():
    c = simulate_retail(N_TRUTH, seed=27).customers
    rank_mu = c.groupby("acquisition_channel")["true_mu"].rank(pct=True)
    assert stats.spearmanr(c["satisfaction"], rank_mu).statistic < -0.2
    independent = simulate_retail(N_TRUTH, seed=27, satisfaction_dropout_corr=0.0).customers
    assert abs(stats.spearmanr(independent["satisfaction"], independent["true_mu"]).statistic) < 0.03


# --------------------------------------------------------------------------- #
# Survey
# --------------------------------------------------------------------------- #
def test_survey_items():
    d = simulate_retail(20_000, seed=28, survey_share=0.3)
    s = d.survey.merge(d.customers[["customer_id", "satisfaction", "member"]], on="customer_id")
    assert len(s) == len(d.survey) == 6000 and s["customer_id"].is_unique
    for item in [f"sat_{i}" for i in range(1, 6)]:
        assert s[item].between(1, 5).all() and s[item].nunique() == 5
        assert np.corrcoef(s[item], s["satisfaction"])[0, 1] > 0.4
    assert s["nps"].between(0, 10).all()
    assert np.corrcoef(s["nps"], s["satisfaction"])[0, 1] > 0.4
    assert np.corrcoef(s["complaints"], s["satisfaction"])[0, 1] < 0
    assert (s["complaint_resolution_days"].isna() == (s["complaints"] == 0)).all()
    assert (s["complaint_resolution_days"].dropna() > 0).all()
    assert (s["membership_value"].isna() == ~s["member"]).all()
    assert s["membership_value"].dropna().between(1, 5).all()
    assert s["membership_value"].mean() < 3


# --------------------------------------------------------------------------- #
# Documentation and speed
# --------------------------------------------------------------------------- #
def test_docstring_examples():
    result = doctest.testmod(simulate_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_200k_customers_is_fast():
    started = time.perf_counter()
    d = simulate_retail(200_000, seed=29)
    assert time.perf_counter() - started < 5.0
    assert 3 < len(d.transactions) / len(d.customers) < 8
