"""Teaching cases: data, exercise checker, planted truth, notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cvm_lib import cases
from cvm_lib.cases import bank, brewer, gold_tier, simulate
from cvm_lib.cases._data import case_data_dir
from cvm_lib.report.params import discover_studies

ROOT = Path(__file__).resolve().parents[1]
CASE_NOTEBOOKS = ["supermarket", "bank_nine_grid", "gold_tier", "brewer", "crm_programme", "cdnow_clv"]
ALL = [(e.case, e.id) for c in cases.CASES for e in cases.exercises(c)]


def test_every_case_has_at_least_four_exercises_of_all_three_kinds():
    assert sorted(cases.CASES) == sorted(CASE_NOTEBOOKS)
    for case in cases.CASES:
        items = cases.exercises(case)
        assert len(items) >= 4
        assert {e.kind for e in items} == {"compute", "interpret", "decide"}, case


def test_committed_case_data_equal_a_fresh_simulation(tmp_path):
    written = simulate.write_case_data(tmp_path)
    assert {p.name for p in written} == {f for files in simulate.CASE_FILES.values() for f in files}
    for path in written:
        assert path.read_bytes() == (case_data_dir() / path.name).read_bytes(), path.name


def test_simulation_is_deterministic_and_seed_dependent():
    a = simulate.simulate_bank()["bank_clients.csv"]
    pd.testing.assert_frame_equal(a, simulate.simulate_bank()["bank_clients.csv"])
    assert not a.equals(simulate.simulate_bank(seed=8)["bank_clients.csv"])


def _tolerance(ex, expected):
    return max(ex.abs_tol, ex.rel_tol * abs(expected))


@pytest.mark.parametrize("case,exercise_id", ALL)
def test_checker_accepts_the_right_answer_and_rejects_a_wrong_one(case, exercise_id):
    ex = cases.exercise(case, exercise_id)
    expected = cases.expected_answer(case, exercise_id)
    if ex.answer == "option":
        keys = list(ex.options)
        letter = "ABCDEFGH"[keys.index(expected)]
        assert cases.check_answer(case, exercise_id, letter).correct is True
        assert cases.check_answer(case, exercise_id, letter.lower()).correct is True
        for other in "ABCDEFGH"[: len(keys)]:
            if other != letter:
                assert cases.check_answer(case, exercise_id, other).correct is False
        assert cases.check_answer(case, exercise_id, "Z").correct is False
        return
    tol = _tolerance(ex, expected)
    assert cases.check_answer(case, exercise_id, expected).correct is True
    assert cases.check_answer(case, exercise_id, expected + 0.5 * tol).correct is True
    step = 2 * tol if tol > 0 else 1
    for wrong in (expected + step, expected - step):
        verdict = cases.check_answer(case, exercise_id, wrong)
        assert verdict.correct is False
        assert ("偏高" in verdict.zh) == (wrong > expected) and ("too low" in verdict.en) == (wrong < expected)
    assert f"{expected:.6g}" not in cases.check_answer(case, exercise_id, expected + step).en


def test_answers_as_text_and_percentages():
    expected = cases.expected_answer("supermarket", "e1")
    assert cases.check_answer("supermarket", "e1", f"{expected * 100:.2f}%").correct is True
    assert cases.check_answer("supermarket", "e1", f"{expected:.4f}").correct is True
    assert cases.check_answer("supermarket", "e1", f"{expected * 100:.2f}").correct is False  # 60 is not a share
    bad = cases.check_answer("supermarket", "e1", "about half")
    assert bad.correct is False and "无法识别" in bad.zh and "Cannot read" in bad.en
    pending = cases.check_answer("supermarket", "e1", None)
    assert pending.correct is None and not pending
    assert "✏️" in pending._repr_markdown_()


def test_unknown_case_or_exercise_names_the_choices():
    with pytest.raises(KeyError, match="cases: supermarket"):
        cases.check_answer("nope", "e1", 1)
    with pytest.raises(KeyError, match="exercises: e1, e2"):
        cases.check_answer("supermarket", "e99", 1)


def test_exercise_sheet_has_no_answers_and_the_solution_table_does():
    for case in cases.CASES:
        for lang in ("zh", "en"):
            sheet = cases.exercise_table(case, lang)
            assert len(sheet) == len(cases.exercises(case))
            solutions = cases.solution_table(case, lang)
            assert solutions["exercise"].tolist() == sheet["exercise"].tolist()
            assert "answer" in solutions.columns and "answer" not in sheet.columns
            assert list(sheet.columns) == ["exercise", "kind", "question", "unit", "tolerance"]
            questions = sheet["question"].tolist()
            assert all(questions) and len(set(questions)) == len(questions)
            cjk = [any("\u4e00" <= ch <= "\u9fff" for ch in q) for q in questions]
            assert all(cjk) or lang == "en", (case, lang)


def test_every_exercise_text_is_in_the_catalogue_in_both_languages():
    from cvm_lib.labels import entry

    for case in cases.CASES:
        for e in cases.exercises(case):
            for key in [e.key, *(f"{e.key}.{cases._core._option_key(o)}" for o in e.options)]:
                found = entry(key, "cases")
                assert found.en and found.zh and found.en != found.zh, key
            assert e.explain("zh") and e.explain("en"), e.key


# --- answers checked against independent computations and planted truth ----------------------------

def test_supermarket_answers_match_a_direct_computation():
    m = pd.read_csv(case_data_dir() / "supermarket_members.csv")
    spend = np.sort(m.loc[m["spend_2024"] > 0, "spend_2024"].to_numpy())[::-1]
    top = spend[: int(round(0.2 * len(spend)))].sum() / spend.sum()
    assert cases.expected_answer("supermarket", "e1") == pytest.approx(top, abs=1e-9)
    cum = np.cumsum(spend) / spend.sum()
    assert cases.expected_answer("supermarket", "e2") == int(np.searchsorted(cum, 0.7) + 1)
    s = pd.read_csv(case_data_dir() / "supermarket_survey.csv")
    items = s[[f"q{k}" for k in range(1, 6)]].to_numpy(float)
    alpha = 5 / 4 * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert cases.expected_answer("supermarket", "e4") == pytest.approx(alpha)
    nps = 100 * ((s["recommend"] >= 9).mean() - (s["recommend"] <= 6).mean())
    assert cases.expected_answer("supermarket", "e6") == pytest.approx(nps)
    # planted: gold members recommend least
    assert cases.expected_answer("supermarket", "e7") == "gold"


def test_raroc_and_portfolio_raroc():
    assert bank.raroc(100.0, 40.0, 5.0, 200.0) == pytest.approx(0.275)
    c = pd.read_csv(case_data_dir() / "bank_clients.csv")
    direct = (c.revenue.sum() - c.operating_cost.sum() - c.expected_loss.sum()) / c.economic_capital.sum()
    assert cases.expected_answer("bank_nine_grid", "e1") == pytest.approx(direct)


def test_bank_high_value_cell_by_tertiles():
    c = bank.load()
    q = c[["revenue", "raroc"]].quantile([1 / 3, 2 / 3])
    high = (c.revenue > q.loc[2 / 3, "revenue"]) & (c.raroc > q.loc[2 / 3, "raroc"])
    assert cases.expected_answer("bank_nine_grid", "e2") == int(high.sum())


def test_gold_tier_recovers_the_planted_defection():
    tx = gold_tier.load()
    flows = gold_tier.gold_flows(tx)
    rate = flows["defected"].sum() / flows["gold_before"].sum()
    assert rate == pytest.approx(simulate.TRUTH["gold_tier"]["gold_defection_per_quarter"], abs=0.025)
    assert abs(cases.expected_answer("gold_tier", "e1")) <= 10  # the count stays stable
    assert cases.expected_answer("gold_tier", "e5") == "hidden"
    # value lost, computed directly from the file
    s = pd.read_csv(case_data_dir() / "gold_tier_spend.csv")
    wide = s.pivot(index="customer_id", columns="quarter", values="spend")
    lost = sum(wide.loc[(wide[a] >= 3000) & wide[b].isna(), a].sum()
               for a, b in zip(wide.columns[:-1], wide.columns[1:]))
    assert cases.expected_answer("gold_tier", "e4") == pytest.approx(lost)


def test_brewer_cox_recovers_the_planted_drivers():
    case = brewer.load()
    truth = pd.Series(simulate.TRUTH["brewer"]["log_hazard_ratios"])[brewer.COVARIATES]
    ci = case.cox.confidence_intervals_
    assert (case.cox.params_ < 0).all()
    inside = (ci.iloc[:, 0] <= truth) & (truth <= ci.iloc[:, 1])
    assert inside.sum() >= 3, pd.concat([ci, truth.rename("truth")], axis=1)
    # retention rises with relationship age (Weibull shape < 1)
    assert cases.expected_answer("brewer", "e3") == "rises"


def test_brewer_keeping_value_matches_the_closed_form():
    case = brewer.load()
    r = brewer._base_retention(case)
    m = brewer._annual_margin(case)
    d = brewer.DISCOUNT

    def clv(rate):  # margin at t = 0, 1, ... times rate**t / (1+d)**t
        return m / (1 - rate / (1 + d))
    assert cases.expected_answer("brewer", "e6") == pytest.approx(clv(r + 0.05) - clv(r), rel=1e-6)


def test_cdnow_bgnbd_reproduces_the_published_estimates():
    case = cases._core._data("cdnow_clv")
    p = case.bgnbd.params_
    assert p["r"] == pytest.approx(0.243, abs=0.001) and p["alpha"] == pytest.approx(4.414, abs=0.01)
    assert p["a"] == pytest.approx(0.793, abs=0.001) and p["b"] == pytest.approx(2.426, abs=0.01)


def test_crm_programme_ahp_is_consistent_and_topsis_closeness_in_range():
    case = cases._core._data("crm_programme")
    assert 0 < case.ahp.consistency_ratio < 0.1
    c = case.topsis("ahp").closeness
    assert ((c > 0) & (c < 1)).all()
    assert case.ahp.weights.sum() == pytest.approx(1)


def test_missing_case_file_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CVM_CASES_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="write_case_data"):
        bank.load()
    pd.DataFrame({"client_id": ["C1"]}).to_csv(tmp_path / "bank_clients.csv", index=False)
    from cvm_lib.data import CvmDataError
    with pytest.raises(CvmDataError, match="bank_clients.csv.*missing"):
        bank.load()


# --- notebooks ------------------------------------------------------------------------------------

def _notebook(name):
    return json.loads((ROOT / "notebooks" / "cases" / f"{name}.ipynb").read_text(encoding="utf-8"))


def test_cases_are_discovered_as_studies_with_lang_and_teacher():
    studies = discover_studies(ROOT / "notebooks")
    for name in CASE_NOTEBOOKS:
        study = studies[f"cases/{name}"]
        assert study.parameters["lang"].default == "zh"
        assert study.parameters["teacher"].default is False and study.parameters["teacher"].types == ("bool",)


@pytest.mark.parametrize("name", CASE_NOTEBOOKS)
def test_notebooks_are_thin_without_outputs_or_answers(name):
    nb = _notebook(name)
    code = [("".join(c["source"]), c) for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for _, c in code)
    source = "\n".join(s for s, _ in code)
    for forbidden in ("expected_answer", "solution_table", "for ", "groupby"):
        assert forbidden not in source
    checks = [s for s, _ in code if "check_answer" in s]
    assert len(checks) == len(cases.exercises(name))
    assert all("answer = None" in s for s in checks)
    assert sum("teacher" in s and "show_solutions" in s for s, _ in code) == 1


@pytest.mark.slow
@pytest.mark.parametrize("lang,teacher", [("zh", True), ("en", False)])
@pytest.mark.parametrize("name", CASE_NOTEBOOKS)
def test_case_notebook_runs_under_papermill(name, lang, teacher, tmp_path):
    import papermill as pm
    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "cases" / f"{name}.ipynb"), str(out),
                        parameters={"lang": lang, "teacher": teacher}, cwd=str(ROOT), progress_bar=False,
                        kernel_name="python3")
    text = out.read_text(encoding="utf-8")
    assert "Traceback" not in text
    ran = json.loads(text)
    checks = [c for c in ran["cells"] if c["cell_type"] == "code" and "check_answer" in "".join(c["source"])]
    assert len(checks) == len(cases.exercises(name))
    pending = "尚未作答" if lang == "zh" else "Not answered yet"
    assert all(pending in json.dumps(c["outputs"], ensure_ascii=False) for c in checks)  # ran, not answered
    assert ("Solutions hidden" in text) is (not teacher)
    if teacher:  # the teacher's table shows every computed answer
        for answer in cases.solution_table(name, lang)["answer"]:
            assert answer.replace("<", "&lt;").replace(">", "&gt;") in text or answer in text


# --- the case studies' tables: stable files, catalogue coverage, readable Chinese ----------------------

def _case_tables():
    from cvm_lib.studies.cases import bank as b, brewer as br, cdnow_clv as cd, crm_programme as crm, gold_tier as gt
    from cvm_lib.studies.cases import supermarket as sm

    out = {}
    c = sm.load()
    out.update(abc=sm.abc_table(c), tiers=sm.tier_table(c), nps=sm.nps_table(c), goals=sm.crm_goals(c),
               members=sm.members(c))
    k = b.load()
    value, growth = b.value_grid(k), b.growth_grid(k)
    out.update(cuts=b.cut_table(value, "value"), value_strategies=b.strategy_table(value, "value"),
               growth_strategies=b.strategy_table(growth, "growth"), gap=b.gap_table(k), clients=b.clients(k))
    tx = gt.load()
    out.update(tier_counts=gt.tier_counts(tx), flows=gt.flow_table(gt.migration(tx, "2023Q1", "2023Q2"), "2023Q1", "2023Q2"),
               gold_flows=gt.gold_flows(tx))
    case = br.load()
    out.update(stages=br.stage_table(case), retention=br.retention_by_age(case), drivers=br.drivers(case),
               keeping=br.keeping_value(case), distributors=br.distributors(case))
    r = crm.load()
    out.update(system=crm.indicator_system(), branches=crm.branch_table(r), judgements=crm.judgement_matrix(r),
               ahp=crm.ahp_check(r), weights=crm.weights_table(r), topsis=crm.ranking(r), factors=crm.factor_table(r),
               fuzzy=crm.fuzzy_table(r))
    d = cd.load()
    out.update(simple=cd.simple_table(d), bgnbd=cd.bgnbd_parameters(d), holdout=cd.holdout_comparison(d),
               clv=cd.clv_comparison(d), summary=cd.customer_summary(d))
    return out


@pytest.fixture(scope="module")
def case_tables():
    from cvm_lib.studies import _table, set_display

    saved = dict(_table._DISPLAY)
    try:
        set_display("zh", "¥")
        return _case_tables()
    finally:
        _table._DISPLAY.update(saved)


def test_case_tables_have_stable_snake_case_columns_documented_in_both_languages(case_tables):
    import re as _re

    from cvm_lib.labels import entry

    for name, table in case_tables.items():
        for column in table.data.columns:
            if str(column) in table.raw_columns:
                assert _re.fullmatch(r"\d{4}Q\d", str(column)), (name, column)  # quarters, the same in every language
                continue
            assert _re.fullmatch(r"[a-z_0-9]+|T", str(column)), (name, column)
            found = entry(column, table.context)
            assert found.en and found.zh and found.doc, (name, column)


def test_case_tables_record_the_same_data_in_either_language(monkeypatch):
    from cvm_lib.studies import _table, set_display

    monkeypatch.setattr(_table, "_DISPLAY", dict(_table._DISPLAY))
    set_display("en", "¥")
    english = {k: t.data for k, t in _case_tables().items()}
    set_display("zh", "¥")
    chinese = {k: t.data for k, t in _case_tables().items()}
    for name in english:
        pd.testing.assert_frame_equal(english[name], chinese[name], check_exact=True, obj=name)


def test_chinese_case_tables_read_cleanly(case_tables):
    import re as _re

    for name, table in case_tables.items():
        frame = table.to_frame("zh")
        for header, column in zip(frame.columns, table.data.columns, strict=True):
            if str(column) not in table.raw_columns:
                assert _re.search(r"[\u4e00-\u9fff]", header), (name, header)
        cells = [str(v) for v in frame.to_numpy().ravel()]
        assert not [c for c in cells if _re.fullmatch(r"-?\d+\.\d{5,}", c)], name
        assert not [c for c in cells if c.lower() in ("nan", "nat", "none")], name
    assert case_tables["stages"].to_frame("zh").iloc[:, 0].tolist() == ["培育期", "确认期", "信任期", "弱化期", "消失期"]
    assert "核心客户：重点维护、深度经营" in case_tables["value_strategies"].to_frame("zh").iloc[0].tolist()


def test_case_tables_agree_with_the_exercises(case_tables):
    stages = case_tables["stages"].data.set_index("stage")["distributors"]
    assert stages["trust"] == cases.expected_answer("brewer", "e1")
    gold = case_tables["gold_flows"].data
    assert gold["defected"].sum() == cases.expected_answer("gold_tier", "e3")
    keeping = case_tables["keeping"].data.set_index("scenario")["clv"]
    assert keeping["higher"] - keeping["today"] == pytest.approx(cases.expected_answer("brewer", "e6"))
    topsis = case_tables["topsis"].data.set_index("branch")["closeness_ahp"]
    assert topsis.idxmax() == cases.expected_answer("crm_programme", "e6")
