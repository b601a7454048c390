"""Tests of the CRM indicator study (cvm_lib.studies.indicators): the YAML indicator system,
path resolution, the teaching case (and user files), the recorded study tables (stable ids,
shown translated), the generated sentences, the key figures (recomputed independently on the
synthetic case) and the study figures."""

import copy
import warnings
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from scipy import stats  # noqa: E402

from cvm_lib import plots  # noqa: E402
from cvm_lib.datasets.simulate import simulate_retail  # noqa: E402
from cvm_lib.indicators import (  # noqa: E402
    DEFAULT_INDICATOR_SYSTEM,
    IndicatorSystemError,
    load_indicator_system,
    unit_indicators,
)
from cvm_lib.labels import entry, has_label  # noqa: E402
from cvm_lib.paths import project_root, resolve_project_path  # noqa: E402
from cvm_lib.results import record_many, recorded, reset  # noqa: E402
from cvm_lib.studies import Sentence, Skipped, figures_table, load_case, set_display  # noqa: E402
from cvm_lib.studies import indicators as ind  # noqa: E402

YAML_PATH = "studies/indicator_systems/balanced_scorecard.yaml"
PROJECT = project_root()
PERIOD = {"period_start": "2023-07-01", "period_end": "2024-06-30"}
ITEMS = [f"sat_{i}" for i in range(1, 6)]
SAATY_RI = {3: 0.58, 4: 0.90, 5: 1.12}


@pytest.fixture(autouse=True)
def _english_display():
    set_display("en")
    yield
    set_display("en")


@pytest.fixture(scope="module")
def case():
    return ind.indicator_case("retail_demo", 2024)


@pytest.fixture(scope="module")
def system():
    return load_indicator_system(PROJECT / YAML_PATH)


@pytest.fixture(scope="module")
def table(case, system):
    return ind.indicator_values(case, system, **PERIOD)


@pytest.fixture(scope="module")
def evaluation(system, table):
    return system.evaluate(table)


# --------------------------------------------------------------------------- the YAML indicator system

def test_yaml_file_is_the_built_in_default(system):
    raw = yaml.safe_load((PROJECT / YAML_PATH).read_text(encoding="utf-8"))
    assert raw == DEFAULT_INDICATOR_SYSTEM
    default = load_indicator_system()
    assert system.to_dict() == default.to_dict()
    assert system.indicator_ids == default.indicator_ids
    data = pd.DataFrame(np.random.default_rng(3).uniform(1, 2, (5, len(default.indicator_ids))),
                        columns=default.indicator_ids)
    pd.testing.assert_frame_equal(system.weights(data), default.weights(data))
    for lang in ("en", "zh"):
        pd.testing.assert_frame_equal(ind.system_table(system).to_frame(lang), ind.system_table(default).to_frame(lang))


def test_yaml_file_has_chinese_labels_for_every_dimension_and_indicator(system):
    assert all(d.label_zh and d.label_zh != d.label for d in system.dimensions)
    shown = ind.system_table(system)
    assert shown.data["indicator"].tolist() == system.indicator_ids  # recorded with the ids
    zh = shown.to_frame("zh")
    assert zh["指标"].tolist()[:2] == ["客户保持能力：保持率", "客户获取能力：新客户数"]
    assert zh["指标方向"].str.startswith("成本型").sum() == 2  # complaint rate and resolution days
    supplied = shown.data["indicator"].isin(["market_share", "employee_satisfaction"]).to_numpy()
    assert set(zh.loc[supplied, "数据来源"]) == {"外部提供"}
    assert set(shown.data.loc[supplied, "source"]) == {"value"}


def test_bad_yaml_files_give_errors_naming_the_file_and_place(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][1]["indicators"].append("loyalty_index")
    (tmp_path / "unknown.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match=r"unknown.yaml.*dimensions\[financial\].*loyalty_index"):
        load_indicator_system("unknown.yaml")
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][1]["weighting"] = {"method": "given", "weights": {"revenue": 0.7, "revenue_per_customer": 0.7}}
    (tmp_path / "weights.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(IndicatorSystemError, match="bad weights"):
        load_indicator_system("weights.yaml")


# --------------------------------------------------------------------------- path resolution

@pytest.mark.parametrize("where", ["elsewhere", "notebooks"])
def test_relative_system_path_resolves_from_the_project_root(tmp_path, monkeypatch, where):
    monkeypatch.delenv("CVM_PROJECT_ROOT", raising=False)
    monkeypatch.chdir(tmp_path if where == "elsewhere" else PROJECT / "notebooks")
    system = load_indicator_system(YAML_PATH)
    assert system.to_dict() == DEFAULT_INDICATOR_SYSTEM
    assert resolve_project_path(YAML_PATH) == PROJECT / YAML_PATH
    # the study's tables take the path too
    assert len(ind.system_table(YAML_PATH)) == 10


def test_one_loader_of_indicator_systems():
    import cvm_lib.indicators as methods

    assert methods.load_indicator_system is methods.system.load_indicator_system
    assert not hasattr(ind, "load_indicator_system") or ind.load_indicator_system is methods.load_indicator_system
    assert not (PROJECT / "cvm_lib" / "indicators" / "study.py").exists()


def test_a_file_in_the_working_directory_wins_and_missing_files_name_the_given_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = tmp_path / YAML_PATH
    local.parent.mkdir(parents=True)
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["name"] = "local copy"
    local.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    assert load_indicator_system(YAML_PATH).name == "local copy"
    assert resolve_project_path(YAML_PATH) == local.relative_to(tmp_path)
    with pytest.raises(FileNotFoundError, match="'studies/indicator_systems/nope.yaml'"):
        load_indicator_system("studies/indicator_systems/nope.yaml")
    assert resolve_project_path("/abs/nope.yaml").as_posix() == "/abs/nope.yaml"


def test_project_root_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CVM_PROJECT_ROOT", str(tmp_path))
    monkeypatch.chdir(PROJECT.parent)
    assert project_root() == tmp_path.resolve()
    target = tmp_path / "systems" / "mine.yaml"
    target.parent.mkdir()
    target.write_text(yaml.safe_dump(DEFAULT_INDICATOR_SYSTEM, allow_unicode=True), encoding="utf-8")
    assert resolve_project_path("systems/mine.yaml") == target.resolve()
    assert load_indicator_system("systems/mine.yaml").to_dict() == DEFAULT_INDICATOR_SYSTEM
    monkeypatch.delenv("CVM_PROJECT_ROOT")
    assert project_root() == PROJECT


# --------------------------------------------------------------------------- the teaching case

def test_indicator_case_returns_the_simulated_chain(case):
    assert case.synthetic and case.unit == "store" and case.name == "retail_demo"
    retail = simulate_retail(20_000, seed=2024)
    pd.testing.assert_frame_equal(case.transactions, retail.transactions)
    assert case.case.currency == "¥"
    assert case.customers.columns.tolist() == ["customer_id", "store", "region", "member"]
    assert len(case.customers) == 20_000 and case.customers["store"].nunique() == 12
    assert {"store", "region", "nps", "membership_value", *ITEMS} <= set(case.survey.columns)
    assert "complaints" not in case.survey.columns
    assert case.complaints.columns.tolist() == ["customer_id", "store", "region", "complaints",
                                                "complaint_resolution_days"]
    assert len(case.survey) == len(case.complaints) == 6000
    assert case.items == ITEMS
    # only card holders answer the membership question
    members = case.survey["customer_id"].map(case.customers.set_index("customer_id")["member"])
    assert (case.survey["membership_value"].notna() == members).all()


def test_synthetic_values_are_deterministic_documented_and_seeded(case):
    values = case.values
    assert values.index.tolist() == [f"S{i:02d}" for i in range(1, 13)] and values.index.name == "store"
    assert values["market_share"].between(0, 1).all() and values["employee_satisfaction"].between(1, 5).all()
    pd.testing.assert_frame_equal(ind.synthetic_values(case.case, seed=2024), values)
    # the documented formula, with its own random stream
    rng = np.random.default_rng([2024, 404])
    u = pd.Series(case.case.truth["store_effects"]).sort_index().to_numpy()
    share = 1 / (1 + np.exp(-(np.log(0.15 / 0.85) + u + rng.normal(0, 0.35, 12))))
    employee = np.clip(3.4 + 0.8 * u + rng.normal(0, 0.15, 12), 1, 5)
    np.testing.assert_allclose(values["market_share"], share.round(4))
    np.testing.assert_allclose(values["employee_satisfaction"], employee.round(2))
    other = ind.synthetic_values(case.case, seed=7)
    assert not np.allclose(other["market_share"], values["market_share"])
    # the satisfaction effect drives employee satisfaction (service-profit chain)
    assert np.corrcoef(u, values["employee_satisfaction"])[0, 1] > 0.8


def test_synthetic_values_by_region_pool_the_stores():
    small = load_case("retail_demo", seed=11, n_customers=3000)
    retail = simulate_retail(3000, seed=11)
    stores = ind.synthetic_values(small, seed=5)
    regions = ind.synthetic_values(small, seed=5, unit="region")
    assert regions.index.tolist() == ["R1", "R2", "R3", "R4"]
    home = retail.customers.set_index("customer_id")["store"]
    revenue = retail.transactions.groupby(retail.transactions["customer_id"].map(home))["amount"].sum()
    staff = np.maximum(8, np.round(retail.customers["store"].value_counts() / 50))
    region_of = pd.Series(retail.truth["store_region"])
    r1 = region_of.index[region_of == "R1"]
    expected_share = revenue[r1].sum() / (revenue[r1] / stores.loc[r1, "market_share"]).sum()
    expected_staff = (staff[r1] * stores.loc[r1, "employee_satisfaction"]).sum() / staff[r1].sum()
    assert regions.loc["R1", "market_share"] == pytest.approx(expected_share, abs=5e-5)
    assert regions.loc["R1", "employee_satisfaction"] == pytest.approx(expected_staff, abs=5e-3)
    with pytest.raises(ValueError, match="simulated case"):
        ind.synthetic_values(load_case("cdnow_sample"))


def test_region_case_evaluates_four_regions(system):
    region_case = ind.indicator_case("retail_demo", 2024, unit="region", n_customers=4000)
    table = ind.indicator_values(region_case, system, **PERIOD)
    assert table.index.tolist() == ["R1", "R2", "R3", "R4"] and table.index.name == "region"
    assert table.notna().all().all()
    ranking = ind.ranking_table(system.evaluate(table), system)
    assert ranking.data["unit"].tolist() == ranking.data.sort_values("topsis_rank")["unit"].tolist()
    assert ranking.to_frame("zh").columns[0] == "区域" and len(ranking) == 4
    assert ranking.data.columns[0] == "unit"  # the recorded header does not depend on the unit


def test_indicator_case_errors():
    with pytest.raises(ValueError, match="CDNOW log has neither"):
        ind.indicator_case("cdnow")
    with pytest.raises(ValueError, match="survey_path apply to your own transaction file"):
        ind.indicator_case("retail_demo", survey_path="survey.csv")
    with pytest.raises(ValueError, match="'store' or 'region'"):
        ind.indicator_case("retail_demo", unit="city")
    with pytest.raises(ValueError, match="give customers_path"):
        ind.indicator_case("my_log.csv")


def test_indicator_case_from_user_files_matches_the_same_data_in_memory(tmp_path, system):
    retail = simulate_retail(1500, seed=5)
    tx = retail.transactions[["customer_id", "date", "amount", "cost"]]
    tx.to_csv(tmp_path / "tx.csv", index=False)
    retail.customers[["customer_id", "store"]].to_csv(tmp_path / "customers.csv", index=False)
    survey = retail.survey.drop(columns=["complaints", "complaint_resolution_days"])
    survey.to_csv(tmp_path / "survey.csv", index=False)
    retail.survey[["store", "complaints", "complaint_resolution_days"]].to_csv(tmp_path / "complaints.csv",
                                                                                index=False)
    values = ind.synthetic_values(load_case("retail_demo", seed=5, n_customers=1500), seed=1)
    values.reset_index().to_excel(tmp_path / "values.xlsx", index=False)
    case = ind.indicator_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                              survey_path=str(tmp_path / "survey.csv"), complaints_path=str(tmp_path / "complaints.csv"),
                              values_path=str(tmp_path / "values.xlsx"), currency="€")
    assert not case.synthetic and case.case.currency == "€"
    from_files = ind.indicator_values(case, system, **PERIOD)
    direct = unit_indicators(retail.transactions, customers=retail.customers, survey=retail.survey,
                             values=values, system=system, **PERIOD)
    pd.testing.assert_frame_equal(from_files, direct, check_exact=False, rtol=1e-9)
    # no synthetic-value assumption and no teaching-case sentence on the user's data
    evaluation = system.evaluate(from_files)
    assert not any("assumption" in f for f in ind.indicator_figures(case, evaluation, system))
    assert "synthetic" not in ind.ranking_narrative(evaluation, case).text("en")
    # a survey file without the unit column is refused with a clear message
    survey.drop(columns=["store"]).to_csv(tmp_path / "no_unit.csv", index=False)
    with pytest.raises(ValueError, match="survey file has no 'store' column"):
        ind.indicator_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                           survey_path=str(tmp_path / "no_unit.csv"))
    with pytest.raises(FileNotFoundError, match="missing.csv"):
        ind.indicator_case(str(tmp_path / "tx.csv"), customers_path=str(tmp_path / "customers.csv"),
                           survey_path="missing.csv")


def test_a_system_needing_data_the_case_lacks_fails_clearly(case):
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["dimensions"][0]["indicators"].append({"id": "share_of_wallet", "source": "value", "direction": "benefit"})
    spec["dimensions"][0]["weighting"] = {"method": "entropy"}
    with pytest.raises(IndicatorSystemError, match="missing data.*share_of_wallet.*values="):
        ind.indicator_values(case, spec, **PERIOD)


# --------------------------------------------------------------------------- indicators and evaluation

def test_indicator_table_by_store(case, table, system):
    assert table.columns.tolist() == system.indicator_ids and len(table) == 12
    assert (table["new_customers"] > 0).all()  # the default period includes acquisition
    assert table["retention_rate"].between(0, 1).all()
    s04 = case.survey[case.survey["store"] == "S04"]
    assert table.loc["S04", "csat"] == pytest.approx((s04[ITEMS].to_numpy() >= 4).mean())
    strict = ind.indicator_values(case, system, top_box=1, **PERIOD)
    assert strict.loc["S04", "csat"] == pytest.approx((s04[ITEMS].to_numpy() == 5).mean())
    shown = ind.indicators_table(table, system)
    assert shown.data.columns.tolist() == ["unit", *system.indicator_ids]
    np.testing.assert_array_equal(shown.data[system.indicator_ids].to_numpy(), table.to_numpy())
    zh = shown.to_frame("zh", currency="¥")
    assert zh.columns[0] == "门店" and zh.columns[1] == "客户保持能力：保持率"
    assert zh.iloc[0, 1].endswith("%") and zh["销售额"].iloc[0].startswith("¥")  # share and money by unit


def _ahp(pairs, items):
    n = len(items)
    a = np.ones((n, n))
    for row, col, value in pairs:
        v = float(Fraction(str(value)))  # "1/2" as in the YAML file
        i, j = items.index(row), items.index(col)
        a[i, j], a[j, i] = v, 1 / v
    eigenvalues, vectors = np.linalg.eig(a)
    k = int(np.argmax(eigenvalues.real))
    w = np.abs(vectors[:, k].real)
    lam = float(eigenvalues[k].real)
    return pd.Series(w / w.sum(), index=items), lam, (lam - n) / (n - 1) / SAATY_RI[n]


def _independent_closeness(table):
    spec = DEFAULT_INDICATOR_SYSTEM
    dims = [d["id"] for d in spec["dimensions"]]
    dim_w, _, _ = _ahp(spec["weighting"]["pairwise"], dims)
    customer = spec["dimensions"][0]
    items = [i["id"] for i in customer["indicators"]]
    ahp_w, _, _ = _ahp(customer["weighting"]["pairwise"], items)
    x = table[items].to_numpy(float)
    z = (x - x.min(0)) / (x.max(0) - x.min(0))  # all customer indicators are benefits
    p = z / z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), axis=0) / np.log(len(x))
    entropy_w = (1 - e) / (1 - e).sum()
    combined = ahp_w.to_numpy() * entropy_w / (ahp_w.to_numpy() * entropy_w).sum()
    weights = dict(zip(items, dim_w["customer"] * combined, strict=True))
    weights.update({"revenue": dim_w["financial"] / 2, "revenue_per_customer": dim_w["financial"] / 2,
                    "complaint_rate": dim_w["internal_process"] / 2, "resolution_days": dim_w["internal_process"] / 2,
                    "employee_satisfaction": dim_w["learning_growth"]})
    cost = ["complaint_rate", "resolution_days"]
    columns = list(weights)
    v = table[columns].to_numpy(float)
    v = v / np.sqrt((v**2).sum(0)) * np.array([weights[c] for c in columns])
    is_cost = np.array([c in cost for c in columns])
    ideal = np.where(is_cost, v.min(0), v.max(0))
    anti = np.where(is_cost, v.max(0), v.min(0))
    d_plus, d_minus = np.sqrt(((v - ideal) ** 2).sum(1)), np.sqrt(((v - anti) ** 2).sum(1))
    return pd.Series(d_minus / (d_plus + d_minus), index=table.index), pd.Series(weights)


def test_evaluation_matches_an_independent_ahp_entropy_topsis(table, evaluation):
    closeness, weights = _independent_closeness(table)
    np.testing.assert_allclose(evaluation.weights["global_weight"].reindex(weights.index), weights, rtol=1e-9)
    np.testing.assert_allclose(evaluation.topsis.closeness.reindex(closeness.index), closeness, rtol=1e-9)


def test_ahp_tables(evaluation, system):
    consistency = ind.ahp_consistency_table(evaluation, system)
    assert consistency.data["level"].tolist() == ["dimensions", "customer"]
    assert consistency.to_frame("en").iloc[:, 0].tolist() == ["Dimension level", "Customer"]
    _, lam, cr = _ahp(DEFAULT_INDICATOR_SYSTEM["weighting"]["pairwise"],
                      [d["id"] for d in DEFAULT_INDICATOR_SYSTEM["dimensions"]])
    assert consistency.data.loc[0, "lambda_max"] == pytest.approx(lam)
    assert consistency.data.loc[0, "consistency_ratio"] == pytest.approx(cr)
    assert consistency.data["consistent"].all()
    weights = ind.ahp_weights_table(evaluation, system)
    assert weights.data.groupby("level")["weight"].sum().to_numpy() == pytest.approx([1.0, 1.0])
    zh = weights.to_frame("zh")
    assert zh.loc[zh["判断矩阵"] == "维度层", "项目"].tolist()[0] == "客户维度"
    # every matrix passes: a sentence instead of an empty table
    none = ind.worst_judgements_table(evaluation, system)
    assert isinstance(none, Sentence) and "no judgement needs revising" in none.text("en")
    assert len(ind.worst_judgements_table(evaluation, system, every_level=True, top=2)) == 4
    narrative = ind.ahp_narrative(evaluation, system).text("en")
    assert f"dimension-level judgement matrix is consistent (CR = {cr:.3f} ≤ 0.10)" in narrative
    assert "维度层判断矩阵通过一致性检验" in ind.ahp_narrative(evaluation, system).text("zh")


def test_inconsistent_judgements_are_flagged_with_the_judgements_to_revise(table):
    spec = copy.deepcopy(DEFAULT_INDICATOR_SYSTEM)
    spec["weighting"]["pairwise"] = [["customer", "financial", 9], ["customer", "internal_process", "1/9"],
                                     ["customer", "learning_growth", 4], ["financial", "internal_process", 9],
                                     ["financial", "learning_growth", 3], ["internal_process", "learning_growth", 2]]
    system = load_indicator_system(spec)
    evaluation = system.evaluate(table)
    consistency = ind.ahp_consistency_table(evaluation, system)
    assert not consistency.data.loc[0, "consistent"] and consistency.data.loc[0, "consistency_ratio"] > 0.1
    assert consistency.to_frame("zh").iloc[0, -1] == "否"
    worst = ind.worst_judgements_table(evaluation, system, top=3)
    assert len(worst) == 3 and set(worst.data["level"]) == {"dimensions"}
    cr = evaluation.ahp["dimensions"].consistency_ratio
    assert f"NOT consistent (CR = {cr:.3f} > 0.10)" in ind.ahp_narrative(evaluation, system).text("en")
    small = ind.indicator_case("retail_demo", 2024, n_customers=3000)
    figures = {f["name"]: f["value"] for f in ind.indicator_figures(small, evaluation, system)}
    assert figures["ahp_consistent"] is False and figures["ahp_cr"] > 0.1


def test_weights_table(evaluation, system):
    weights = ind.indicator_weights_table(evaluation, system).data
    assert weights["global_weight"].sum() == pytest.approx(1.0)
    customer = weights[weights["dimension"] == "customer"]
    assert customer["ahp_weight"].sum() == pytest.approx(1) and customer["entropy_weight"].sum() == pytest.approx(1)
    combined = customer["ahp_weight"] * customer["entropy_weight"]
    np.testing.assert_allclose(customer["local_weight"], combined / combined.sum())
    assert weights.loc[weights["dimension"] != "customer", "ahp_weight"].isna().all()
    np.testing.assert_allclose(weights["global_weight"], weights["local_weight"] * weights["dimension_weight"])
    shown = ind.indicator_weights_table(evaluation, system).to_frame("zh")
    assert (shown.loc[6:, "AHP 权重"] == "—").all()  # not used: a dash, not NaN
    assert ind.weights_narrative(evaluation, system).text("en") == \
        f"The largest global weight goes to Revenue, Revenue per active customer ({weights['global_weight'].max():.3f})."


def test_ranking_scores_and_dimension_tables(evaluation, system):
    ranking = ind.ranking_table(evaluation, system).data
    assert ranking["closeness"].is_monotonic_decreasing
    assert ranking["topsis_rank"].tolist() == list(range(1, 13))
    assert ranking["unit"].iloc[0] == evaluation.topsis.closeness.idxmax()
    assert ranking.columns[-4:].tolist() == ["customer", "financial", "internal_process", "learning_growth"]
    shown = ind.ranking_table(evaluation, system).to_frame("en")
    assert shown.columns[-4:].tolist() == ["Customer", "Financial", "Internal process", "Learning and growth"]
    assert all(len(v.split(".")[-1]) == 1 for v in shown["Learning and growth"])  # one decimal throughout
    scores = ind.normalised_scores_table(evaluation, system)
    assert scores.data["unit"].tolist() == ranking["unit"].tolist() and scores.data.shape == (12, 11)
    values = scores.data[system.indicator_ids]
    assert values.min().min() == 0 and values.max().max() == 1
    # cost indicators: the unit with the fewest complaints per customer scores 1
    best = evaluation.data["complaint_rate"].idxmin()
    assert scores.data.set_index("unit").loc[best, "complaint_rate"] == 1.0
    assert "投诉处理：客户投诉率" in scores.to_frame("zh").columns
    dims = ind.dimension_scores_table(evaluation, system).data
    assert dims["unit"].tolist() == ranking["unit"].tolist() and dims.iloc[:, 1:].to_numpy().max() <= 100


def test_ranking_narrative_says_who_ranks_first_and_by_how_much(case, evaluation):
    ordered = evaluation.topsis.closeness.sort_values(ascending=False)
    text = ind.ranking_narrative(evaluation, case).text("en")
    gap = ordered.iloc[0] - ordered.iloc[1]
    assert text.startswith(f"{ordered.index[0]} ranks first by TOPSIS (closeness {ordered.iloc[0]:.3f}), "
                           f"{gap:.3f} ahead of {ordered.index[1]}")
    assert f"{ordered.index[-1]} ranks last" in text
    rho = stats.spearmanr(ordered, evaluation.composite.score.reindex(ordered.index))[0]
    assert f"ρ = {rho:.3f}" in text and ("differently" in text) == (rho < 0.7)
    assert "synthetic" in text  # the teaching case says its supplied values are synthetic
    assert ind.ranking_narrative(evaluation, case).text("zh").startswith(f"按 TOPSIS 排序，{ordered.index[0]} 排名第一")


# --------------------------------------------------------------------------- survey tables

def test_fuzzy_by_unit_from_grade_frequencies(case):
    fuzzy = ind.fuzzy_by_unit(case)
    assert fuzzy.columns.tolist() == ["unit", *ind.GRADES, "grade", "score"]
    np.testing.assert_allclose(fuzzy[list(ind.GRADES)].sum(axis=1), 1.0)
    s06 = case.survey.loc[case.survey["store"] == "S06", ITEMS].to_numpy()
    shares = [(s06 == grade).mean() for grade in (5, 4, 3, 2, 1)]  # equal weights: pooled shares
    row = fuzzy.set_index("unit").loc["S06"]
    np.testing.assert_allclose(row[list(ind.GRADES)].to_numpy(float), shares)
    assert row["grade"] == ind.GRADES[int(np.argmax(shares))]
    assert row["score"] == pytest.approx(s06.mean())
    zh = ind.fuzzy_grades_table(case).to_frame("zh")
    assert zh.columns.tolist()[1:6] == ["很满意", "满意", "一般", "不满意", "很不满意"]
    assert zh.loc[fuzzy["unit"] == "S06", "评价等级（最大隶属度）"].item() == \
        ["很满意", "满意", "一般", "不满意", "很不满意"][int(np.argmax(shares))]
    # the principal-factor operator caps memberships at the item weights: another result
    min_max = ind.fuzzy_by_unit(case, operator="min-max")
    assert not np.allclose(min_max[list(ind.GRADES)].to_numpy(float), fuzzy[list(ind.GRADES)].to_numpy(float))
    with pytest.raises(ValueError, match="operator"):
        ind.fuzzy_by_unit(case, operator="average")
    scores = fuzzy.set_index("unit")["score"]
    text = ind.fuzzy_narrative(case).text("en")
    assert f"{scores.idxmax()} scores highest ({scores.max():.2f}), {scores.idxmin()} lowest ({scores.min():.2f})" \
        in text


def test_reliability_tables_match_the_alpha_formula(case):
    result = ind.satisfaction_reliability(case)
    x = case.survey[ITEMS].to_numpy(float)
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    table = ind.reliability_table(result).data
    assert table.loc[0, "alpha"] == pytest.approx(alpha)
    assert table.loc[0, "ci_low"] < alpha < table.loc[0, "ci_high"]
    assert 0.8 <= alpha < 0.9 and table.loc[0, "reliability"] == "good"
    assert ind.reliability_table(result).to_frame("zh").loc[0, "信度评价"] == "良好（≥ 0.8）"
    items = ind.reliability_items_table(result)
    assert items.to_frame("zh")["项目"].tolist() == ["商品质量与新鲜度", "价格与促销", "员工服务", "购物环境", "收银与排队"]
    rest = x[:, 1:].sum(axis=1)
    assert items.data.loc[0, "item_total_correlation"] == pytest.approx(np.corrcoef(x[:, 0], rest)[0, 1])
    assert ind.reliability_narrative(result).text("en") == (
        f"Cronbach's α of the 5 satisfaction items is {alpha:.3f} (95% CI {result.ci_low:.3f}–{result.ci_high:.3f}): "
        "good (≥ 0.8).")


def test_nps_csat_table(case):
    shown = ind.nps_csat_table(case, top_box=2)
    table = shown.data.set_index("unit")
    assert table.index.tolist()[-1] == "all" and len(table) == 13
    assert shown.to_frame("zh").iloc[-1, 0] == "全部" and shown.to_frame("en").columns[0] == "Store"
    s01 = case.survey[case.survey["store"] == "S01"]
    assert table.loc["S01", "nps"] == pytest.approx(100 * ((s01["nps"] >= 9).mean() - (s01["nps"] <= 6).mean()))
    assert table.loc["all", "csat"] == pytest.approx((case.survey[ITEMS].to_numpy() >= 4).mean())
    np.testing.assert_allclose(table[["promoters", "passives", "detractors"]].sum(axis=1), 1.0)
    assert table["respondents"].iloc[:-1].sum() == table.loc["all", "respondents"]
    assert shown.to_frame("en").loc[0, "NPS"] == f"{table.loc['S01', 'nps']:+.1f}"
    units = table.iloc[:-1]
    text = ind.nps_narrative(case).text("en")
    assert f"highest in {units['nps'].idxmax()} ({units['nps'].max():+.1f})" in text
    assert f"lowest in {units['nps'].idxmin()} ({units['nps'].min():+.1f})" in text


def test_membership_value_distribution_shows_most_card_holders_see_little_value(case):
    table = ind.membership_value_table(case)
    data = table.data
    assert data["answer"].tolist() == [1, 2, 3, 4, 5] and table.to_frame("zh")["含义"].tolist()[0] == "几乎没有"
    answers = case.survey["membership_value"].dropna()
    assert data["card_holders"].sum() == len(answers)
    assert data["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert data["cumulative_share"].iloc[1] == pytest.approx((answers <= 2).mean())
    assert data["cumulative_share"].iloc[1] > 0.6  # the finding of the teaching case
    low = (answers <= 2).mean()
    assert ind.membership_narrative(case).text("en") == (
        f"{low:.1%} of the {len(answers):,} card holders asked say the membership card brings them little "
        "(1 or 2 of 5): most members do not value the programme.")
    no_question = ind.IndicatorCase(case.case, case.customers, case.survey.drop(columns=["membership_value"]),
                                    None, None, "store")
    skipped = ind.membership_value_table(no_question)
    assert isinstance(skipped, Skipped) and "membership_value" in skipped.text("en")
    assert isinstance(ind.membership_narrative(no_question), Skipped)


# --------------------------------------------------------------------------- key figures

def test_indicator_figures_recomputed_independently(case, table, evaluation, system):
    figures = ind.indicator_figures(case, evaluation, system, top_box=2)
    values = {f["name"]: f["value"] for f in figures}
    closeness, weights = _independent_closeness(table)
    assert values["units"] == 12
    assert values["best_unit"] == closeness.idxmax() and values["worst_unit"] == closeness.idxmin()
    assert values["best_closeness"] == pytest.approx(closeness.max())
    assert values["worst_closeness"] == pytest.approx(closeness.min())
    assert values["best_unit_composite"] == evaluation.composite.score.idxmax()
    assert values["rank_agreement"] == pytest.approx(stats.spearmanr(closeness, evaluation.composite.score
                                                                     .reindex(closeness.index))[0])
    assert values["top_indicator_weight"] == pytest.approx(weights.max())
    assert values["top_indicator"] == ["revenue", "revenue_per_customer"]  # equal weights tie; stable ids
    _, lam, cr = _ahp(DEFAULT_INDICATOR_SYSTEM["weighting"]["pairwise"],
                      [d["id"] for d in DEFAULT_INDICATOR_SYSTEM["dimensions"]])
    assert values["ahp_lambda_max"] == pytest.approx(lam) and values["ahp_cr"] == pytest.approx(cr)
    assert values["ahp_consistent"] is True
    survey = case.survey
    x = survey[ITEMS].to_numpy(float)
    alpha = 5 / 4 * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))
    assert values["cronbach_alpha"] == pytest.approx(alpha)
    assert values["cronbach_alpha_ci_low"] < alpha < values["cronbach_alpha_ci_high"]
    assert values["nps"] == pytest.approx(100 * ((survey["nps"] >= 9).mean() - (survey["nps"] <= 6).mean()))
    assert values["csat"] == pytest.approx((x >= 4).mean())
    shares = [(x == g).mean() for g in (5, 4, 3, 2, 1)]
    assert values["fuzzy_grade"] == ind.GRADES[int(np.argmax(shares))]
    assert values["fuzzy_score"] == pytest.approx(x.mean())
    assert values["best_fuzzy_unit"] == survey.groupby("store")[ITEMS].mean().mean(axis=1).idxmax()
    members = survey["membership_value"].dropna()
    assert values["membership_low_value_share"] == pytest.approx((members <= 2).mean())
    assert values["members_asked"] == len(members) == int(case.customers.set_index("customer_id")
                                                         .loc[survey["customer_id"], "member"].sum())
    headline = [f["name"] for f in figures if f.get("headline")]
    assert {"best_unit", "cronbach_alpha", "ahp_cr", "nps", "membership_low_value_share"} <= set(headline)
    # the rankings rest on the synthetic supplied values of the teaching case, and say so
    by_name = {f["name"]: f for f in figures}
    assert "synthetic" in by_name["best_unit"]["assumption"]["en"] and "合成" in by_name["best_unit"]["assumption"]["zh"]


def test_indicator_figures_carry_both_labels_and_are_recordable(case, evaluation, system):
    figures = ind.indicator_figures(case, evaluation, system)
    assert all(set(f["label"]) == {"en", "zh"} and f["label"]["en"] != f["label"]["zh"] for f in figures)
    by_name = {f["name"]: f for f in figures}
    assert by_name["best_unit"]["label"] == {"en": "Best store (TOPSIS)", "zh": "TOPSIS 排名第一的门店"}
    assert by_name["csat"]["label"]["zh"] == "总体满意度 CSAT（前 2 级占比）"
    zh = figures_table(figures, "zh")
    assert zh.loc[zh.iloc[:, 0] == "总体模糊综合评价等级"].iloc[0, 1] == "满意"
    reset()
    record_many(figures)  # no NaN, only plain values
    assert len(recorded()) == len(figures)
    reset()
    set_display("zh")
    shown = ind.record_indicator_figures(figures, system).to_frame("zh")
    assert {r["name"]: r["value"] for r in recorded()}["top_indicator"] == ["revenue", "revenue_per_customer"]
    assert shown.loc[shown.iloc[:, 0] == "综合权重最大的指标"].iloc[0, 1] == "销售额、客均销售额"
    reset()


# --------------------------------------------------------------------------- the recorded tables

def _tables(case, evaluation, system, table):
    reliability = ind.satisfaction_reliability(case)
    shown = [ind.units_table(case), ind.system_table(system), ind.indicators_table(table, system),
             ind.ahp_consistency_table(evaluation, system), ind.ahp_weights_table(evaluation, system),
             ind.worst_judgements_table(evaluation, system, every_level=True),
             ind.indicator_weights_table(evaluation, system), ind.ranking_table(evaluation, system),
             ind.normalised_scores_table(evaluation, system), ind.dimension_scores_table(evaluation, system),
             ind.fuzzy_grades_table(case), ind.reliability_table(reliability), ind.reliability_items_table(reliability),
             ind.nps_csat_table(case), ind.membership_value_table(case)]
    return shown


def test_every_recorded_column_has_a_catalogue_entry_with_both_languages_and_a_doc(case, evaluation, system, table):
    for shown in _tables(case, evaluation, system, table):
        wide = set(getattr(shown, "wide_columns", ()))
        for column in shown.data.columns:
            if column in wide:  # indicator / dimension ids: named by the indicator system
                assert column in system.indicator_ids or column in [d.id for d in system.dimensions]
                continue
            assert has_label(column, "indicators"), (shown.name, column)
            found = entry(column, "indicators")
            assert found.en and found.zh and found.doc, (shown.name, column)


def test_en_and_zh_record_identical_tables(tmp_path, monkeypatch, case, evaluation, system, table):
    written = {}
    for lang in ("en", "zh"):
        folder = tmp_path / lang
        monkeypatch.setenv("CVM_RESULTS_DIR", str(folder))
        monkeypatch.setenv("CVM_STUDY", "04_crm_indicators")
        reset()
        set_display(lang)
        for shown in _tables(case, evaluation, system, table):
            shown.to_frame()  # displaying does not change what is recorded
        written[lang] = {p.name: p.read_bytes() for p in folder.glob("*.csv")}
    reset()
    assert len(written["en"]) == 15 and written["en"] == written["zh"]
    info = ind.ranking_table(evaluation, system).info()  # what the spreadsheet needs to name the ids
    assert info["headers"]["unit"] == {"en": "Store", "zh": "门店"}
    assert info["headers"]["customer"] == {"en": "Customer", "zh": "客户维度"}
    assert ind.indicator_weights_table(evaluation, system).info()["values"]["indicator"]["revenue"] == \
        {"en": "Revenue", "zh": "销售额"}


def test_chinese_tables_read_cleanly(case, evaluation, system, table):
    import re

    for shown in _tables(case, evaluation, system, table):
        zh = shown.to_frame("zh")
        for header in zh.columns:
            assert not re.fullmatch(r"[A-Za-z_ ]+", header) or header in ("CSAT", "NPS", "CI", "RI", "CR"), header
        cells = zh.astype(str).to_numpy().ravel()
        assert not any(re.fullmatch(r"-?\d+\.\d{4,}", c) for c in cells), shown.name  # no raw floats
        assert not any(c.lower() in ("nan", "none", "<na>") for c in cells), shown.name


# --------------------------------------------------------------------------- figures

@pytest.mark.slow
def test_study_figures_render_in_both_languages(case, evaluation, system, tmp_path):
    for lang in ("en", "zh"):
        set_display(lang)
        plots.set_theme(lang)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
            drawn = [ind.weights_figure(evaluation, system), ind.ranking_figure(evaluation), ind.fuzzy_figure(case),
                     ind.nps_figure(case), ind.membership_figure(case), ind.heatmap_figure(evaluation, system),
                     ind.radar_figure(evaluation, system)]
            titles = []
            for item in drawn:
                fig = item if isinstance(item, plt.Figure) else item.figure
                fig.savefig(tmp_path / "f.png")
                titles += [ax.get_title() for ax in fig.axes]
                plt.close(fig)
        joined = " ".join(titles)
        if lang == "zh":
            assert "模糊综合评价" in joined and "会员卡" in joined and "综合权重" in joined
        else:
            assert "Fuzzy comprehensive evaluation" in joined and "membership card" in joined
    set_display("en")
    no_question = ind.IndicatorCase(case.case, case.customers, case.survey.drop(columns=["membership_value", "nps"]),
                                    None, None, "store")
    assert isinstance(ind.membership_figure(no_question), Skipped)
    assert isinstance(ind.nps_figure(no_question), Skipped)
    assert "no NPS" in ind.nps_narrative(no_question).text("en")
