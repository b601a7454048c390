"""docs/data_dictionary.md is generated from the label catalogue and kept up to date."""

from pathlib import Path

from cvm_lib.labels import CONTEXTS, catalogue
from cvm_lib.report.dictionary import DICTIONARY_FILE, data_dictionary, main

ROOT = Path(__file__).resolve().parent.parent


def test_the_data_dictionary_is_up_to_date():
    current = (ROOT / DICTIONARY_FILE).read_text(encoding="utf-8")
    assert current == data_dictionary(), "regenerate it: python -m cvm_lib.report.dictionary"


def esc(text):
    return " ".join(str(text).split()).replace("|", "\\|")


def test_every_documented_column_is_listed_with_both_languages():
    text = data_dictionary()
    documented = [(k, e) for k, e in catalogue().items() if (e.kind or e.doc) and not k.startswith("unit.")]
    assert len(documented) > 20
    for key, item in documented:
        prefix, _, rest = key.partition(".")
        column = rest if rest and prefix in CONTEXTS else key
        row = f"| `{column}` | {esc(item.en)} | {esc(item.zh)} | {item.kind or ''} |"
        assert row in text, key


def test_check_mode_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "dd.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert main(["--check", "--out", str(stale)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["--out", str(stale)]) == 0 and main(["--check", "--out", str(stale)]) == 0
