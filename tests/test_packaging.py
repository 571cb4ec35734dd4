"""The package's metadata and its conda environment agree."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names
CONDA_NAMES = {"python-duckdb": "duckdb"}


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in ("test", "bench"):
        reqs += meta["optional-dependencies"][extra]
    out = {}
    for req in reqs:
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
        out[name.lower()] = spec.replace(" ", "")
    return out


def _environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict) or dep == "pip" or dep.startswith("python="):
            continue
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep).groups()
        out[CONDA_NAMES.get(name.lower(), name.lower())] = spec.replace(" ", "")
    return out


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_installs_the_package_with_pip_on_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in env["dependencies"]
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_sections and any(line.startswith("-e .") for line in pip_sections[0])


def test_lock_file_pins_every_runtime_dependency():
    lock = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (ROOT / "requirements-lock.txt").read_text().splitlines()
        if "==" in line
    }
    for name in _pyproject_requirements():
        assert name.replace("_", "-") in lock, f"{name} is not pinned in requirements-lock.txt"
