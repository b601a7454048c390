"""Study discovery and strict parameter validation, before any kernel starts.

A study is a notebook under ``notebooks/`` with one code cell tagged ``parameters``.
Each assignment in that cell declares a parameter: its name, its type (from an
annotation such as ``observation_end: str | None = None``, else from the default's
type), its default and, from the trailing comment, a one-line description.

The comment may end with the values allowed, checked before any kernel starts and
shown by ``cvm list``: a set of choices ``{en, zh}`` or an interval ``[0, 1]``,
``(0, inf)``, ``[1, inf)`` (square bracket: bound included). For a list parameter
the constraint applies to every element; ``None`` stays allowed where the type is
optional::

    lang: str = "en"        # language of tables and figures {en, zh}
    margin: float = 0.3     # margin as a share of spend [0, 1]
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cvm_lib.paths import resolve_project_path

__all__ = ["Parameter", "Study", "ParameterError", "discover_studies", "parse_parameters", "coerce_value",
           "check_allowed", "resolve_parameters", "is_input", "check_regular_file", "INPUT_PARAMETERS"]

#: Parameters naming input data: ``data`` (a bundled data set or a file) and every
#: ``*_path`` parameter (a file). They are checked before a run and hashed in its manifest.
INPUT_PARAMETERS = ("data",)


def is_input(name: str) -> bool:
    """Whether the parameter ``name`` names an input file (see :data:`INPUT_PARAMETERS`)."""
    return name in INPUT_PARAMETERS or name.endswith("_path")

_TYPE_NAMES = {"int": int, "float": float, "bool": bool, "str": str, "list": list, "dict": dict}


class ParameterError(ValueError):
    """A parameter that is unknown, of the wrong type, or names a missing file."""


@dataclass(frozen=True)
class Parameter:
    name: str
    types: tuple[str, ...]  # e.g. ("str", "None")
    default: Any
    help: str = ""
    choices: tuple[str, ...] | None = None
    #: (low, high, low included, high included); None for no interval.
    bounds: tuple[float, float, bool, bool] | None = None

    @property
    def type_text(self) -> str:
        return " | ".join(self.types)

    @property
    def allowed_text(self) -> str:
        """The allowed values as written in the declaration (``{en, zh}``, ``[0, 1]``), or ''."""
        if self.choices is not None:
            return "{" + ", ".join(self.choices) + "}"
        if self.bounds is not None:
            lo, hi, lo_in, hi_in = self.bounds
            return f"{'[' if lo_in else '('}{_num_text(lo)}, {_num_text(hi)}{']' if hi_in else ')'}"
        return ""


def _num_text(x: float) -> str:
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    return str(int(x)) if float(x).is_integer() else repr(x)


_CHOICES = re.compile(r"\{\s*([\w.\-]+(?:\s*,\s*[\w.\-]+)*)\s*\}\s*$")
_BOUND = r"\s*(-?inf|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_INTERVAL = re.compile(r"([\[(])" + _BOUND + "," + _BOUND + r"([\])])\s*$")


def _allowed(comment: str) -> tuple[str, tuple[str, ...] | None, tuple[float, float, bool, bool] | None]:
    """Split a trailing ``{a, b}`` or ``[lo, hi]`` off a parameter's comment."""
    match = _CHOICES.search(comment)
    if match:
        items = tuple(part.strip() for part in match.group(1).split(","))
        return comment[:match.start()].rstrip(), items, None
    match = _INTERVAL.search(comment)
    if match:
        lo, hi = float(match.group(2)), float(match.group(3))
        return comment[:match.start()].rstrip(), None, (lo, hi, match.group(1) == "[", match.group(4) == "]")
    return comment, None, None


def check_allowed(param: Parameter, value: Any) -> None:
    """Raise :class:`ParameterError` when ``value`` is outside the declared choices or interval.

    Examples
    --------
    >>> (lang,) = parse_parameters('lang: str = "en"  # language {en, zh}').values()
    >>> lang.help, lang.allowed_text
    ('language', '{en, zh}')
    >>> check_allowed(lang, "fr")
    Traceback (most recent call last):
    ...
    cvm_lib.report.params.ParameterError: parameter 'lang' must be one of {en, zh}, got 'fr'
    """
    if value is None or (param.choices is None and param.bounds is None):
        return
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if param.choices is not None and str(item) not in param.choices:
            raise ParameterError(f"parameter {param.name!r} must be one of {param.allowed_text}, got {item!r}")
        if param.bounds is not None:
            lo, hi, lo_in, hi_in = param.bounds
            ok = isinstance(item, (int, float)) and not isinstance(item, bool) and item == item and \
                (item >= lo if lo_in else item > lo) and (item <= hi if hi_in else item < hi)
            if not ok:
                raise ParameterError(f"parameter {param.name!r} must be in {param.allowed_text}, got {item!r}")


@dataclass(frozen=True)
class Study:
    """A study notebook: its name, file, title (English), parameters and title per report language."""

    name: str
    path: Path
    title: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def _annotation_types(node: ast.expr | None, default: Any) -> tuple[str, ...]:
    if node is None:
        if default is None:
            return ("str", "None")  # an untyped None default: most often an optional text/path
        return (type(default).__name__,)
    text = ast.unparse(node).replace("Optional[", "").replace("]", "")
    names = tuple(part.strip().split("[")[0] for part in re.split(r"\||,", text) if part.strip())
    return tuple("None" if n in ("None", "NoneType") else n for n in names)


def parse_parameters(source: str, where: str = "<parameters cell>") -> dict[str, Parameter]:
    """Parameters declared in the source of a ``parameters`` cell.

    Examples
    --------
    >>> p = parse_parameters('data = "cdnow"  # data set or file\\nend: str | None = None\\nk = 3')
    >>> [(x.name, x.type_text, x.default, x.help) for x in p.values()]
    [('data', 'str', 'cdnow', 'data set or file'), ('end', 'str | None', None, ''), ('k', 'int', 3, '')]
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{where}: the parameters cell is not valid Python: {exc}") from exc
    lines = source.splitlines()
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            name, annotation, value_node = node.target.id, node.annotation, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, annotation, value_node = node.targets[0].id, None, node.value
        else:
            continue
        try:
            default = ast.literal_eval(value_node)
        except ValueError as exc:
            raise ParameterError(f"{where}: parameter {name!r} must have a literal default value") from exc
        comment = lines[node.end_lineno - 1].partition("#")[2].strip() if "#" in lines[node.end_lineno - 1] else ""
        text, choices, bounds = _allowed(comment)
        params[name] = Parameter(name, _annotation_types(annotation, default), default, text, choices, bounds)
    return params


_LANG_TAGS = {"lang-en": "en", "lang-zh": "zh"}


def _titles(cells: list[dict]) -> dict[str, str]:
    """The first line of the first markdown cell shown in each report language (a cell tagged
    ``lang-zh``/``lang-en`` is shown in that language only, an untagged one in both).

    >>> md = lambda text, *tags: {"cell_type": "markdown", "source": text, "metadata": {"tags": list(tags)}}
    >>> _titles([md("# 数据概览", "lang-zh"), md("# Data overview", "lang-en"), md("## More")])
    {'zh': '数据概览', 'en': 'Data overview'}
    >>> _titles([md("# 数据概览 · Data overview")])
    {'en': '数据概览 · Data overview', 'zh': '数据概览 · Data overview'}
    """
    found: dict[str, str] = {}
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        line = next((x for x in "".join(cell.get("source", "")).splitlines() if x.strip()), None)
        if line is None:
            continue
        tagged = [_LANG_TAGS[t] for t in (cell.get("metadata", {}).get("tags") or []) if t in _LANG_TAGS]
        for lang in tagged or ["en", "zh"]:
            found.setdefault(lang, line.lstrip("# ").strip())
        if len(found) == 2:
            break
    return found


def load_study(path: Path, root: Path) -> Study:
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"
              and "parameters" in (c.get("metadata", {}).get("tags") or [])]
    name = path.relative_to(root).with_suffix("").as_posix()
    if len(tagged) != 1:
        raise ParameterError(f"{path}: a study needs exactly one code cell tagged 'parameters' "
                             f"(found {len(tagged)})")
    titles = _titles(nb["cells"])
    return Study(name, path, titles.get("en") or titles.get("zh", ""),
                 parse_parameters("".join(tagged[0]["source"]), str(path)), titles)


def discover_studies(root: Path) -> dict[str, Study]:
    """Every study under ``root`` (notebooks with a ``parameters`` cell), by name.

    Names are paths relative to ``root`` without ``.ipynb`` (``00_data_overview``,
    ``cases/supermarket``); checkpoint folders are ignored.
    """
    studies = {}
    for path in sorted(root.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        study = load_study(path, root)
        studies[study.name] = study
    return studies


def coerce_value(param: Parameter, value: Any, *, from_text: bool) -> Any:
    """Convert a value (a ``-p`` string or a YAML value) to the parameter's declared type."""
    if from_text and isinstance(value, str):
        if value.strip() in ("None", "null", "~") and "None" in param.types:
            return None
        if param.types == ("str",) or param.types == ("str", "None"):
            return value
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            pass
    if value is None:
        if "None" in param.types:
            return None
    else:
        for type_name in param.types:
            wanted = _TYPE_NAMES.get(type_name)
            if wanted is None:
                continue
            if wanted is float and isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if wanted is int and isinstance(value, bool):
                continue
            if isinstance(value, wanted):
                return value
            if wanted is str and isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)  # e.g. -p observation_end=19980630
    raise ParameterError(f"parameter {param.name!r} expects {param.type_text}, got {value!r} "
                         f"({type(value).__name__})")


def resolve_parameters(study: Study, given: dict[str, Any], *, from_text: set[str] = frozenset(),
                       strict: bool = True, bundled: tuple[str, ...] = ()) -> dict[str, Any]:
    """Validate and convert the parameters given for one study.

    ``strict``: unknown names are errors (for parameters aimed at this study);
    suite-wide parameters are passed with ``strict=False`` and dropped where a study
    does not declare them.
    """
    resolved = {}
    for name, value in given.items():
        param = study.parameters.get(name)
        if param is None:
            if strict:
                valid = ", ".join(f"{p.name} ({p.type_text})" for p in study.parameters.values())
                raise ParameterError(f"study {study.name!r} has no parameter {name!r}; valid parameters: {valid}")
            continue
        value = coerce_value(param, value, from_text=name in from_text)
        try:
            check_allowed(param, value)
        except ParameterError as exc:
            raise ParameterError(f"{exc} (study {study.name!r})") from None
        if is_input(name) and isinstance(value, str) and not (name == "data" and value in bundled) \
                and "://" not in value:
            path = resolve_project_path(value)
            if not path.exists():
                hint = f" (or use a bundled data set: {', '.join(bundled)})" if name == "data" else ""
                raise ParameterError(f"parameter {name!r} of study {study.name!r}: input file {value!r} not found"
                                     + hint)
            check_regular_file(path, f"parameter {name!r} of study {study.name!r}", folders=True)
            value = str(path.resolve())
        resolved[name] = value
    return resolved


def check_regular_file(path: Path, what: str, *, folders: bool = False) -> None:
    """Refuse a FIFO, a device (``/dev/zero``) or a socket without opening it (opening a FIFO blocks).

    Examples
    --------
    >>> check_regular_file(Path("/dev/null"), "config file")
    Traceback (most recent call last):
    ...
    cvm_lib.report.params.ParameterError: config file /dev/null is a character device, not a regular file; give a file
    """
    import stat

    mode = path.stat().st_mode
    if stat.S_ISREG(mode) or (folders and stat.S_ISDIR(mode)):
        return
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a character device" if stat.S_ISCHR(mode)
            else "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a folder" if stat.S_ISDIR(mode) else "not a regular file")
    raise ParameterError(f"{what} {path} is {kind}, not a regular file; give a file"
                         + (" or a folder" if folders else ""))
