"""Tests of cvm_lib.indicators methods: published worked examples (docs/literature_values.md,
section 6) reproduced to their published decimals, plus properties and hand examples."""

import numpy as np
import pandas as pd
import pytest

from cvm_lib.indicators import (
    SAATY_RANDOM_INDEX,
    AHPResult,
    ahp,
    combine_weights,
    composite_index,
    cronbach_alpha,
    cronbach_alpha_from_cov,
    csat,
    entropy_weights,
    fuzzy_evaluation,
    hierarchical_ahp,
    membership_from_frequencies,
    membership_from_responses,
    membership_from_values,
    multilevel_fuzzy_evaluation,
    nps,
    pairwise_matrix,
    random_index,
    topsis,
)

# --------------------------------------------------------------------------- data of the published examples

DRINKS = ["Coffee", "Wine", "Tea", "Beer", "Soda", "Milk", "Water"]
DRINKS_MATRIX = np.array([
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
])
LEADER = ["Experience", "Education", "Charisma", "Age"]
LEADER_MATRIX = [[1, 4, 3, 7], [1 / 4, 1, 1 / 3, 3], [1 / 3, 3, 1, 5], [1 / 7, 1 / 3, 1 / 5, 1]]

XU_2004 = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
ZAVADSKAS_2016 = np.array([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
ZAVADSKAS_TYPES = [-1, 1, -1, 1]

TZENG_2011 = [[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]]
TZENG_WEIGHTS = [0.3, 0.4, 0.3]

CLOTHING_R = [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
CLOTHING_GRADES = ["very welcome", "fairly welcome", "not very welcome", "unwelcome"]
CLOTHING_A1 = [0.1, 0.2, 0.3, 0.4]
CLOTHING_A2 = [0.4, 0.35, 0.15, 0.1]

PINGOUIN = pd.DataFrame({
    "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
    "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
    "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
    "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
    "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
    "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
    "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
    "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
    "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
    "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
})
STATSBASE_COV = [[10, 6, 6, 6], [6, 11, 6, 6], [6, 6, 12, 6], [6, 6, 6, 13]]


def consistent_matrix(w):
    w = np.asarray(w, dtype=float)
    return w[:, None] / w[None, :]


# --------------------------------------------------------------------------- AHP: published

def test_saaty_random_index_table():
    """Saaty (1980): RI = 0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49 (n = 1..10), 1.51 (n = 11)."""
    assert [SAATY_RANDOM_INDEX[n] for n in range(1, 12)] == [0, 0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45,
                                                             1.49, 1.51]
    assert random_index(7) == 1.32


def test_ahp_saaty_2008_drinks():
    """Saaty (2008): weights 0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327; CR 0.022."""
    result = ahp(pd.DataFrame(DRINKS_MATRIX, index=DRINKS, columns=DRINKS))
    assert isinstance(result, AHPResult)
    assert list(result.weights.index) == DRINKS
    assert result.weights.round(3).tolist() == [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]
    assert round(result.consistency_ratio, 3) == 0.022
    # DER values (literature_values.md): lambda_max 7.1766, CI 0.02944, CR 0.0223 with RI 1.32
    assert round(result.lambda_max, 4) == 7.1766
    assert round(result.consistency_index, 5) == 0.02944
    assert round(result.consistency_ratio, 4) == 0.0223
    assert result.random_index == 1.32 and result.consistent


def test_ahp_drinks_with_other_random_index_table():
    """With RI 1.35 (a later Saaty table) the DER CR is 0.0218."""
    assert round(ahp(DRINKS_MATRIX, random_index={7: 1.35}).consistency_ratio, 4) == 0.0218
    assert round(ahp(DRINKS_MATRIX, random_index=1.35).consistency_ratio, 4) == 0.0218


def test_ahp_leader_example():
    """Wikipedia leader criteria (AHPy README): weights 0.548, 0.127, 0.270, 0.056; CR 0.044."""
    result = ahp(LEADER_MATRIX, labels=LEADER)
    assert result.weights.round(3).to_dict() == {"Experience": 0.548, "Education": 0.127, "Charisma": 0.270,
                                                 "Age": 0.056}
    assert round(result.consistency_ratio, 3) == 0.044
    assert round(result.lambda_max, 4) == 4.1184  # DER
    assert round(result.consistency_index, 5) == 0.03947  # DER


def test_ahp_pairwise_dict_equals_matrix():
    judgements = {(LEADER[i], LEADER[j]): LEADER_MATRIX[i][j] for i in range(4) for j in range(i + 1, 4)}
    from_dict = ahp(judgements)
    from_matrix = ahp(LEADER_MATRIX, labels=LEADER)
    pd.testing.assert_series_equal(from_dict.weights, from_matrix.weights)
    # a dict given in another order keeps the labels, not the positions
    reordered = ahp(dict(reversed(list(judgements.items()))), labels=LEADER)
    pd.testing.assert_series_equal(reordered.weights, from_matrix.weights)


def test_ahp_accepts_fraction_strings_and_rounded_reciprocals():
    fractions = [[1, "3", "1/5"], ["1/3", 1, "1/7"], [5, 7, 1]]
    rounded = [[1, 3, 0.2], [0.33, 1, 0.14], [5, 7, 1]]
    exact = [[1, 3, 1 / 5], [1 / 3, 1, 1 / 7], [5, 7, 1]]
    np.testing.assert_allclose(ahp(fractions).weights, ahp(exact).weights, rtol=1e-12)
    np.testing.assert_allclose(ahp(rounded).weights, ahp(exact).weights, atol=5e-3)


# --------------------------------------------------------------------------- AHP: properties

@pytest.mark.parametrize("method", ["eigenvector", "geometric-mean", "column-normalisation"])
def test_consistent_matrix_has_cr_zero_and_recovers_weights(method):
    w = np.array([0.4, 0.3, 0.2, 0.1])
    result = ahp(consistent_matrix(w), method=method)
    np.testing.assert_allclose(result.weights, w, atol=1e-12)
    assert result.lambda_max == pytest.approx(4.0, abs=1e-10)
    assert result.consistency_index == pytest.approx(0.0, abs=1e-12)
    assert result.consistency_ratio == pytest.approx(0.0, abs=1e-12)
    assert result.consistent


@pytest.mark.parametrize("method", ["eigenvector", "geometric-mean", "column-normalisation"])
def test_ahp_weights_sum_to_one_and_methods_differ_slightly(method):
    result = ahp(DRINKS_MATRIX, method=method)
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)
    eigen = ahp(DRINKS_MATRIX).weights
    np.testing.assert_allclose(result.weights, eigen, atol=0.01)
    if method != "eigenvector":
        assert not np.allclose(result.weights, eigen, atol=1e-6)
        # lambda_max is the principal eigenvalue whatever the weighting method
        assert result.lambda_max == pytest.approx(ahp(DRINKS_MATRIX).lambda_max, abs=1e-12)


def test_inconsistent_matrix_is_reported_and_worst_judgement_found():
    labels = ["a", "b", "c", "d"]
    matrix = consistent_matrix([8, 4, 2, 1])  # a/c = 4
    matrix[0, 2], matrix[2, 0] = 1 / 4, 4  # reversed judgement
    result = ahp(matrix, labels=labels)
    assert result.consistency_ratio > 0.1
    assert not result.consistent
    worst = result.worst_judgements.iloc[0]
    assert (worst["row"], worst["column"]) == ("a", "c")
    assert "INCONSISTENT" in str(result) and "a[a, c]" in str(result)
    assert len(result.worst_judgements) == 6


def test_two_by_two_matrix_is_always_consistent():
    result = ahp([[1, 9], [1 / 9, 1]])
    assert result.consistency_ratio == 0.0 and result.random_index == 0.0
    assert result.weights.tolist() == pytest.approx([0.9, 0.1])


def test_ahp_dataframe_with_permuted_columns_is_realigned():
    frame = pd.DataFrame(LEADER_MATRIX, index=LEADER, columns=LEADER)
    shuffled = frame[["Age", "Charisma", "Experience", "Education"]]
    pd.testing.assert_series_equal(ahp(shuffled).weights, ahp(frame).weights)


@pytest.mark.parametrize("matrix, message", [
    ([[1, 2, 3], [0.5, 1, 2]], "square"),
    ([[1, 3], [3, 1]], "not reciprocal"),
    ([[1, -2], [-0.5, 1]], "positive"),
    ([[2, 3], [1 / 3, 1]], "diagonal"),
    ([[1, "x"], [1, 1]], "not a number"),
])
def test_ahp_rejects_bad_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        ahp(matrix)


def test_ahp_rejects_incomplete_dict_unknown_method_and_large_n():
    with pytest.raises(ValueError, match="missing"):
        ahp({("a", "b"): 2, ("a", "c"): 3})
    with pytest.raises(ValueError, match="not reciprocal"):
        pairwise_matrix({("a", "b"): 2, ("b", "a"): 2})
    with pytest.raises(ValueError, match="method"):
        ahp(LEADER_MATRIX, method="power")
    with pytest.raises(ValueError, match="random index"):
        ahp(consistent_matrix(np.arange(1, 13)))
    assert ahp(consistent_matrix(np.arange(1, 13)), random_index={12: 1.54}).consistency_ratio == \
        pytest.approx(0, abs=1e-10)


def test_ahp_result_behaves_like_its_weights():
    result = ahp(LEADER_MATRIX, labels=LEADER)
    np.testing.assert_allclose(np.asarray(result), result.weights.to_numpy())
    assert result["Age"] == result.weights["Age"] and result[0] == result.weights.iloc[0]
    assert result.to_frame()["rank"].tolist() == [1, 3, 2, 4]


# --------------------------------------------------------------------------- hierarchical AHP

def test_hierarchical_ahp_global_weights_are_products_and_sum_to_one():
    criteria = pd.DataFrame(LEADER_MATRIX, index=LEADER, columns=LEADER)
    sub = {"Experience": DRINKS_MATRIX[:3, :3].copy(),
           "Charisma": {("voice", "presence"): 3},
           "Age": pd.Series({"young": 0.25, "old": 0.75})}
    sub["Experience"] = pd.DataFrame(sub["Experience"], index=["e1", "e2", "e3"], columns=["e1", "e2", "e3"])
    result = hierarchical_ahp(criteria, sub)
    crit = ahp(criteria).weights
    local = ahp(sub["Experience"]).weights
    assert result.global_weights.sum() == pytest.approx(1.0, abs=1e-12)
    for leaf in ["e1", "e2", "e3"]:
        assert result.global_weights[leaf] == pytest.approx(crit["Experience"] * local[leaf], rel=1e-12)
    assert result.global_weights["voice"] == pytest.approx(crit["Charisma"] * 0.75, rel=1e-12)
    assert result.global_weights["old"] == pytest.approx(crit["Age"] * 0.75, rel=1e-12)
    assert result.global_weights["Education"] == pytest.approx(crit["Education"], rel=1e-12)  # a leaf criterion
    assert list(result.global_weights.index) == ["e1", "e2", "e3", "Education", "voice", "presence", "young", "old"]
    # overall CR = sum w_k CI_k / sum w_k RI_k over the sub-matrices with RI > 0 (only "Experience", n = 3)
    sub_result = result.local["Experience"]
    assert result.consistency_ratio == pytest.approx(sub_result.consistency_index / sub_result.random_index)


def test_hierarchical_ahp_nests_and_rejects_bad_trees():
    inner = hierarchical_ahp({("x", "y"): 3}, {"x": {("x1", "x2"): 1}})
    outer = hierarchical_ahp(pd.Series({"A": 0.6, "B": 0.4}), {"A": inner})
    assert outer.global_weights.sum() == pytest.approx(1.0)
    assert outer.global_weights["x1"] == pytest.approx(0.6 * 0.75 * 0.5)
    with pytest.raises(ValueError, match="unknown criteria"):
        hierarchical_ahp({("a", "b"): 2}, {"c": {("c1", "c2"): 2}})
    with pytest.raises(ValueError, match="unique"):
        hierarchical_ahp({("a", "b"): 2}, {"a": {("x", "y"): 2}, "b": {("x", "z"): 2}})
    with pytest.raises(ValueError, match="sum to 1"):
        hierarchical_ahp(pd.Series({"a": 0.5, "b": 0.6}), {})


# --------------------------------------------------------------------------- entropy weights

def test_entropy_xu_2004():
    """Xu (2004): weights 0.4630, 0.3992, 0.1378, 0.0000 (entropies 0.8872, 0.9027, 0.9664, 1.0000 DER)."""
    result = entropy_weights(XU_2004)
    assert result.weights.round(4).tolist() == [0.4630, 0.3992, 0.1378, 0.0000]
    assert result.entropy.round(4).tolist() == [0.8872, 0.9027, 0.9664, 1.0000]
    assert result.weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_entropy_zavadskas_podvezko_2016_raw_matrix_convention():
    """Z&P (2016): 0.1146, 0.1981, 0.4185, 0.2689 -- entropy on the raw matrix (cost types not transformed)."""
    expected = [0.1146, 0.1981, 0.4185, 0.2689]
    assert entropy_weights(ZAVADSKAS_2016).weights.round(4).tolist() == expected
    assert entropy_weights(ZAVADSKAS_2016, benefit=ZAVADSKAS_TYPES).weights.round(4).tolist() == expected


def test_entropy_zavadskas_with_cost_columns_transformed_by_hand():
    """literature_values.md: transforming the cost columns by min/x (or 1/x) gives 0.1277, 0.2174, 0.3599, 0.2950."""
    transformed = ZAVADSKAS_2016.copy()
    for j in (0, 2):
        transformed[:, j] = transformed[:, j].min() / transformed[:, j]
    assert entropy_weights(transformed).weights.round(4).tolist() == [0.1277, 0.2174, 0.3599, 0.2950]
    reciprocal = ZAVADSKAS_2016.copy()
    reciprocal[:, [0, 2]] = 1 / reciprocal[:, [0, 2]]
    assert entropy_weights(reciprocal).weights.round(4).tolist() == [0.1277, 0.2174, 0.3599, 0.2950]


def test_entropy_proportion_is_scale_invariant_and_keeps_labels():
    frame = pd.DataFrame(XU_2004, index=list("wxyz"), columns=["c1", "c2", "c3", "c4"])
    scaled = frame.assign(c2=frame["c2"] * 1000)
    pd.testing.assert_series_equal(entropy_weights(scaled).weights, entropy_weights(frame).weights)
    assert list(entropy_weights(frame).weights.index) == ["c1", "c2", "c3", "c4"]


def test_entropy_min_max_uses_directions():
    X = np.array([[1.0, 5.0, 3.0], [2.0, 3.0, 9.0], [4.0, 4.0, 1.0], [8.0, 1.0, 2.0]])
    as_cost = entropy_weights(X, benefit=[True, False, True], normalise="min-max")
    negated = X.copy()
    negated[:, 1] = -negated[:, 1]
    as_benefit = entropy_weights(negated, normalise="min-max")
    np.testing.assert_allclose(as_cost.weights, as_benefit.weights, rtol=1e-12)
    # and the direction changes the min-max weights (it does not change the proportion weights)
    all_benefit = entropy_weights(X, normalise="min-max")
    assert not np.allclose(as_cost.weights, all_benefit.weights, atol=1e-3)
    # min-max by hand for one column: z = (x - min)/(max - min), p = z / sum z, e = -sum p ln p / ln m (0 ln 0 = 0)
    z = (X[:, 0] - 1) / 7
    p = z / z.sum()
    e = -(p[p > 0] * np.log(p[p > 0])).sum() / np.log(4)
    assert as_cost.entropy.iloc[0] == pytest.approx(e, rel=1e-12)


def test_entropy_constant_column_gets_zero_weight_and_errors():
    X = [[1, 5], [2, 5], [3, 5]]
    assert entropy_weights(X).weights.tolist() == pytest.approx([1.0, 0.0])
    assert entropy_weights(X, normalise="min-max").weights.tolist() == pytest.approx([1.0, 0.0])
    with pytest.raises(ValueError, match="non-negative"):
        entropy_weights([[1, -2], [3, 4]])
    assert entropy_weights([[1, -2], [3, 4], [2, 0]], normalise="min-max").weights.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="at least 2"):
        entropy_weights([[1, 2]])
    with pytest.raises(ValueError, match="no criterion varies"):
        entropy_weights([[1, 2], [1, 2]])
    with pytest.raises(ValueError, match="missing"):
        entropy_weights([[1, np.nan], [1, 2]])
    with pytest.raises(ValueError, match="normalise"):
        entropy_weights(X, normalise="vector")


def test_combine_weights():
    s = pd.Series({"a": 0.5, "b": 0.3, "c": 0.2})
    o = pd.Series({"c": 0.6, "a": 0.2, "b": 0.2})  # other order: aligned by label
    combined = combine_weights(s, o)
    expected = np.array([0.5 * 0.2, 0.3 * 0.2, 0.2 * 0.6])
    np.testing.assert_allclose(combined.loc[["a", "b", "c"]], expected / expected.sum())
    linear = combine_weights(s, o, method="linear", alpha=0.25)
    assert linear["c"] == pytest.approx(0.25 * 0.2 + 0.75 * 0.6)
    assert combined.sum() == pytest.approx(1) and linear.sum() == pytest.approx(1)
    combined_results = combine_weights(ahp(LEADER_MATRIX, labels=LEADER),
                                       entropy_weights(pd.DataFrame(XU_2004, columns=LEADER)))
    assert combined_results.sum() == pytest.approx(1)
    with pytest.raises(ValueError, match="sum to 1"):
        combine_weights(s, pd.Series({"a": 0.5, "b": 0.5, "c": 0.5}))
    with pytest.raises(ValueError, match="labels do not match"):
        combine_weights(s, pd.Series({"a": 0.5, "b": 0.5}))


# --------------------------------------------------------------------------- TOPSIS

def test_topsis_tzeng_huang_2011():
    """Tzeng & Huang (2011): closeness 0.5037, 0.6581, 0.7482, 0.3340; ranks 3, 2, 1, 4."""
    result = topsis(TZENG_2011, TZENG_WEIGHTS, [True, True, True])
    assert result.closeness.round(4).tolist() == [0.5037, 0.6581, 0.7482, 0.3340]
    assert result.rank.tolist() == [3, 2, 1, 4]
    # DER distances
    assert result.distance_ideal.round(4).tolist() == [0.1175, 0.0635, 0.0487, 0.1307]
    assert result.distance_anti_ideal.round(4).tolist() == [0.1193, 0.1223, 0.1446, 0.0655]
    np.testing.assert_allclose(np.asarray(result), result.closeness.to_numpy())


def test_topsis_trivial_case_without_normalisation():
    """scikit-criteria: [[1, 0, 3], [0, 5, 6]], equal weights, no scaling -> 0.14639248, 0.85360752."""
    result = topsis([[1, 0, 3], [0, 5, 6]], [1 / 3] * 3, None, normalise="none")
    np.testing.assert_allclose(result.closeness, [0.14639248, 0.85360752], atol=1e-8)


def test_topsis_invariant_to_scaling_a_criterion():
    scaled = np.array(TZENG_2011, dtype=float)
    scaled[:, 1] *= 1000.0
    base = topsis(TZENG_2011, TZENG_WEIGHTS)
    np.testing.assert_allclose(topsis(scaled, TZENG_WEIGHTS).closeness, base.closeness, rtol=1e-12)
    # ... which is a property of the normalisation: without it the scaled criterion dominates
    raw = topsis(scaled, TZENG_WEIGHTS, normalise="none")
    assert not np.allclose(raw.closeness, base.closeness, atol=1e-3)


def test_topsis_cost_criteria_and_dominance():
    X = pd.DataFrame({"quality": [9, 5, 1], "price": [10, 20, 30]}, index=["best", "mid", "worst"])
    result = topsis(X, {"price": 0.5, "quality": 0.5}, {"quality": "benefit", "price": "cost"})
    assert result.closeness["best"] == pytest.approx(1.0) and result.closeness["worst"] == pytest.approx(0.0)
    assert result.rank.to_dict() == {"best": 1, "mid": 2, "worst": 3}
    assert result.ideal["price"] == result.weighted["price"].min()
    # the same data treated as all benefit ranks differently
    assert topsis(X, [0.5, 0.5]).closeness["best"] < 0.99


def test_topsis_rejects_bad_weights_and_directions():
    with pytest.raises(ValueError, match="sum to 1"):
        topsis(TZENG_2011, [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="expected 3"):
        topsis(TZENG_2011, [0.5, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        topsis(TZENG_2011, [1.2, -0.1, -0.1])
    with pytest.raises(ValueError, match="'benefit' or 'cost'"):
        topsis(TZENG_2011, TZENG_WEIGHTS, ["benefit", "good", "cost"])
    with pytest.raises(ValueError, match="constant"):
        topsis([[1, 2], [1, 2]], [0.5, 0.5])
    # rounded published weights (sum 0.999) are accepted and rescaled
    assert topsis(TZENG_2011, [0.3, 0.4, 0.299]).closeness.sum() > 0


def test_composite_index_hand_example():
    X = pd.DataFrame({"retention": [0.6, 0.7, 0.5], "complaints": [0.2, 0.1, 0.1]}, index=["S1", "S2", "S3"])
    result = composite_index(X, [0.6, 0.4], ["benefit", "cost"])
    # retention scores 0.5, 1, 0; complaints (cost) scores 0, 1, 1
    assert result.score.to_dict() == pytest.approx({"S1": 30.0, "S2": 100.0, "S3": 40.0})
    assert result.rank.to_dict() == {"S1": 3, "S2": 1, "S3": 2}
    np.testing.assert_allclose(result.contributions.sum(axis=1), result.score)
    ratio = composite_index(X, [0.6, 0.4], ["benefit", "cost"], normalise="max")
    assert ratio.score["S1"] == pytest.approx(100 * (0.6 * 0.6 / 0.7 + 0.4 * 0.1 / 0.2))


# --------------------------------------------------------------------------- fuzzy evaluation

def test_fuzzy_clothing_example_min_max_operator():
    """Published M(∧,∨): B1 = (0.2, 0.3, 0.4, 0.1) -> not very welcome; B2 = (0.35, 0.4, 0.2, 0.1) -> fairly welcome."""
    b1 = fuzzy_evaluation(CLOTHING_A1, CLOTHING_R, operator="M(∧,∨)", grades=CLOTHING_GRADES)
    b2 = fuzzy_evaluation(CLOTHING_A2, CLOTHING_R, operator="min-max", grades=CLOTHING_GRADES)
    assert b1.vector.tolist() == [0.2, 0.3, 0.4, 0.1]
    assert b2.vector.tolist() == [0.35, 0.4, 0.2, 0.1]
    assert b1.grade == "not very welcome" and b2.grade == "fairly welcome"


def test_fuzzy_clothing_example_weighted_average():
    """DER with M(·,+): B1 = (0.24, 0.33, 0.39, 0.04); B2 = (0.345, 0.36, 0.24, 0.055)."""
    b1 = fuzzy_evaluation(CLOTHING_A1, CLOTHING_R)
    b2 = fuzzy_evaluation(CLOTHING_A2, CLOTHING_R, "M(·,+)")
    np.testing.assert_allclose(b1.vector, [0.24, 0.33, 0.39, 0.04], atol=1e-12)
    np.testing.assert_allclose(b2.vector, [0.345, 0.36, 0.24, 0.055], atol=1e-12)
    np.testing.assert_allclose(np.asarray(b1), b1.vector)


HAND_A = [0.5, 0.3, 0.2]
HAND_R = [[0.7, 0.2, 0.1, 0.0], [0.2, 0.3, 0.4, 0.1], [0.3, 0.4, 0.2, 0.1]]


@pytest.mark.parametrize("operator, expected", [
    ("weighted-average", [0.47, 0.27, 0.21, 0.05]),  # sum_i a_i r_ij (also the doc's DER value)
    ("min-max", [0.5, 0.3, 0.3, 0.1]),  # max_i min(a_i, r_ij)
    ("product-max", [0.35, 0.1, 0.12, 0.03]),  # max_i a_i r_ij
    ("min-bounded-sum", [0.9, 0.7, 0.6, 0.2]),  # min(1, sum_i min(a_i, r_ij))
])
def test_fuzzy_operators_on_hand_example(operator, expected):
    result = fuzzy_evaluation(HAND_A, HAND_R, operator)
    np.testing.assert_allclose(result.vector, expected, atol=1e-12)
    assert result.normalised.sum() == pytest.approx(1.0)


def test_fuzzy_operator_notation_aliases():
    for alias, name in [("M(.,+)", "weighted-average"), ("M(^,v)", "min-max"), ("M(·,∨)", "product-max"),
                        ("M(∧,⊕)", "min-bounded-sum")]:
        assert fuzzy_evaluation(HAND_A, HAND_R, alias).operator == name
    with pytest.raises(ValueError, match="operator"):
        fuzzy_evaluation(HAND_A, HAND_R, "max-product-sum")


def test_fuzzy_grade_scores_labels_and_errors():
    grades = ["很满意", "满意", "一般", "不满意"]
    result = fuzzy_evaluation(pd.Series([0.5, 0.3, 0.2], index=["f1", "f2", "f3"]),
                              pd.DataFrame(HAND_R, index=["f1", "f2", "f3"], columns=grades),
                              grade_scores={"很满意": 95, "满意": 85, "一般": 70, "不满意": 50})
    assert result.grade == "很满意"
    assert result.score == pytest.approx(0.47 * 95 + 0.27 * 85 + 0.21 * 70 + 0.05 * 50)
    assert list(result.vector.index) == grades
    with pytest.raises(ValueError, match="sum to 1"):
        fuzzy_evaluation([0.5, 0.5, 0.5], HAND_R)
    with pytest.raises(ValueError, match="expected 3"):
        fuzzy_evaluation([0.5, 0.5], HAND_R)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fuzzy_evaluation(HAND_A, [[7, 2, 1, 0], [2, 3, 4, 1], [3, 4, 2, 1]])


def test_multilevel_fuzzy_evaluation_equals_two_manual_steps():
    sub = {"product": (CLOTHING_A1, CLOTHING_R), "service": (HAND_A, HAND_R)}
    for operator in ["weighted-average", "min-max"]:
        result = multilevel_fuzzy_evaluation([0.7, 0.3], sub, operator)
        first = [fuzzy_evaluation(a, r, operator).normalised.to_numpy() for a, r in sub.values()]
        manual = fuzzy_evaluation([0.7, 0.3], np.vstack(first), operator)
        np.testing.assert_allclose(result.vector, manual.vector, atol=1e-12)
        assert list(result.criteria.index) == ["product", "service"]
    weighted = multilevel_fuzzy_evaluation({"product": 0.7, "service": 0.3}, sub)
    np.testing.assert_allclose(weighted.vector, 0.7 * np.array([0.24, 0.33, 0.39, 0.04])
                               + 0.3 * np.array([0.47, 0.27, 0.21, 0.05]), atol=1e-12)


def test_membership_from_frequencies_and_responses():
    counts = pd.DataFrame([[4, 4, 2], [0, 5, 5]], index=["q1", "q2"], columns=["good", "fair", "poor"])
    membership = membership_from_frequencies(counts)
    assert membership.loc["q1"].tolist() == [0.4, 0.4, 0.2]
    np.testing.assert_allclose(membership.sum(axis=1), 1.0)
    answers = pd.DataFrame({"q1": [1, 1, 1, 1, 2, 2, 2, 2, 3, 3], "q2": [2] * 5 + [3] * 4 + [None]})
    from_answers = membership_from_responses(answers, levels=[1, 2, 3], grades=["good", "fair", "poor"])
    assert from_answers.loc["q1"].tolist() == [0.4, 0.4, 0.2]
    assert from_answers.loc["q2"].tolist() == pytest.approx([0, 5 / 9, 4 / 9])
    with pytest.raises(ValueError, match="not among the levels"):
        membership_from_responses(pd.DataFrame({"q": [1, 7]}), levels=[1, 2, 3])
    with pytest.raises(ValueError, match="no responses"):
        membership_from_frequencies([[0, 0], [1, 1]])


def test_piecewise_linear_membership_functions():
    centres = [0.45, 0.6, 0.75, 0.9]  # poor, fair, good, excellent
    grades = ["poor", "fair", "good", "excellent"]
    m = membership_from_values([0.3, 0.45, 0.7, 0.9, 1.0], centres, grades)
    assert m.iloc[0].tolist() == [1, 0, 0, 0]  # below the first centre: shoulder
    assert m.iloc[1].tolist() == [1, 0, 0, 0]
    np.testing.assert_allclose(m.iloc[2], [0, 1 / 3, 2 / 3, 0])  # linear between 0.6 and 0.75
    assert m.iloc[3].tolist() == [0, 0, 0, 1] and m.iloc[4].tolist() == [0, 0, 0, 1]
    np.testing.assert_allclose(m.sum(axis=1), 1.0)
    reverse = membership_from_values([0.7], centres[::-1], grades[::-1])
    np.testing.assert_allclose(reverse.loc[0, grades].to_numpy(), m.iloc[2].to_numpy())
    with pytest.raises(ValueError, match="monotone|increasing"):
        membership_from_values([0.5], [0.1, 0.3, 0.2])


# --------------------------------------------------------------------------- Cronbach's alpha

def test_cronbach_alpha_pingouin_dataset():
    """pingouin (checked against R psych): alpha 0.592, 95% CI [0.195, 0.840]; DER alpha 0.591719."""
    result = cronbach_alpha(PINGOUIN)
    assert round(result.alpha, 3) == 0.592
    assert round(result.ci_low, 3) == 0.195 and round(result.ci_high, 3) == 0.840
    assert result.alpha == pytest.approx(0.591719, abs=5e-7)
    assert round(result.ci_low, 4) == 0.1949 and round(result.ci_high, 4) == 0.8398
    assert float(result) == result.alpha and round(result, 3) == 0.592
    assert result == pytest.approx(0.5917, abs=1e-4)  # float-like, as the design allows
    assert result.n_obs == 15 and result.n_items == 10


def test_cronbach_alpha_statsbase_covariance_example():
    """StatsBase.jl: alpha 0.8136; alpha if deleted 0.7500, 0.7606, 0.7714, 0.7826."""
    result = cronbach_alpha_from_cov(STATSBASE_COV)
    assert round(result.alpha, 4) == 0.8136
    assert result.alpha == pytest.approx(0.813559, abs=5e-7)
    assert result.alpha_if_deleted.round(4).tolist() == [0.7500, 0.7606, 0.7714, 0.7826]
    assert result.ci_low is None


def test_cronbach_alpha_item_diagnostics_match_direct_computation():
    data = PINGOUIN.iloc[:, :5]
    result = cronbach_alpha(data)
    k = data.shape[1]
    direct = k / (k - 1) * (1 - data.var(ddof=1).sum() / data.sum(axis=1).var(ddof=1))
    assert result.alpha == pytest.approx(direct, rel=1e-12)
    for item in data.columns:
        rest = data.drop(columns=item)
        assert result.alpha_if_deleted[item] == pytest.approx(cronbach_alpha(rest).alpha, rel=1e-12)
        corrected = np.corrcoef(data[item], rest.sum(axis=1))[0, 1]
        assert result.item_total_correlation[item] == pytest.approx(corrected, rel=1e-12)
    table = result.to_frame()
    assert list(table.columns) == ["item_total_correlation", "alpha_if_deleted"]


def test_cronbach_alpha_listwise_deletion_and_errors():
    with_gap = PINGOUIN.astype(float)
    with_gap.iloc[0, 0] = np.nan
    result = cronbach_alpha(with_gap)
    assert result.n_obs == 14
    assert result.alpha == pytest.approx(cronbach_alpha(PINGOUIN.iloc[1:]).alpha)
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(PINGOUIN[["Q1"]])
    with pytest.raises(ValueError, match="zero variance"):
        cronbach_alpha(PINGOUIN.assign(Q2=3))
    narrow, wider = cronbach_alpha(PINGOUIN), cronbach_alpha(PINGOUIN, confidence=0.99)
    assert wider.ci_low < narrow.ci_low < narrow.alpha < narrow.ci_high < wider.ci_high


# --------------------------------------------------------------------------- NPS and CSAT

def test_nps_hand_data():
    answers = [10, 9, 9, 8, 7, 6, 0, 10, 5, 3]  # 4 promoters, 2 passives, 4 detractors
    result = nps(answers)
    assert result.score == pytest.approx(0.0)
    assert (result.promoters, result.passives, result.detractors, result.n) == (0.4, 0.2, 0.4, 10)
    assert float(nps([10, 10, 9, 6])) == pytest.approx(50.0)
    assert nps(pd.Series([9, None, 0])).n == 2
    with pytest.raises(ValueError, match="0..10"):
        nps([9, 11])
    with pytest.raises(ValueError, match="0..10"):
        nps([9, 7.5])


def test_csat_hand_data():
    answers = [5, 4, 3, 2, 1, 5, 4, 4]
    assert csat(answers) == pytest.approx(5 / 8)  # top two boxes: 4 and 5
    assert csat(answers, top_box=1) == pytest.approx(2 / 8)
    assert csat(answers, method="mean") == pytest.approx(np.mean(answers))
    assert csat([7, 6, 1], scale=(1, 7)) == pytest.approx(2 / 3)
    per_item = csat(pd.DataFrame({"a": [5, 1], "b": [4, 4]}))
    assert per_item.to_dict() == {"a": 0.5, "b": 1.0}
    with pytest.raises(ValueError, match="scale"):
        csat([6, 5])
    with pytest.raises(ValueError, match="top_box"):
        csat(answers, top_box=5)


# --------------------------------------------------------------------------- result objects: summary and HTML

def test_results_have_a_summary_frame_an_html_view_and_a_text_report():
    from cvm_lib.indicators import (composite_index, cronbach_alpha, entropy_weights, fuzzy_evaluation,
                                    hierarchical_ahp, nps)

    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [3.0, 1.0, 2.0]}, index=["u1", "u2", "u3"])
    judged = ahp([[1, 3], ["1/3", 1]], labels=["a", "b"])
    items = pd.DataFrame(np.random.default_rng(1).integers(1, 6, (40, 3)), columns=["q1", "q2", "q3"])
    results = {
        "ahp": judged,
        "hierarchy": hierarchical_ahp({("customer", "financial"): 2},
                                      {"customer": {("retention", "satisfaction"): 2}}),
        "entropy": entropy_weights(x),
        "topsis": topsis(x, [0.5, 0.5]),
        "composite": composite_index(x, [0.5, 0.5]),
        "fuzzy": fuzzy_evaluation([0.5, 0.5], [[0.6, 0.4], [0.2, 0.8]], grade_scores=[2, 1]),
        "alpha": cronbach_alpha(items),
        "nps": nps([10, 9, 8, 3]),
    }
    for name, result in results.items():
        summary = result.summary
        assert isinstance(summary, pd.DataFrame) and len(summary), name
        html = result._repr_html_()
        assert html.startswith("<p><b>") and "<table" in html, name
        assert str(result) and str(result).splitlines()[0] in html.replace("&#x27;", "'"), name
    assert results["ahp"].summary["weight"].round(2).to_dict() == {"a": 0.75, "b": 0.25}
    assert results["nps"].summary.loc["nps", "score"] == pytest.approx(25.0)
    assert results["alpha"].summary.loc["cronbach_alpha", "alpha"] == pytest.approx(results["alpha"].alpha)
    assert results["topsis"].summary["rank"].tolist() == sorted(results["topsis"].rank.tolist())
