"""Model checks of cvm_lib.clv.checks against published CDNOW figures and recomputation."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from cvm_lib.clv import checks
from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout

PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def tx():
    return cdnow(sample=True)


@pytest.fixture(scope="module")
def cal(tx):
    return calibration_holdout(tx, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="W")


def _at(model_cls, params, cal):
    model = model_cls().fit(cal)  # fitted, then set to the published parameters
    model.params_ = pd.Series(params, name="estimate")
    return model


@pytest.fixture(scope="module")
def bg(cal):
    return _at(BetaGeo, PUBLISHED_BG, cal)


@pytest.fixture(scope="module")
def pnbd(cal):
    return _at(ParetoNBD, PUBLISHED_PNBD, cal)


def test_published_params_are_used(bg, cal):
    # FHL (2005) / lifetimes: customer 0001 expects 1.226 purchases in 39 weeks
    assert float(bg.expected_purchases(cal.iloc[[0]], 39).iloc[0]) == pytest.approx(1.226, abs=1e-3)


def test_histogram_actual_counts_are_the_published_ones(bg, cal):
    hist = checks.period_histogram(bg, cal)
    assert hist.table["actual"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert hist.table.index.tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert hist.table["expected"].sum() == pytest.approx(len(cal), rel=1e-9)


def test_histogram_chi2_matches_the_secondary_summary(cal):
    # FHL (2005) as summarised: chi2_3 = 4.82 (BG/NBD) and 11.99 (Pareto/NBD) at the MLE
    assert checks.period_histogram(BetaGeo().fit(cal), cal).chi2 == pytest.approx(4.82, abs=0.02)
    hist = checks.period_histogram(ParetoNBD().fit(cal), cal)
    assert hist.chi2 == pytest.approx(11.99, abs=0.02)
    assert hist.df == 3


@pytest.mark.parametrize("which", ["bg", "mbg", "pnbd"])
def test_count_probabilities_recompute_the_mean(which, cal, bg, pnbd):
    model = {"bg": bg, "pnbd": pnbd, "mbg": None}[which]
    if model is None:
        model = ModifiedBetaGeo().fit(cal)
    t = np.array([0.5, 5.0, 39.0, 78.0])
    probs = checks.count_probabilities(model, t, 300)
    body = probs.iloc[:, :-1].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (body >= 0).all()
    mean = body @ np.arange(300)
    assert mean == pytest.approx(np.asarray(model.expected_purchases_new(t)), rel=1e-6)


def test_bgnbd_probability_by_hand():
    # P(X(t)=1) of FHL eq. 8, written out for one t
    model = BetaGeo()
    model.params_ = pd.Series(PUBLISHED_BG)
    r, alpha, a, b = PUBLISHED_BG.values()
    t = 10.0
    from scipy.special import beta as B, gamma as G
    nb1 = G(r + 1) / G(r) * (alpha / (alpha + t)) ** r * (t / (alpha + t))
    nb0 = (alpha / (alpha + t)) ** r
    p1 = B(a, b + 1) / B(a, b) * nb1 + B(a + 1, b) / B(a, b) * (1 - nb0)
    p0 = nb0
    probs = checks.count_probabilities(model, [t], 3)
    assert probs.iloc[0, 0] == pytest.approx(p0, rel=1e-10)
    assert probs.iloc[0, 1] == pytest.approx(p1, rel=1e-10)


def test_pnbd_probability_zero_by_hand():
    # P(X(t)=0) = E over lifetime; check against brute-force quadrature on a fine grid
    model = ParetoNBD()
    model.params_ = pd.Series(PUBLISHED_PNBD)
    r, alpha, s, beta = PUBLISHED_PNBD.values()
    t = 20.0
    u = np.linspace(0, t, 200_001)
    dens = s * beta ** s / (beta + u) ** (s + 1)
    integrand = dens * (alpha / (alpha + u)) ** r
    brute = (beta / (beta + t)) ** s * (alpha / (alpha + t)) ** r + np.trapezoid(integrand, u)
    assert checks.count_probabilities(model, [t], 2).iloc[0, 0] == pytest.approx(brute, rel=1e-7)


def test_holdout_comparison_at_published_parameters(bg, cal):
    hc = checks.holdout_comparison(bg, cal)
    # docs/literature_values.md 1b: conditional expectations sum to 1653.9; actual 1882
    assert hc.metrics["actual_total"] == 1882
    assert hc.metrics["predicted_total"] == pytest.approx(1653.9, abs=0.5)
    assert hc.table["actual_total"].tolist() == [334, 306, 298, 156, 157, 112, 112, 407]
    assert hc.metrics["total_error_pct"] == pytest.approx(100 * (1653.9 - 1882) / 1882, abs=0.05)
    # independent recomputation of the customer-level metrics
    pred = bg.expected_purchases(cal, 39.0).to_numpy()
    act = cal["frequency_holdout"].to_numpy()
    assert hc.metrics["mae"] == pytest.approx(np.abs(pred - act).mean())
    assert hc.metrics["correlation"] == pytest.approx(np.corrcoef(pred, act)[0, 1])
    assert hc.metrics["correlation"] == pytest.approx(0.626, abs=0.005)  # secondary summary of FHL 2005


def test_tracking_at_published_parameters(bg, pnbd, tx):
    tr = checks.tracking(bg, tx, "1997-09-30", "1998-06-30", "W")
    t = tr.totals
    assert (t["actual_calibration"], t["actual_holdout"], t["actual_cumulative"]) == (2457, 1882, 4339)
    assert t["expected_calibration"] == pytest.approx(2497.6, abs=0.5)
    assert t["expected_holdout"] == pytest.approx(1668.8, abs=0.5)
    assert t["cumulative_error_pct"] == pytest.approx(-4.0, abs=0.1)
    assert len(tr.table) == 78  # 1997-01-01 .. 1998-06-30 in weeks
    assert tr.table["actual"].sum() == 4339
    assert tr.table["actual_cumulative"].is_monotonic_increasing
    assert tr.table["expected_cumulative"].iloc[-1] == pytest.approx(t["expected_cumulative"])
    tp = checks.tracking(pnbd, tx, "1997-09-30", "1998-06-30", "W").totals
    assert tp["expected_holdout"] == pytest.approx(1744.9, abs=0.5)
    assert tp["cumulative_error_pct"] == pytest.approx(-1.6, abs=0.1)


def test_tracking_expected_recomputed(bg, tx):
    tr = checks.tracking(bg, tx, "1997-09-30", "1998-06-30", "W")
    first = tx.groupby("customer_id")["date"].min()
    day = pd.Timestamp("1997-03-05")
    ages = ((day - first).dt.days / 7).clip(lower=0).to_numpy()
    by_hand = np.asarray(bg.expected_purchases_new(ages)).sum()
    row = tr.table.loc[tr.table["end"] == day]
    assert len(row) == 1
    assert float(row["expected_cumulative"].iloc[0]) == pytest.approx(by_hand, rel=1e-10)


def test_frequency_recency_grid(bg, cal):
    grid = checks.frequency_recency_grid(bg, t=39, max_frequency=5, max_recency=38.86, T=38.86, n_recency=5)
    assert grid.expected.shape == (6, 5)
    assert grid.expected.index.tolist() == [5, 4, 3, 2, 1, 0]
    assert grid.expected.loc[0].isna().sum() == 4  # frequency 0 only at recency 0
    assert np.nanmax(grid.p_alive.to_numpy()) <= 1.0
    cell = pd.DataFrame({"frequency": [3.0], "recency": [grid.expected.columns[2]], "T": [38.86]})
    assert grid.expected.iloc[2, 2] == pytest.approx(float(bg.expected_purchases(cell, 39).iloc[0]))
    # P(alive) rises with recency for a given frequency
    assert grid.p_alive.loc[3].is_monotonic_increasing


def test_unsupported_model_raises():
    with pytest.raises(TypeError, match="not available"):
        checks.count_probabilities(object(), [1.0], 3)


def _reference_tracking_days(tx, cal_day, end_day):
    """Independent: distinct (id as text, day) by pandas groupby, first day per id, repeat days."""
    days = tx["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    keep = days <= end_day
    frame = pd.DataFrame({"id": tx["customer_id"].astype("str").to_numpy()[keep], "day": days[keep]})
    frame = frame.drop_duplicates()
    first = frame.groupby("id")["day"].transform("min").to_numpy()
    cohort = first <= cal_day
    first_cohort = np.sort(frame.loc[cohort].groupby("id")["day"].min().to_numpy())
    repeat = np.sort(frame["day"].to_numpy()[cohort & (frame["day"].to_numpy() > first)])
    return first_cohort, repeat


class _Linear:
    """E[X(t)] = 0.3 t: the expected curve then depends only on the cohort's first days."""

    def expected_purchases_new(self, t):
        return 0.3 * np.asarray(t, dtype=float)


@pytest.mark.parametrize("kind", ["text", "int", "uuid", "mixed_width"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_tracking_matches_a_groupby_of_the_ids(kind, shuffle):
    import uuid

    rng = np.random.default_rng(3)
    n, k = 4000, 300
    who = np.sort(rng.integers(0, k, n))
    if kind == "int":
        ids = (who * 7919 % 1000).astype(np.int64) + 5  # distinct per customer, not sorted
    elif kind == "uuid":
        pool = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(k)]
        ids = pd.array([pool[i] for i in who], dtype="str")
    elif kind == "mixed_width":
        ids = pd.array([str(i * 37) for i in who], dtype="str")
    else:
        ids = pd.array([f"C{i:04d}" for i in who], dtype="str")
    tx = pd.DataFrame({"customer_id": ids,
                       "date": (np.datetime64("2024-01-01") + rng.integers(0, 200, n).astype("timedelta64[D]"))
                       .astype("datetime64[ns]") + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
                       "amount": 1.0})
    if shuffle:
        tx = tx.sample(frac=1.0, random_state=1).reset_index(drop=True)
    cal, end = "2024-04-15", "2024-07-01"
    tr = checks.tracking(_Linear(), tx, cal, end, "W")
    cal_day = int(np.datetime64(cal, "D").astype(np.int64))
    end_day = int(np.datetime64(end, "D").astype(np.int64))
    first_cohort, repeat = _reference_tracking_days(tx, cal_day, end_day)
    assert tr.totals["customers"] == len(first_cohort)
    assert tr.totals["actual_cumulative"] == len(repeat)
    assert tr.totals["actual_calibration"] == int((repeat <= cal_day).sum())
    ends = np.floor(tr.table["end"].to_numpy().astype("datetime64[D]").astype(np.int64))
    np.testing.assert_array_equal(tr.table["actual_cumulative"].to_numpy(),
                                  np.searchsorted(repeat, ends, side="right"))
    expected_end = 0.3 * np.clip((end_day - first_cohort) / 7.0, 0, None).sum()
    assert tr.totals["expected_cumulative"] == pytest.approx(expected_end, rel=1e-12)
