"""Every file of the generated corpus (tests/corpus.py) loads right or is refused clearly.

"Right" means the exact values; "refused" means a CvmDataError (never another exception)
whose message names the file and, for problems in cells, the user's column and the rows as
the user sees them.
"""

import re
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from corpus import CASES, Load, Refuse  # noqa: E402

from cvm_lib.data import CvmDataError, load_transactions  # noqa: E402


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 80
    assert len({c.name for c in CASES}) == len(CASES)
    refused = sum(isinstance(c.expect, Refuse) for c in CASES)
    assert 30 <= refused <= len(CASES) - 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(tmp_path, case):
    reason = case.skip()
    if reason:
        pytest.skip(reason)
    source = case.build(tmp_path)
    expect = case.expect
    if isinstance(expect, Load):
        tx = load_transactions(source, **case.options)
        assert list(tx.columns)[:3] == ["customer_id", "date", "amount"]
        assert tx["date"].dtype == "datetime64[ns]" and tx["amount"].dtype == "float64"
        for column, values in expect.values.items():
            got = tx[column].tolist()
            if column == "date":
                got = [pd.Timestamp(v) for v in got]
            assert got == values, column
        assert set(tx.columns) == set(expect.values)
        for key, value in expect.report.items():
            assert tx.attrs["load_report"][key] == value, key
        return
    try:
        load_transactions(source, **case.options)
    except CvmDataError as err:
        message = str(err)
        assert re.search(expect.match, message, re.S), message
        named = expect.names or str(source)
        assert named in message, message
        assert err.source and (named in err.source or named in message)
        if expect.column is not None:
            assert err.column == expect.column, message
            assert repr(expect.column) in message, message
        if expect.rows is not None:
            assert err.rows == expect.rows, message
            assert ", ".join(map(str, expect.rows)) in message, message
        if expect.option is not None:
            assert err.option == expect.option and expect.option in message, message
    else:
        pytest.fail(f"{case.name}: loaded without an error")
