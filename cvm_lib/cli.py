"""The ``cvm`` command: list the studies and run them into dated reports.

    cvm --version
    cvm list
    cvm run [STUDY ...] [--data SOURCE] [--column KEY=NAME ...] [--option NAME=VALUE ...]
            [--table NAME | --query SQL] [-p NAME=VALUE ...] [--config FILE.yaml] [--out DIR]
            [--jobs N] [--lang zh|en] [--show-code] [--quiet] [--timeout SECONDS]
    cvm check-data [SOURCE] [--config FILE.yaml] [--column ...] [--option ...] [--table | --query]

The data source (a file, folder/glob, database URL, DuckDB file or bundled name; see
:mod:`cvm_lib.sources`) is described once, by a config's ``data:`` block and/or ``--data``
with ``--column``/``--option``/``--table``/``--query``, and given to every study that has a
``data`` parameter (except those whose ``study_parameters`` name their own). Anything but a
bundled name is loaded and validated here, before any kernel starts, and written into the run
folder as a Parquet snapshot that those studies read; bad data exits 2.

Parameters are validated before any kernel starts. Precedence, lowest first: the
notebook's defaults, the config's ``parameters``, the config's ``study_parameters``,
``--data``/``--lang``, then ``-p``. Exit codes: 0 success, 1 a study failed,
2 bad usage or bad input, 130 interrupted. Whatever fails, the terminal gets one
readable line (what, where, what to do); a traceback goes to the run's ``run.log``
(or, before a run folder exists, to a log file in the temporary folder, named in the message).

A config's ``lang: zh`` (or ``parameters: lang: zh``) gives every study and the run's own
pages (index, ``results.xlsx``) in Chinese, as ``--lang zh`` does; ``--lang`` wins over it.
The recorded results (``results/*.json``, ``*.csv``) are the same in every language.

Config files are YAML mappings of at most 1 MiB with at most 50 aliases, expanding to at
most 100,000 values (an "alias bomb" is refused, not expanded).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import yaml

from cvm_lib.data import CvmDataError
from cvm_lib.paths import project_root, resolve_project_path
from cvm_lib.report.params import (ParameterError, Study, check_regular_file, discover_studies, is_input,
                                   resolve_parameters)
from cvm_lib.sources import CHECK_HINT, DataSource

__all__ = ["main", "project_root"]

_CONFIG_KEYS = {"description", "studies", "data", "lang", "parameters", "study_parameters"}
CONFIG_MAX_BYTES = 1 << 20
CONFIG_MAX_ALIASES = 50
CONFIG_MAX_VALUES = 100_000


class UsageError(Exception):
    """Bad usage or bad input: exit code 2."""


#: Bundled data sets and the raw files they read (hashed in the manifest).
_BUNDLED_FILES = {"cdnow": ["CDNOW_master.txt"], "cdnow_sample": ["CDNOW_sample.txt"], "retail_demo": []}


def _bundled_inputs(name: str) -> list[Path]:
    from cvm_lib.datasets import raw_path

    return [raw_path(f) for f in _BUNDLED_FILES[name]]


def _parse_assignments(items: list[str]) -> dict[str, str]:
    given = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p expects NAME=VALUE, got {item!r}")
        given[name.strip()] = value
    return given


class _LimitedLoader(yaml.SafeLoader):
    """SafeLoader that refuses documents with more than CONFIG_MAX_ALIASES aliases."""

    aliases = 0

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > CONFIG_MAX_ALIASES:
                raise UsageError(f"more than {CONFIG_MAX_ALIASES} YAML aliases (*name); "
                                 "write the values out instead")
        return super().compose_node(parent, index)


def _count_values(value: Any, budget: list[int]) -> None:
    """Count values as expanded (aliases repeat what they point to); stop past the budget."""
    budget[0] -= 1
    if budget[0] < 0:
        raise UsageError(f"it expands to more than {CONFIG_MAX_VALUES:,} values (YAML aliases nested "
                         "in aliases, an 'alias bomb'?)")
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for child in children:
        _count_values(child, budget)


def _read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UsageError(f"config file {path} not found")
    try:
        check_regular_file(path, "config file")
        if path.stat().st_size > CONFIG_MAX_BYTES:
            raise UsageError(f"config file {path} is {path.stat().st_size:,} bytes; the limit is "
                             f"{CONFIG_MAX_BYTES:,} (a config holds parameters, not data)")
        with open(path, "rb") as fh:
            raw = fh.read(CONFIG_MAX_BYTES + 1)
        text = raw.decode("utf-8")
    except ParameterError as exc:
        raise UsageError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"config file {path} is not UTF-8 text: {exc}") from None
    try:
        config = yaml.load(text, Loader=_LimitedLoader) or {}  # noqa: S506 (a SafeLoader subclass)
        _count_values(config, [CONFIG_MAX_VALUES])
    except UsageError as exc:
        raise UsageError(f"config file {path} refused: {exc}") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"config file {path} is not valid YAML: {exc}") from exc
    except RecursionError:
        raise UsageError(f"config file {path} refused: it nests too deeply") from None
    if not isinstance(config, dict):
        raise UsageError(f"config file {path} must be a mapping with keys {sorted(_CONFIG_KEYS)}")
    unknown = set(config) - _CONFIG_KEYS
    if unknown:
        raise UsageError(f"config file {path}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_CONFIG_KEYS)}")
    return config


def _valid_list(studies: list[Study]) -> str:
    names = {}
    for study in studies:
        for p in study.parameters.values():
            names.setdefault(p.name, p.type_text)
    return ", ".join(f"{n} ({t})" for n, t in names.items())


def resolve_run(args: argparse.Namespace, available: dict[str, Study]) -> tuple[list[Study], dict[str, dict]]:
    """Selected studies and each one's validated parameters, or UsageError."""
    config = _read_config(Path(args.config)) if args.config else {}
    # A bare run is the study suite; the teaching cases (notebooks/cases/) run when named,
    # one by one (cases/brewer) or as a group (cases).
    wanted = args.studies or config.get("studies") or [n for n in available if "/" not in n]
    wanted = [m for s in wanted for m in ([n for n in available if n.startswith(s.rstrip("/") + "/")]
                                          if s not in available else [s]) or [s]]
    unknown = [s for s in wanted if s not in available]
    if unknown:
        raise UsageError(f"unknown study {', '.join(map(repr, unknown))}; studies: {', '.join(available)}")
    studies = [available[s] for s in wanted]
    for name in config.get("study_parameters") or {}:
        if name not in available:
            raise UsageError(f"config study_parameters names unknown study {name!r}; studies: {', '.join(available)}")

    suite: dict[str, Any] = dict(config.get("parameters") or {})
    if config.get("lang") is not None:
        if "lang" in suite and suite["lang"] != config["lang"]:
            raise UsageError(f"config file {args.config}: lang is given twice (lang: {config['lang']} and "
                             f"parameters: lang: {suite['lang']}); keep one")
        if any("lang" in s.parameters for s in studies):  # the run's own pages follow it in any case
            suite["lang"] = config["lang"]
    args.report_lang = report_language(args.lang, config.get("lang", suite.get("lang")),
                                       where=f"config file {args.config}")
    cli_text: dict[str, Any] = {}
    if args.lang is not None:
        cli_text["lang"] = args.lang
    cli_text.update(_parse_assignments(args.parameter or []))
    source = data_source(args, config, suite.pop("data", None), cli_text.pop("data", None))
    if source is not None and not any("data" in s.parameters for s in studies):
        raise UsageError(f"no selected study has a parameter 'data'; valid parameters: {_valid_list(studies)}")
    for name in list(suite) + list(cli_text):
        if not any(name in s.parameters for s in studies):
            raise UsageError(f"no selected study has a parameter {name!r}; valid parameters: {_valid_list(studies)}")

    bundled = tuple(_BUNDLED_FILES)
    resolved = {}
    try:
        for study in studies:
            own = (config.get("study_parameters") or {}).get(study.name) or {}
            values = resolve_parameters(study, suite, strict=False, bundled=bundled)
            values.update(resolve_parameters(study, own, strict=True, bundled=bundled))
            values.update(resolve_parameters(study, cli_text, from_text=set(cli_text), strict=False, bundled=bundled))
            resolved[study.name] = values
    except ParameterError as exc:
        raise UsageError(str(exc)) from exc
    args.data_source = source
    args.data_studies = tuple(s.name for s in studies if source is not None and "data" in s.parameters
                              and "data" not in ((config.get("study_parameters") or {}).get(s.name) or {}))
    if source is not None and source.kind == "bundled":
        for name in args.data_studies:
            resolved[name]["data"] = source.source
    return studies, resolved


def report_language(given: str | None, configured: Any = None, *, where: str = "config") -> str:
    """The language of the run's own pages (index, results.xlsx): ``--lang``, else the config's
    ``lang:`` (or ``parameters: lang:``), else English.

    >>> report_language(None, "zh"), report_language("en", "zh"), report_language(None)
    ('zh', 'en', 'en')
    """
    lang = given if given is not None else configured if configured is not None else "en"
    if lang not in ("en", "zh"):
        raise UsageError(f"{where}: lang {lang!r} is not a report language; use en or zh")
    return str(lang)


def data_source(args: argparse.Namespace, config: dict[str, Any], suite_data: Any = None,
                cli_data: Any = None) -> DataSource | None:
    """The run's data source: the config's ``data:`` block (or ``parameters: data``), then ``--data``
    (or ``-p data=``), ``--column``, ``--option``, ``--table``, ``--query`` on top."""
    from cvm_lib.sources import parse_assignment

    where = f"config file {args.config}" if getattr(args, "config", None) else "config"
    block = config.get("data")
    if block is not None and suite_data is not None:
        raise UsageError(f"{where}: the data source is given twice (data: and parameters: data); keep data:")
    given = getattr(args, "data", None) or cli_data
    if getattr(args, "data", None) and cli_data is not None:
        raise UsageError("the data source is given twice (--data and -p data=); keep --data")
    columns = dict(parse_assignment(c, "--column") for c in getattr(args, "column", None) or [])
    options = dict(parse_assignment(o, "--option") for o in getattr(args, "option", None) or [])
    table, query = getattr(args, "table", None), getattr(args, "query", None)
    base = DataSource.from_config(block, where=where) if block is not None else \
        DataSource(str(suite_data)) if suite_data is not None else None
    if base is None and given is None:
        if columns or options or table or query:
            raise UsageError("--column/--option/--table/--query describe a data source: give it with --data SOURCE "
                             "or a config data: block")
        return None
    base = base or DataSource(str(given))
    source = base.updated(source=str(given) if given is not None else None, columns=columns, options=options,
                          table=table, query=query)
    source.check_exists()
    return source


def _prepare_data(args: argparse.Namespace):
    """Load and validate the run's data source here, before any kernel starts (None for bundled data)."""
    from cvm_lib.report.snapshot import PreparedData

    source = getattr(args, "data_source", None)
    if source is None or source.kind == "bundled":
        return None
    if not args.quiet:
        print(f"cvm: loading {source.display} ...", file=sys.stderr)
    tx, raw = source.load_with_raw()
    return PreparedData(source, tx, raw, args.data_studies)


def _inputs_of(studies: list[Study], resolved: dict[str, dict]) -> dict[str, list[Path]]:
    inputs = {}
    for study in studies:
        paths: list[Path] = []
        for name in filter(is_input, study.parameters):
            value = resolved[study.name].get(name, study.parameters[name].default)
            if isinstance(value, str):
                if value in _BUNDLED_FILES:
                    paths.extend(_bundled_inputs(value))
                    continue
                path = resolve_project_path(value)
                paths.extend([path.resolve()] if path.is_file() else [])
        inputs[study.name] = paths
    return inputs


def cmd_list(args: argparse.Namespace) -> int:
    from cvm_lib.sources import describe_keys

    available = discover_studies(Path(args.notebooks))
    users = [s.name for s in available.values() if "data" in s.parameters]
    print(describe_keys(users))
    print()
    for study in available.values():
        print(f"{study.name}  —  {study.title}")
        width = max((len(p.name) for p in study.parameters.values()), default=0)
        for p in study.parameters.values():
            allowed = f"  {p.allowed_text}" if p.allowed_text else ""
            print(f"    {p.name:<{width}}  {p.type_text:<12} = {p.default!r:<14} {p.help}{allowed}".rstrip())
        print()
    return 0


def _where(err: dict[str, Any]) -> str:
    """``cell 3, line 2: raise ValueError(...)`` for an error record of the runner."""
    if err.get("cell") is None:
        return "cell unknown"
    text = f"cell {err['cell']}"
    if err.get("line"):
        text += f", line {err['line']}"
    return text + (f": {err['cell_source']}" if err.get("cell_source") else "")


def cmd_run(args: argparse.Namespace) -> int:
    from cvm_lib.report.runner import run_suite

    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    available = discover_studies(Path(args.notebooks))
    studies, resolved = resolve_run(args, available)
    prepared = _prepare_data(args)
    inputs = _inputs_of(studies, resolved)
    if prepared is not None:
        for name in prepared.studies:
            inputs[name] = prepared.source.files()
    notices: list[str] = []
    try:
        result = run_suite(studies, resolved, out=Path(args.out), project_root=project_root(), jobs=args.jobs,
                           show_code=args.show_code, quiet=args.quiet, cell_timeout=args.timeout,
                           lang=args.report_lang, inputs=inputs,
                           command=["cvm", "run", *(args.studies or [])],
                           config_file=Path(args.config).resolve() if args.config else None, notices=notices,
                           data=prepared)
    finally:
        for line in notices:
            print(f"cvm: {line}", file=sys.stderr)
    for run in result.studies:
        if run.status == "failed":
            err = run.error or {}
            print(f"cvm: study {run.name} failed: notebook {Path(args.notebooks) / (run.name + '.ipynb')}, "
                  f"{_where(err)} — {err.get('ename')}: {err.get('evalue')}", file=sys.stderr)
    where = result.directory
    if result.status == "ok":
        if not args.quiet:
            print(f"report: {where / 'index.html'}")
    else:
        print(f"cvm: run {result.status}; partial results kept in {where}; 'latest' unchanged; "
              f"details in {where / 'run.log'}", file=sys.stderr)
    return result.exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cvm", description="CVM Workbench: run customer value management studies.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--notebooks", default=str(project_root() / "notebooks"), help="folder of study notebooks")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="show every study with its parameters")
    run = sub.add_parser("run", help="run studies into a dated report folder")
    run.add_argument("studies", nargs="*", metavar="STUDY", help="studies to run (default: the config's, else all)")
    _add_source_arguments(run)
    run.add_argument("-p", "--parameter", action="append", metavar="NAME=VALUE", help="set a parameter (repeatable)")
    run.add_argument("--config", metavar="FILE.yaml", help="named parameter set (see studies/*.yaml)")
    run.add_argument("--out", default="reports", help="output folder (default: reports)")
    run.add_argument("--jobs", type=int, default=1, help="run up to N studies at once, in separate processes")
    run.add_argument("--lang", choices=("en", "zh"), help="language of the report: labels, headings, figures, "
                     "index page and results.xlsx (default: the config's lang:, else en); the files in results/ "
                     "do not depend on it")
    run.add_argument("--show-code", action="store_true", help="show code cells in the HTML")
    run.add_argument("--quiet", action="store_true", help="no progress bars (for cron)")
    run.add_argument("--timeout", type=float, default=1800, help="seconds allowed per cell (default 1800)")
    check = sub.add_parser("check-data", help="dry run of a data source: how it is read, its problems, first rows")
    check.add_argument("data", nargs="?", metavar="SOURCE", help="file, folder/glob, database URL, DuckDB file or "
                       "bundled name (default: the config's data: block)")
    check.add_argument("--config", metavar="FILE.yaml", help="take the data: block from this config")
    _add_source_arguments(check, positional=True)
    check.add_argument("--rows", type=int, default=10, help="first rows to show (default 10)")
    check.add_argument("--lang", choices=("en", "zh"), help="language of the report (default: the config's lang:, "
                       "else en)")
    return parser


def _add_source_arguments(parser: argparse.ArgumentParser, positional: bool = False) -> None:
    if not positional:
        parser.add_argument("--data", metavar="SOURCE", help="data for every study: a file, folder/glob, "
                            "postgresql:// URL, DuckDB file or bundled name (cdnow, cdnow_sample, retail_demo)")
    parser.add_argument("--column", action="append", metavar="KEY=NAME",
                        help="your column for a tidy column, e.g. customer=会员卡号 (repeatable; keys: customer, "
                             "date, amount, quantity, channel, category, cost, order_id)")
    parser.add_argument("--option", action="append", metavar="NAME=VALUE",
                        help="a load option, e.g. on_negative=net, encoding=gbk, header_row=2 (repeatable)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--table", help="database source: the table to read")
    group.add_argument("--query", metavar="SQL", help="database source: a select statement to read")


def cmd_check_data(args: argparse.Namespace) -> int:
    from cvm_lib.sources import check_report

    config = _read_config(Path(args.config)) if args.config else {}
    source = data_source(args, config, (config.get("parameters") or {}).get("data"))
    if source is None:
        raise UsageError("check-data needs a SOURCE (or --config with a data: block)")
    lang = report_language(args.lang, config.get("lang", (config.get("parameters") or {}).get("lang")),
                           where=f"config file {args.config}")
    text, ok = check_report(source, rows=args.rows, lang=lang)
    print(text)
    return 0 if ok else 2


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("cvm-workbench")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _log_traceback() -> Path | None:
    """Write the current exception's traceback to a log file; its path, or None."""
    path = Path(tempfile.gettempdir()) / f"cvm-error-{os.getpid()}.log"
    try:
        path.write_text(traceback.format_exc(), encoding="utf-8")
    except OSError:
        return None
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the ``cvm`` command; the one error boundary: known failures become one line and an exit code."""
    from cvm_lib.report.runner import RunError, describe_os_error

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check-data":
            return cmd_check_data(args)
        return cmd_list(args) if args.command == "list" else cmd_run(args)
    except CvmDataError as exc:
        print(f"cvm: error: {exc}\ncvm: {CHECK_HINT}", file=sys.stderr)
        return 2
    except (UsageError, ParameterError, FileNotFoundError) as exc:
        print(f"cvm: error: {exc}", file=sys.stderr)
        return 2
    except RunError as exc:
        print(f"cvm: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("cvm: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        logged = _log_traceback()
        print(f"cvm: error: {describe_os_error(exc)}" + (f" (details in {logged})" if logged else ""),
              file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 (the boundary: a bug still gets one line and a log)
        logged = _log_traceback()
        print(f"cvm: internal error: {type(exc).__name__}: {exc}"
              + (f"; the traceback is in {logged}" if logged else ""), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
