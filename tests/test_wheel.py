"""The built wheel works outside a clone: `cvm list`, `cvm run --data cdnow_sample`, `cdnow()`.

The wheel is built for real (``pip wheel``, isolated build) and installed with pip into a
fresh virtual environment in a temporary folder. Its third-party dependencies are taken from
the project's locked environment (a ``.pth`` line to its site-packages, whose own ``.pth``
files — the editable install of this clone — are not processed; ``JUPYTER_PATH`` points at its
nbconvert templates), so the test needs no network for them; ``cvm_lib`` itself, its notebooks, study configs and data come only from the wheel.
"""

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CVM_PROJECT_ROOT", "CVM_DATA_DIR")}
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp / "dist"), str(ROOT)])
    (wheel,) = (tmp / "dist").glob("cvm_workbench-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # Install first, then make the dependencies visible: pip must not see the clone's editable install.
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        env=env, cwd=tmp)
    assert (site / "cvm_lib" / "_share" / "notebooks").is_dir()
    (site / "_locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # nbconvert's templates are data files its own install puts under <venv>/share/jupyter.
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    outside = tmp / "elsewhere"
    outside.mkdir()
    return env_dir, outside, env, wheel


@pytest.mark.slow
def test_wheel_carries_notebooks_studies_and_data(installed):
    import zipfile

    names = set(zipfile.ZipFile(installed[3]).namelist())
    for study in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" not in study.parts:
            assert f"cvm_lib/_share/{study.relative_to(ROOT).as_posix()}" in names
    for path in ["studies/cdnow.yaml", "studies/indicator_systems/balanced_scorecard.yaml",
                 "data/raw/CDNOW_sample.txt", "data/raw/CDNOW_master.txt", "data/README.md"]:
        assert f"cvm_lib/_share/{path}" in names
    metadata = next(n for n in names if n.endswith("METADATA"))
    text = zipfile.ZipFile(installed[3]).read(metadata).decode()
    assert "License-Expression: MIT" in text and "Programming Language :: Python :: 3.13" in text


@pytest.mark.slow
def test_installed_cvm_lists_and_runs_outside_a_clone(installed):
    env_dir, outside, env, _ = installed
    cvm = str(env_dir / "bin" / "cvm")
    where = run([str(env_dir / "bin" / "python"), "-c", "import cvm_lib, cvm_lib.paths as p; "
                 "print(cvm_lib.__file__); print(p.project_root())"], cwd=outside, env=env).stdout.split()
    assert str(env_dir) in where[0] and where[1].endswith("cvm_lib/_share")
    assert run([cvm, "--version"], cwd=outside, env=env).stdout.strip() == "cvm 0.1.0"
    listing = run([cvm, "list"], cwd=outside, env=env).stdout
    for name in ("00_data_overview", "01_segmentation", "02_value_chain", "03_retention", "04_crm_indicators"):
        assert name in listing
    assert "{en, zh}" in listing
    samples = run([str(env_dir / "bin" / "python"), "-c",
                   "from cvm_lib.datasets import cdnow; print(cdnow(sample=True)['customer_id'].nunique())"],
                  cwd=outside, env=env).stdout
    assert samples.strip() == "2357"
    run([cvm, "run", "00_data_overview", "--data", "cdnow_sample", "--out", "reports", "--quiet"],
        cwd=outside, env=env)
    manifest = json.loads((outside / "reports" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "ok"
    assert "notebooks/00_data_overview.ipynb" in manifest["inputs"]["sha256"]
    executed = json.loads((outside / "reports" / "latest" / "00_data_overview.ipynb").read_text(encoding="utf-8"))
    outputs = [o for c in executed["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert outputs and not [o for o in outputs if o["output_type"] == "error"]
    assert "2,357" in (outside / "reports" / "latest" / "00_data_overview.html").read_text(encoding="utf-8")
