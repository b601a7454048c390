"""The project's set-up files agree with each other (pyproject, environment.yml, lock, notebooks)."""

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def split_requirement(text: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", text)
    return canonical(match.group(1)), match.group(2).replace(" ", "")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = pyproject()["project"]
    wanted = dict(split_requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section
            listed.update(split_requirement(d) for d in dep["pip"] if not d.startswith("-e"))
        else:
            listed.update([split_requirement(dep)])
    listed.pop("python", None)
    listed.pop("pip", None)
    assert listed == wanted


def test_lock_pins_every_dependency_and_extra_exactly():
    project = pyproject()["project"]
    lock = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"lock line {line!r} is not pinned with =="
            lock[canonical(name)] = version
    extras = [r for group in project["optional-dependencies"].values() for r in group]
    for requirement in project["dependencies"] + extras:
        assert split_requirement(requirement)[0] in lock, f"{requirement} is not pinned in requirements/lock.txt"


def test_notebooks_are_stored_clean_with_a_parameters_cell():
    notebooks = sorted((ROOT / "notebooks").rglob("*.ipynb"))
    assert notebooks, "no notebooks found"
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in code), f"{path.name} has outputs"
        tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_bundled_data_are_documented():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for path in (ROOT / "data" / "raw").iterdir():
        assert path.name in readme, f"data/raw/{path.name} has no provenance entry in data/README.md"
