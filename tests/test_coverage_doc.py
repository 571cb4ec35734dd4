"""docs/COVERAGE.md maps every concept of the domain brief to code and lessons that exist."""

import importlib
import re
from pathlib import Path

from ecrm_lab.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "COVERAGE.md").read_text()
LESSON_NAMES = {lesson.name for lesson in LESSONS}


def test_every_lesson_named_in_coverage_exists():
    named = set(re.findall(r"\b(\d\d_[a-z0-9_]+)\b", DOC))
    assert named, "COVERAGE.md names no lesson"
    missing = sorted(named - LESSON_NAMES)
    assert not missing, f"COVERAGE.md names lessons that do not exist: {missing}"


def test_every_module_named_in_coverage_imports():
    for module in sorted(set(re.findall(r"`(ecrm_lab(?:\.[a-z_0-9]+)*)`", DOC))):
        importlib.import_module(module)


def test_every_registered_lesson_appears_in_coverage():
    for name in LESSON_NAMES:
        assert name in DOC, f"{name} is missing from docs/COVERAGE.md"
