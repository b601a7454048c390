"""Build hook: ship the study notebooks, study configs, indicator systems and bundled data in the wheel.

They live at the project root in a clone (``notebooks/``, ``studies/``, ``data/``); a built
wheel carries copies under ``cvm_lib/_share/``, where :func:`cvm_lib.paths.project_root`
finds them when the package is installed outside a clone. Editable installs use the clone.
All other metadata is in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHARED = {"notebooks": "*.ipynb", "studies": "*.yaml", "data": "*"}
SKIP = {".ipynb_checkpoints", "__pycache__"}


class BuildWithShare(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        share = Path(self.build_lib) / "cvm_lib" / "_share"
        for folder, pattern in SHARED.items():
            for path in sorted((ROOT / folder).rglob(pattern)):
                if path.is_file() and not SKIP & set(path.parts):
                    target = share / path.relative_to(ROOT)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, target)


setup(cmdclass={"build_py": BuildWithShare})
