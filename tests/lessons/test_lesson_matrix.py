"""Every lesson runs headless with papermill for both domains and a second seed.

nbval (``make test`` runs it over ``notebooks/``) re-executes the committed notebooks with their
defaults and compares the key outputs; this matrix covers the other parameter values.
"""

import json

import nbformat
import pytest

from ecrm_lab.lessons import LESSONS
from ecrm_lab.lessons.runner import run_lesson


def _cases():
    for lesson in LESSONS:
        if lesson.uses_data:
            seed = lesson.param("seed").default
            # nbval covers (bank, default seed); these cover the other domain and a second seed
            for domain, s in (("retail", seed), ("bank", seed + 1)):
                yield pytest.param(
                    lesson, {"domain": domain, "seed": s}, id=f"{lesson.name}-{domain}-{s}"
                )
        else:
            non_default = {p.name: (not p.default) for p in lesson.params if p.kind is bool}
            yield pytest.param(lesson, non_default, id=f"{lesson.name}-{non_default}")


@pytest.mark.notebooks
@pytest.mark.parametrize(("lesson", "params"), list(_cases()))
def test_lesson_runs_for_other_parameters(lesson, params, tmp_path):
    run = run_lesson(lesson, params, tmp_path, progress=False)
    nb = nbformat.read(run.notebook, as_version=4)
    assert all(
        o.output_type != "error" for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected, "papermill should inject the parameters"
    manifest = json.loads(run.manifest.read_text())
    assert manifest["parameters"] == {**lesson.defaults(), **params}
    if lesson.uses_data:
        assert manifest["data_read"], "a data lesson must record the checksums of what it read"
