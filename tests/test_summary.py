"""Tests of cvm_lib.summary against published CDNOW figures, an independent
plain-pandas implementation, and hand-built cases."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.data import CvmDataError
from cvm_lib.datasets import cdnow
from cvm_lib.summary import calibration_holdout, cohort_table, rfm_summary, unit_days


@pytest.fixture(scope="module")
def sample_cal_holdout(cdnow_sample):
    return calibration_holdout(cdnow_sample, calibration_end="1997-09-30", observation_end="1998-06-30",
                               time_unit="W")


# ----------------------------------------------------------------- published figures

def test_cdnow_sample_reproduces_fader_hardie_lee_2005(sample_cal_holdout):
    """FHL (2005), Marketing Science 24(2): 2,357 customers, 39-week calibration.

    Figure "frequency of repeat transactions" (calibration period): 1411 customers
    with no repeat purchase, then 439, 214, 100, 62, 38, 29 and 64 with 7 or more;
    2,457 repeat transactions in all. The paper's worked example is a customer with
    x = 2, t_x = 30.43, T = 38.86 (weeks).
    """
    ch = sample_cal_holdout
    assert len(ch) == 2357
    freq = ch["frequency"].astype(int)
    histogram = [int((freq == x).sum()) for x in range(7)] + [int((freq >= 7).sum())]
    assert histogram == [1411, 439, 214, 100, 62, 38, 29, 64]
    assert freq.sum() == 2457
    example = ch.loc[(freq == 2) & (ch["recency"].round(2) == 30.43) & (ch["T"].round(2) == 38.86)]
    assert len(example) == 1
    # Everyone joined in Q1 1997, so T lies between 27 weeks (joined 31 March) and 38.86 (1 January).
    assert ch["T"].min() == pytest.approx(27.0) and ch["T"].max() == pytest.approx(272 / 7)
    assert (ch["duration_holdout"] == 39).all()


def test_cdnow_sample_gamma_gamma_input_matches_fader_hardie_note(sample_cal_holdout):
    """Fader & Hardie, "The Gamma-Gamma model of monetary value" (2013): 946 of the
    2,357 customers made repeat purchases in the calibration period."""
    repeaters = sample_cal_holdout.query("frequency > 0")
    assert len(repeaters) == 946
    assert (repeaters["monetary_value"] > 0).all()
    assert (sample_cal_holdout.query("frequency == 0")["monetary_value"] == 0).all()


# ----------------------------------------------------------------- independent implementation

def reference_summary(tx, end, unit_length):
    """Straightforward groupby implementation of the documented conventions."""
    tx = tx[tx["date"] <= end]
    days = tx.assign(day=tx["date"].dt.normalize()).groupby(["customer_id", "day"], as_index=False)["amount"].sum()
    rows = {}
    for cid, grp in days.groupby("customer_id"):
        grp = grp.sort_values("day")
        first, last = grp["day"].iloc[0], grp["day"].iloc[-1]
        freq = len(grp) - 1
        rows[cid] = {
            "frequency": float(freq),
            "recency": (last - first).days / unit_length,
            "T": (end - first).days / unit_length,
            "monetary_value": grp["amount"].iloc[1:].mean() if freq else 0.0,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "customer_id"
    return frame


@pytest.mark.parametrize("time_unit", ["D", "W", "M", "Y"])
def test_rfm_summary_matches_reference_on_cdnow_subset(cdnow_master, time_unit):
    subset = cdnow_master[cdnow_master["customer_id"] < "03000"]
    end = pd.Timestamp("1998-03-31")
    ours = rfm_summary(subset, observation_end=end, time_unit=time_unit)
    expected = reference_summary(subset, end, unit_days(time_unit))
    pd.testing.assert_frame_equal(ours, expected.loc[ours.index], check_exact=False, rtol=1e-12,
                                  check_index_type=False)
    assert list(ours.index) == sorted(expected.index)


@pytest.mark.slow
def test_full_cdnow_against_vectorised_pandas_reference(cdnow_master):
    """The whole log (69,659 lines, 23,570 customers) against a groupby formulation."""
    end = pd.Timestamp("1998-06-30")
    ours = rfm_summary(cdnow_master, observation_end=end, time_unit="W")
    per_day = (cdnow_master.assign(day=cdnow_master["date"].dt.normalize())
               .groupby(["customer_id", "day"])["amount"].sum().reset_index())
    g = per_day.groupby("customer_id")
    first, last, n, total = g["day"].min(), g["day"].max(), g["day"].size(), g["amount"].sum()
    first_spend = per_day.groupby("customer_id")["amount"].first()  # days are sorted within customer
    freq = (n - 1).astype(float)
    expected = pd.DataFrame({
        "frequency": freq,
        "recency": (last - first).dt.days / 7,
        "T": (end - first).dt.days / 7,
        "monetary_value": ((total - first_spend) / freq).where(freq > 0, 0.0),
    })
    assert len(ours) == 23570
    pd.testing.assert_frame_equal(ours, expected, check_exact=False, rtol=1e-10, check_index_type=False)


def test_calibration_holdout_matches_reference(cdnow_master):
    subset = cdnow_master[cdnow_master["customer_id"] < "02000"]
    cal_end, end = pd.Timestamp("1997-09-30"), pd.Timestamp("1998-06-30")
    ch = calibration_holdout(subset, calibration_end=cal_end, observation_end=end, time_unit="W")
    expected = reference_summary(subset, cal_end, 7.0)
    pd.testing.assert_frame_equal(ch[expected.columns], expected.loc[ch.index], check_exact=False, rtol=1e-12,
                                  check_index_type=False)
    hold = subset[(subset["date"] > cal_end) & (subset["date"] <= end)]
    per_day = hold.groupby(["customer_id", hold["date"].dt.normalize()])["amount"].sum()
    n_hold = per_day.groupby(level=0).size().reindex(ch.index, fill_value=0)
    spend = per_day.groupby(level=0).mean().reindex(ch.index, fill_value=0.0)
    np.testing.assert_array_equal(ch["frequency_holdout"], n_hold.astype(float))
    np.testing.assert_allclose(ch["monetary_value_holdout"], spend, rtol=1e-12)
    assert (ch["duration_holdout"] == 39).all()


# ----------------------------------------------------------------- hand-built cases

def log(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"], format="ISO8601").astype("datetime64[ns]")
    return frame


def test_same_day_purchases_merge_and_monetary_excludes_the_first_day():
    tx = log([("a", "2024-01-01 09:00", 10), ("a", "2024-01-01 18:00", 5), ("a", "2024-01-08", 20),
              ("a", "2024-01-08", 10), ("a", "2024-01-22", 6)])
    row = rfm_summary(tx, observation_end="2024-01-29").loc["a"]
    assert row["frequency"] == 2 and row["recency"] == 21 and row["T"] == 28
    assert row["monetary_value"] == pytest.approx((30 + 6) / 2)


def test_observation_end_is_inclusive_and_later_purchases_are_ignored():
    tx = log([("a", "2024-01-01", 1), ("a", "2024-01-10", 2), ("a", "2024-01-20", 4), ("b", "2024-01-15", 8)])
    s = rfm_summary(tx, observation_end="2024-01-10")
    assert list(s.index) == ["a"]  # b was first seen after the end
    assert s.loc["a", "frequency"] == 1 and s.loc["a", "T"] == 9 and s.loc["a", "monetary_value"] == 2


def test_default_observation_end_is_the_last_purchase_and_attrs_record_it():
    tx = log([("a", "2024-01-01", 1), ("b", "2024-02-01", 1)])
    s = rfm_summary(tx, time_unit="W")
    assert s.attrs == {"observation_end": "2024-02-01", "time_unit": "W"}
    assert s.loc["a", "T"] == pytest.approx(31 / 7)


def test_unsorted_and_sorted_logs_give_identical_summaries(cdnow_sample):
    shuffled = cdnow_sample.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(rfm_summary(shuffled, time_unit="W"), rfm_summary(cdnow_sample, time_unit="W"))


def test_numeric_looking_ids_sort_as_text_and_keep_leading_zeros():
    tx = log([("010", "2024-01-01", 1), ("9", "2024-01-01", 1), ("001", "2024-01-02", 1)])
    assert list(rfm_summary(tx).index) == ["001", "010", "9"]


def test_calibration_holdout_excludes_customers_first_seen_in_the_holdout():
    tx = log([("a", "2024-01-01", 1), ("a", "2024-02-10", 3), ("a", "2024-02-10", 1), ("b", "2024-02-05", 5)])
    ch = calibration_holdout(tx, calibration_end="2024-01-31", observation_end="2024-02-29")
    assert list(ch.index) == ["a"]
    assert ch.loc["a", "frequency_holdout"] == 1 and ch.loc["a", "monetary_value_holdout"] == 4
    assert ch.loc["a", "duration_holdout"] == 29


def test_calibration_end_must_precede_observation_end():
    tx = log([("a", "2024-01-01", 1)])
    with pytest.raises(ValueError, match="must be after calibration_end"):
        calibration_holdout(tx, calibration_end="2024-02-01", observation_end="2024-01-15")


def test_bad_time_unit_and_bad_log_are_clear_errors():
    tx = log([("a", "2024-01-01", 1)])
    with pytest.raises(ValueError, match="time_unit='fortnight'"):
        rfm_summary(tx, time_unit="fortnight")
    with pytest.raises(CvmDataError, match="lacks column"):
        rfm_summary(tx.drop(columns="amount"))
    with pytest.raises(CvmDataError, match="not a datetime"):
        rfm_summary(tx.assign(date=tx["date"].astype(str)))


def test_cohort_table_counts_rates_and_unknown_cells():
    tx = log([("a", "2024-01-05", 1), ("a", "2024-02-05", 2), ("a", "2024-04-01", 3), ("b", "2024-01-20", 4),
              ("c", "2024-02-10", 5), ("c", "2024-02-11", 6), ("d", "2024-03-03", 7)])
    counts = cohort_table(tx, observation_end="2024-04-30")
    assert [str(p) for p in counts.index] == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_array_equal(counts.to_numpy(), [[2, 1, 0, 1], [1, 0, 0, np.nan], [1, 0, np.nan, np.nan]])
    rates = cohort_table(tx, normalize=True, observation_end="2024-04-30")
    assert rates.iloc[0].tolist()[:4] == [1.0, 0.5, 0.0, 0.5]
    revenue = cohort_table(tx, measure="revenue", observation_end="2024-04-30")
    assert revenue.loc[pd.Period("2024-02", "M"), 0] == 11.0
    purchases = cohort_table(tx, measure="purchases", observation_end="2024-04-30")
    assert purchases.loc[pd.Period("2024-02", "M"), 0] == 2
    assert counts.attrs["cohort_size"] == {"2024-01": 2, "2024-02": 1, "2024-03": 1}


def test_cohort_table_rejects_unknown_period_and_measure():
    tx = log([("a", "2024-01-05", 1)])
    with pytest.raises(ValueError, match="period="):
        cohort_table(tx, period="fortnight")
    with pytest.raises(ValueError, match="measure="):
        cohort_table(tx, measure="margin")


@pytest.mark.parametrize("make_id", [
    lambda i: f"C{i:07d}",          # fixed width, 8 bytes: integer-key path
    lambda i: f"{i:05d}",           # fixed width, 5 bytes
    lambda i: str(i),               # varying width: general path
    lambda i: f"客户{i:02d}",        # fixed 8 bytes of UTF-8
    lambda i: f"member-{i:010d}",   # longer than 8 bytes: general path
])
def test_every_id_path_gives_the_same_summary_in_sorted_order(make_id):
    rng = np.random.default_rng(5)
    n = 3000
    customer = rng.integers(0, 90, n)
    tx = pd.DataFrame({"customer_id": pd.array([make_id(i) for i in customer], dtype="str"),
                       "date": (np.datetime64("2024-01-01") + rng.integers(0, 60, n).astype("timedelta64[D]"))
                       .astype("datetime64[ns]"),
                       "amount": rng.gamma(2.0, 10.0, n)})
    shuffled = rfm_summary(tx)
    ordered = rfm_summary(tx.sort_values(["customer_id", "date"], kind="stable"))
    pd.testing.assert_frame_equal(shuffled, ordered, check_exact=False, rtol=1e-12)
    assert list(shuffled.index) == sorted({make_id(i) for i in customer})
    expected = reference_summary(tx, tx["date"].max(), 1.0)
    pd.testing.assert_frame_equal(shuffled, expected.loc[shuffled.index], check_exact=False, rtol=1e-12,
                                  check_index_type=False)


# ----------------------------------------------------------------- customer codes (the fast paths)

def _reference_codes(ids):
    text = pd.Series(ids).astype("str")
    codes, uniques = pd.factorize(text, sort=True)
    return codes, list(uniques)


@pytest.mark.parametrize("kind", ["mixed", "uuid", "digits", "ints", "long", "chunked", "fixed", "fixed_chunks"])
def test_customer_codes_equal_a_sorted_factorize(kind):
    """Every path of _customer_codes (sorted run, integers, packed words with hash check,
    pandas fallback) numbers customers in text order, as pandas' sorted factorize does."""
    import uuid

    import pyarrow as pa

    from cvm_lib.summary import _customer_codes

    rng = np.random.default_rng(7)
    alphabet = list("ab\x00Z09é中 ")
    for trial in range(40):
        k = int(rng.integers(1, 40))
        if kind in ("mixed", "chunked"):
            pool = ["".join(rng.choice(alphabet, size=rng.integers(0, 20))) for _ in range(k)]
        elif kind == "uuid":
            pool = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(k)]
        elif kind == "digits":  # leading zeros and varying width: '007' != '7'
            pool = [str(x).zfill(int(rng.integers(1, 4))) for x in rng.integers(0, 200, size=k)]
        elif kind == "ints":
            pool = list(rng.integers(-50, 10**12, size=k))
        elif kind in ("fixed", "fixed_chunks"):  # one byte length (20 or 23), NULs and a 3-byte character
            pool = ["".join("ab\x00Z09 "[i] for i in rng.integers(0, 7, size=20)) for _ in range(k)]
            pool = [t[:i] + "中" + t[i:] for t, i in zip(pool, rng.integers(0, 21, size=k))] if trial % 2 else pool
        else:
            pool = ["x" * int(rng.integers(10, 30)) + str(i) for i in range(k)]
        picked = [pool[i] for i in rng.integers(0, k, size=int(rng.integers(1, 80)))]
        if kind == "ints":
            ids = pd.Series(np.array(picked, dtype=np.int64))
        elif kind == "fixed_chunks":  # chunks of one width, or of two (a second width)
            half = len(picked) // 2
            other = ["q" * (5 + trial % 3) for _ in range(trial % 2)]
            arrow = pa.chunked_array([pa.array(picked[:half], pa.large_string()),
                                      pa.array(picked[half:] + other, pa.large_string())])
            ids = pd.Series(pd.arrays.ArrowStringArray(arrow))
        elif kind == "chunked":  # an Arrow array of several chunks, one of them sliced
            half = len(picked) // 2
            arrow = pa.chunked_array([pa.array(picked[:half], pa.large_string()),
                                      pa.array(["pad"] + picked[half:], pa.large_string()).slice(1)])
            ids = pd.Series(pd.arrays.ArrowStringArray(arrow))
        else:
            ids = pd.Series(pd.array(picked, dtype="str"))
        codes, uniques = _customer_codes(ids)
        ref_codes, ref_uniques = _reference_codes(ids)
        assert list(uniques) == ref_uniques
        np.testing.assert_array_equal(codes, ref_codes)
        if kind in ("uuid", "fixed") and len(set(picked)) > 1:  # the packed path of one width
            from cvm_lib.summary import _packed_codes, _sorted_run_codes
            assert _sorted_run_codes(ids.array) is not None or _packed_codes(ids) is not None


def test_integer_ids_give_text_ids_sorted_as_text():
    tx = pd.DataFrame({"customer_id": np.array([100, 7, 12, 7], dtype=np.int64),
                       "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-05"]),
                       "amount": [1.0, 2.0, 3.0, 4.0]})
    summary = rfm_summary(tx)
    assert list(summary.index) == ["100", "12", "7"]
    assert summary.loc["7", "frequency"] == 1 and summary.loc["7", "monetary_value"] == 4


@pytest.mark.slow
def test_customer_codes_of_a_million_rows_hashed_in_threads():
    """1.2M UUID and 12-byte ids: the threaded Arrow path and the packed two-word path."""
    from cvm_lib.summary import _customer_codes

    rng = np.random.default_rng(11)
    k = 200_000
    uuids = np.array([f"{a:016x}-{b:x}" for a, b in rng.integers(0, 2**62, size=(k, 2))], dtype=object)
    twelve = np.array([f"K{x:011d}" if x % 3 else f"K{x}" for x in rng.permutation(k)], dtype=object)
    for pool in (uuids, twelve):
        ids = pd.Series(pd.array(list(pool[rng.integers(0, k, size=1_200_000)]), dtype="str"))
        codes, uniques = _customer_codes(ids)
        ref_codes, ref_uniques = _reference_codes(ids)
        assert list(uniques) == ref_uniques
        np.testing.assert_array_equal(codes, ref_codes)


@pytest.mark.parametrize("ids", [
    pd.Series(pd.array(["b", "a", "b", "10", "007", "7"], dtype="str")),
    pd.Series(np.array([100, 7, 12, 7, -3], dtype=np.int64)),
    pd.Series(["x", "y", "x"], dtype=object),
])
def test_public_customer_codes_equal_a_sorted_factorize(ids):
    from cvm_lib.summary import customer_codes

    codes, uniques = customer_codes(ids)
    ref_codes, ref_uniques = pd.factorize(ids.astype("str"), sort=True)
    np.testing.assert_array_equal(codes, ref_codes)
    assert list(uniques) == list(ref_uniques)


def test_fixed_width_ids_fall_back_on_a_hash_collision(monkeypatch):
    """Ids of one length are hashed to one word; when the hash merges two customers the
    row check sees it and the strings are compared instead (same codes as pandas)."""
    import cvm_lib.summary as summary

    ids = pd.Series(pd.array(["AAAAAAAAAAAAAAAAAAAAAAAAb", "AAAAAAAAAAAAAAAAAAAAAAAAa",
                              "AAAAAAAAAAAAAAAAAAAAAAAAb"], dtype="str"))
    monkeypatch.setattr(summary, "_factorize_keys", lambda key, **kw: np.zeros(len(key), dtype=np.int64))
    assert summary._packed_codes(ids) is None
    codes, uniques = summary._customer_codes(ids)
    assert codes.tolist() == [1, 0, 1] and list(uniques) == [ids[1], ids[0]]


def test_lengths_of_rows_across_chunks():
    import pyarrow as pa

    from cvm_lib.summary import _lengths_of, _longest, _string_chunks

    texts = ["", "a", "中国", "abcdefghij", "xy", "1234567"]
    arrow = pa.chunked_array([pa.array(texts[:2], pa.large_string()),
                              pa.array(["pad", *texts[2:]], pa.large_string()).slice(1)])
    _, parts = _string_chunks(pd.Series(pd.arrays.ArrowStringArray(arrow)))
    rows = np.array([5, 0, 3, 2, 1, 4, 3])
    assert _lengths_of(parts, rows).tolist() == [len(texts[r].encode()) for r in rows]
    assert max(_longest(offsets) for _, offsets in parts) == 10


def test_threaded_sort_equals_numpy_sort(monkeypatch):
    import cvm_lib.summary as summary

    monkeypatch.setattr(summary, "_THREADED_SORT_ROWS", 10)
    rng = np.random.default_rng(4)
    for n, dtype in ((11, np.int64), (1001, np.int32), (5000, np.int64)):
        key = rng.integers(-50, 50, size=n).astype(dtype)
        out = summary._sorted_in_threads(key)
        np.testing.assert_array_equal(out, np.sort(key))
        assert out.dtype == key.dtype and not np.shares_memory(out, key)


def test_lexsort_of_words_equals_numpy_lexsort():
    from cvm_lib.summary import _lexsort_words

    rng = np.random.default_rng(3)
    for _ in range(20):
        keys = [rng.integers(0, int(rng.integers(1, 6)), size=200).astype(np.uint64) for _ in range(3)]
        np.testing.assert_array_equal(_lexsort_words(keys), np.lexsort(keys[::-1]))
        np.testing.assert_array_equal(_lexsort_words(keys[:1]), np.argsort(keys[0], kind="stable"))


def test_words_of_strings_equal_their_bytes():
    """_word (aligned words joined by shifts) against the bytes of each string, zero-padded."""
    import pyarrow as pa

    from cvm_lib.summary import _factorize_keys, _string_chunks, _word

    rng = np.random.default_rng(13)
    texts = ["".join(rng.choice(list("ab\x00Z9é中"), size=rng.integers(0, 30))) for _ in range(500)]
    arrow = pa.array(["pad", *texts], pa.large_string()).slice(1)  # offsets not starting at 0
    _, parts = _string_chunks(pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arrow]))))
    (data, offsets), = parts
    for j in range(5):
        expected = [int.from_bytes(t.encode("utf-8")[8 * j: 8 * j + 8].ljust(8, b"\0"), "little") for t in texts]
        assert _word(data, offsets, j).tolist() == expected
    for width in (5, 8, 13, 36):  # one width: strided views, the last partial word masked
        fixed = ["".join("ab\x00Z9"[i] for i in rng.integers(0, 5, size=width)) for _ in range(50)]  # NULs kept
        arrow = pa.array(["pad", *fixed], pa.large_string()).slice(1)
        (data, offsets), = _string_chunks(pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arrow]))))[1]
        for j in range(6):
            expected = [int.from_bytes(t.encode()[8 * j: 8 * j + 8].ljust(8, b"\0"), "little") for t in fixed]
            assert _word(data, offsets, j).tolist() == expected
            assert _word(data, offsets, j, width).tolist() == expected
    key = np.repeat(rng.integers(0, 50, 300).astype(np.uint64), rng.integers(1, 4, 300))
    np.testing.assert_array_equal(_factorize_keys(key), pd.factorize(key)[0])
    shuffled = rng.permutation(key)
    np.testing.assert_array_equal(_factorize_keys(shuffled), pd.factorize(shuffled)[0])


@pytest.mark.parametrize("kind", ["dense", "dense_negative", "sparse", "extremes", "uint", "small_ints"])
def test_integer_customer_codes_equal_a_sorted_factorize_of_their_text(kind):
    """Dense integer ids take the table lookup, sparse ones the hash; both are ranked as
    text by their digits (no strings made), which must agree with sorting the strings."""
    from cvm_lib.summary import _customer_codes, _dense_int_codes

    rng = np.random.default_rng(23)
    for trial in range(30):
        n = int(rng.integers(2, 3000))
        if kind == "dense":
            ids = rng.integers(1, 1 + 3 * n, size=n)
        elif kind == "dense_negative":
            ids = rng.integers(-n, n // 2, size=n)
        elif kind == "sparse":
            ids = rng.integers(-10**15, 10**15, size=n)
        elif kind == "extremes":
            edge = np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0, -1, 9, 10, -10, 99, 100])
            ids = np.concatenate([edge, rng.integers(-10**18, 10**18, size=n)])
        elif kind == "uint":
            ids = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64)
        else:
            ids = rng.integers(0, 120, size=n).astype(np.int16)
        series = pd.Series(ids)
        assert (_dense_int_codes(ids) is not None) == (kind in ("dense", "dense_negative", "small_ints"))
        codes, uniques = _customer_codes(series)
        ref_codes, ref_uniques = _reference_codes(series)
        assert list(uniques) == ref_uniques
        np.testing.assert_array_equal(codes, ref_codes)


def test_holdout_split_of_one_sort_equals_two_separate_summaries():
    """calibration_holdout takes the calibration and holdout statistics from one sort of the
    whole log; they must equal rfm_summary of each period computed on its own."""
    rng = np.random.default_rng(5)
    n = 20_000
    tx = pd.DataFrame({"customer_id": rng.integers(0, 1500, size=n),
                       "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, size=n), unit="D"),
                       "amount": rng.gamma(2.0, 20.0, size=n).round(2)})
    cal_end, end = pd.Timestamp("2024-09-30"), tx["date"].max()
    result = calibration_holdout(tx, calibration_end=cal_end, observation_end=end)
    cal = rfm_summary(tx[tx["date"] <= cal_end], observation_end=cal_end)
    pd.testing.assert_frame_equal(result[["frequency", "recency", "T", "monetary_value"]], cal,
                                  check_exact=False, rtol=1e-12)
    hold = tx[(tx["date"] > cal_end) & tx["customer_id"].astype("str").isin(cal.index)]
    per_day = hold.groupby([hold["customer_id"].astype("str"), "date"])["amount"].sum()
    n_hold = per_day.groupby(level=0).size().reindex(cal.index, fill_value=0)
    spend = per_day.groupby(level=0).sum().reindex(cal.index, fill_value=0.0)
    np.testing.assert_array_equal(result["frequency_holdout"].to_numpy(), n_hold.to_numpy(dtype=float))
    np.testing.assert_allclose(result["monetary_value_holdout"].to_numpy(),
                               np.where(n_hold > 0, spend / n_hold.clip(lower=1), 0.0), rtol=1e-12)


@pytest.mark.slow
def test_hash_partitioned_factorize_keeps_a_grouped_log_grouped():
    """Long ids (hashed in parts by their last bytes) of a log grouped by customer but not
    sorted as text: labels number customers by first appearance, so the log stays grouped
    and the per-customer pass needs no sort; the codes still equal a sorted factorize."""
    from cvm_lib.summary import _customer_codes, _labels

    rng = np.random.default_rng(3)
    k = 150_000
    pool = np.array([f"member-{x:x}-{'z' * int(x % 13)}" for x in rng.permutation(10 * k)[:k]], dtype=object)
    repeats = rng.integers(1, 15, size=k)
    ids = pd.Series(pd.array(list(np.repeat(pool, repeats)), dtype="str"))
    assert len(ids) > 1_000_000
    labels, order, uniques = _labels(ids)
    assert order is not None and (np.diff(labels) >= 0).all()
    codes, uniques = _customer_codes(ids)
    ref_codes, ref_uniques = _reference_codes(ids)
    assert list(uniques) == ref_uniques
    np.testing.assert_array_equal(codes, ref_codes)


def test_string_chunks_sharing_one_buffer_are_read_as_their_own_bytes():
    """Slices of one big Arrow array share its data buffer; each chunk must expose only its
    own bytes (copying the whole buffer per chunk made 50M-row logs slow), and the codes
    must still equal a sorted factorize."""
    import pyarrow as pa

    from cvm_lib.summary import _customer_codes, _string_chunks

    big = pa.array([f"id{i % 997}x{'y' * (i % 5)}" for i in range(30_000)], pa.large_string())
    ids = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([big.slice(i, 1000) for i in range(0, 30_000, 1000)])))
    parts = _string_chunks(ids)[1]
    assert len(parts) == 30
    assert all(len(data) == offsets[-1] and offsets[0] == 0 for data, offsets in parts)
    assert sum(len(data) for data, _ in parts) == len(big.buffers()[2].to_pybytes())
    codes, uniques = _customer_codes(ids)
    ref_codes, ref_uniques = _reference_codes(ids)
    assert list(uniques) == ref_uniques
    np.testing.assert_array_equal(codes, ref_codes)


def _small_blocks(monkeypatch):
    """Blocks of a few rows, so that small logs take the blocked, threaded, partitioned paths."""
    import cvm_lib.summary as summary

    monkeypatch.setattr(summary, "_WORD_BLOCK", 7)
    monkeypatch.setattr(summary, "_PART_BLOCK", 64)
    monkeypatch.setattr(summary, "_PARTITIONED_HASH_ROWS", 100)
    monkeypatch.setattr(summary, "_THREADED_SORT_ROWS", 50)
    return summary


def test_partitioned_hash_codes_group_equal_keys_only(monkeypatch):
    """The radix-partitioned factorize (blocks moved to 64 parts and back) puts rows in the
    same classes as pandas, numbers them 0..k-1, part after part in first appearance, and
    with overwrite=True writes the codes over the keys."""
    summary = _small_blocks(monkeypatch)
    rng = np.random.default_rng(31)
    with np.errstate(over="ignore"):
        key = rng.integers(0, 700, size=5003).astype(np.uint64) * summary._MIX
    codes = summary._hash_codes(key)
    np.testing.assert_array_equal(pd.factorize(codes)[0], pd.factorize(key)[0])
    assert sorted(set(codes.tolist())) == list(range(len(set(key.tolist()))))
    part = (key >> np.uint64(58)).astype(np.int64)
    first = summary._first_rows(codes, int(codes.max()) + 1)
    assert (np.diff(part[first]) >= 0).all()  # parts one after the other
    for p in np.unique(part):  # within a part, codes in first-appearance order
        mine = first[part[first] == p]
        assert (np.diff(mine) > 0).all()
    again = key.copy()
    out = summary._hash_codes(again, overwrite=True)
    np.testing.assert_array_equal(out, codes)
    assert np.shares_memory(out, again)
    np.testing.assert_array_equal(summary._factorize_keys(np.sort(key)), pd.factorize(np.sort(key))[0])


def test_word_reader_blocks_and_rows_equal_the_bytes(monkeypatch):
    import pyarrow as pa

    summary = _small_blocks(monkeypatch)
    rng = np.random.default_rng(37)

    def chunk(texts):
        arrow = pa.array(["pad", *texts], pa.large_string()).slice(1)
        (data, offsets), = summary._string_chunks(pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([arrow]))))[1]
        return data, offsets

    varying = ["".join(rng.choice(list("ab\x00Z9é中"), size=rng.integers(0, 20))) for _ in range(300)]
    fixed = ["".join("ab\x00Z9"[i] for i in rng.integers(0, 5, size=13)) for _ in range(100)]
    for texts, width in ((varying, 0), (fixed, 13)):
        reader = summary._Words(*chunk(texts), width)
        rows = rng.integers(0, len(texts), size=500)
        n_words = 3
        table = np.empty((len(rows), n_words + (0 if width else 1)), dtype=np.uint64)
        reader.at(rows, table)
        for j in range(n_words):
            expected = [int.from_bytes(t.encode()[8 * j: 8 * j + 8].ljust(8, b"\0"), "little") for t in texts]
            assert reader.column(j).tolist() == expected
            assert table[:, j].tolist() == [expected[r] for r in rows]
            out = np.empty(40, dtype=np.uint64)
            assert reader.block(j, len(texts) - 40, len(texts), out).tolist() == expected[-40:]
        if not width:
            assert table[:, n_words].tolist() == [len(texts[r].encode()) for r in rows]


def test_word_reader_reads_the_buffer_in_place_at_every_alignment():
    """Variable-width words come from an aligned view of the bytes themselves (no padded
    copy); the strings within 8 bytes of either end of the view are read byte by byte.
    Every start alignment of the buffer, and buffers shorter than one word."""
    from cvm_lib.summary import _Words

    rng = np.random.default_rng(41)
    backing = np.zeros(4096, dtype=np.uint64).view(np.uint8)  # 8-byte aligned
    for lead in range(8):
        for n_texts in (1, 2, 3, 50):
            texts = [bytes(rng.integers(0, 256, size=rng.integers(0, 19), dtype=np.uint8)) for _ in range(n_texts)]
            blob = b"".join(texts)
            data = backing[lead: lead + len(blob)]
            data[:] = np.frombuffer(blob, dtype=np.uint8)
            offsets = np.concatenate(([0], np.cumsum([len(t) for t in texts]))).astype(np.int64)
            reader = _Words(data, offsets, 0)
            rows = rng.integers(0, n_texts, size=20)
            table = np.empty((20, 4), dtype=np.uint64)
            reader.at(rows, table)
            for j in range(3):
                expected = [int.from_bytes(t[8 * j: 8 * j + 8].ljust(8, b"\0"), "little") for t in texts]
                assert reader.column(j).tolist() == expected, (lead, n_texts, j)
                assert table[:, j].tolist() == [expected[r] for r in rows]
            assert table[:, 3].tolist() == [len(texts[r]) for r in rows]
    big = backing[3: 3 + 2000]
    reader = _Words(big, np.arange(0, 2001, 20, dtype=np.int64), 0)
    assert np.shares_memory(reader.aligned, big)  # the words are the bytes: no copy


def test_variable_width_ids_fall_back_on_a_hash_collision(monkeypatch):
    import cvm_lib.summary as summary

    ids = pd.Series(pd.array(["1234567890", "1234567891", "12", "1234567890"], dtype="str"))
    monkeypatch.setattr(summary, "_factorize_keys", lambda key, **kw: np.zeros(len(key), dtype=np.int64))
    assert summary._packed_codes(ids) is None
    codes, uniques = summary._customer_codes(ids)
    assert codes.tolist() == [1, 2, 0, 1] and list(uniques) == ["12", "1234567890", "1234567891"]


@pytest.mark.parametrize("span_days, max_ranges, in_order, key_type, n_ranges", [
    (40, 64, False, np.int32, 1),           # k × span fits int32: one range
    (40, 64, True, np.int32, 1),            # a sorted log: no sort
    (3_000_000, 64, False, np.int32, 2),    # two ranges of codes, int32 keys
    (30_000_000, 64, False, np.int32, 13),  # thirteen ranges
    (30_000_000, 64, True, np.int32, 13),   # ranges of a sorted log stay sorted
    (3_000_000, 1, False, np.int64, 1),     # more ranges than allowed: one int64 array
])
def test_blocked_per_customer_statistics_equal_a_pandas_reference(monkeypatch, span_days, max_ranges, in_order,
                                                                  key_type, n_ranges):
    """_per_customer on a shuffled or sorted log (blocked key building, the partition into
    ranges of codes, threaded sorts, squeeze of repeats in place, run starts, spends added
    block by block) against pandas groupby."""
    summary = _small_blocks(monkeypatch)
    monkeypatch.setattr(summary, "_MAX_KEY_RANGES", max_ranges)
    rng = np.random.default_rng(41)
    k, n = 900, 4000
    codes = rng.integers(0, k - 2, size=n)  # the last two codes have no rows
    days = 18_000 + rng.integers(0, span_days, size=n) // max(1, span_days // 40) * max(1, span_days // 40)
    days[:2] = 18_000, 18_000 + span_days - 1  # the whole span
    if in_order:
        at = np.lexsort((days, codes))
        codes, days = codes[at], days[at]
    pairs = summary._pairs(codes, k, days)
    assert pairs.key.dtype == key_type and len(pairs.bounds) - 1 == n_ranges
    amount = np.round(rng.gamma(2.0, 10.0, size=n), 2) - 5.0
    split = int(np.median(days))
    frame = pd.DataFrame({"c": codes, "d": days, "a": amount})
    for split_day in (None, split, int(days.min()) - 3, int(days.max()) + 3, int(days.max())):
        stats = summary._per_customer(codes, k, days, amount, split_day)
        cal = frame if split_day is None else frame[frame.d <= split_day]
        g = cal.groupby("c")
        ref = pd.DataFrame({"first": g.d.min(), "last": g.d.max(), "n_days": g.d.nunique(),
                            "total": g.a.sum()}).reindex(range(k))
        seen = ref.n_days.notna().to_numpy()
        assert stats["n_days"].tolist() == ref.n_days.fillna(0).astype(int).tolist()
        np.testing.assert_array_equal(stats["first"][seen], ref["first"][seen])
        np.testing.assert_array_equal(stats["last"][seen], ref["last"][seen])
        assert (stats["first"][~seen] == np.iinfo(np.int64).max).all()
        np.testing.assert_allclose(stats["total"], ref.total.fillna(0.0), rtol=1e-12)
        on_first = cal[cal.d == cal.c.map(g.d.min())]
        np.testing.assert_allclose(stats["first_spend"],
                                   on_first.groupby("c").a.sum().reindex(range(k)).fillna(0.0), rtol=1e-12)
        if split_day is not None:
            after = frame[frame.d > split_day].groupby("c")
            assert stats["n_after"].tolist() == after.d.nunique().reindex(range(k)).fillna(0).astype(int).tolist()
            np.testing.assert_allclose(stats["total_after"], after.a.sum().reindex(range(k)).fillna(0.0), rtol=1e-12)
    customer, day = summary._customer_days(codes, k, days)
    pairs = frame.drop_duplicates(["c", "d"]).sort_values(["c", "d"])
    assert customer.tolist() == pairs.c.tolist() and day.tolist() == pairs.d.tolist()
