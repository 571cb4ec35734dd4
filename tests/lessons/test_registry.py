"""Every lesson is declared once, and its notebook agrees with the declaration."""

import nbformat
import papermill as pm
import pytest

from ecrm_lab.exceptions import InvalidParameterError
from ecrm_lab.lessons import LESSONS, get_lesson
from ecrm_lab.lessons.notebooks import parameters_source

NAMES = [lesson.name for lesson in LESSONS]


def test_numbers_and_names_are_unique_and_ordered():
    numbers = [lesson.number for lesson in LESSONS]
    assert numbers == sorted(set(numbers))
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_and_paired_script_exist(name):
    lesson = get_lesson(name)
    assert lesson.notebook.exists(), lesson.notebook
    assert lesson.script.exists(), lesson.script


@pytest.mark.parametrize("name", NAMES)
def test_parameters_cell_is_generated_from_the_registry(name):
    lesson = get_lesson(name)
    nb = nbformat.read(lesson.notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), (
        "first code cell must be tagged 'parameters'"
    )
    assert first.source == parameters_source(lesson)
    # papermill reads the same names, types and defaults (it documents them with --help-notebook)
    inspected = pm.inspect_notebook(str(lesson.notebook))
    assert list(inspected) == [p.name for p in lesson.params]
    for p in lesson.params:
        assert inspected[p.name]["inferred_type_name"] == p.type_name
        assert inspected[p.name]["default"] == (
            f'"{p.default}"' if p.kind is str else repr(p.default)
        )


@pytest.mark.parametrize("name", NAMES)
def test_data_lessons_take_domain_size_and_seed(name):
    lesson = get_lesson(name)
    if lesson.uses_data:
        assert {"domain", "n_customers", "seed"} <= {p.name for p in lesson.params}
        assert lesson.param("domain").choices == ("bank", "retail")


def test_lessons_are_found_by_number_slug_or_name():
    first = LESSONS[0]
    assert get_lesson(first.number) is first
    assert get_lesson(f"{first.number:02d}") is first
    assert get_lesson(first.slug) is first
    with pytest.raises(
        InvalidParameterError, match="There is no lesson 'nope'. Known lessons: 00_"
    ):
        get_lesson("nope")


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_define_no_library_code(name):
    """Thin notebooks: narrative and calls into ecrm_lab, no def or class."""
    nb = nbformat.read(get_lesson(name).notebook, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            for line in cell.source.splitlines():
                assert not line.lstrip().startswith(("def ", "class ")), line
