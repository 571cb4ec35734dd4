"""The canonical datasets are exactly what the code generates."""

from pathlib import Path

import pytest

from ecrm_lab.world import load_world
from ecrm_lab.world.datasets import CANONICAL, MANIFEST, build, default_dir, manifest

ROOT = default_dir()


@pytest.mark.skipif(not (ROOT / MANIFEST).exists(), reason="datasets/ not in this checkout")
def test_regenerated_datasets_match_the_manifest(tmp_path):
    build(tmp_path)
    want = (ROOT / MANIFEST).read_text()
    got = (tmp_path / MANIFEST).read_text()
    assert got == want, "run `python -m ecrm_lab.world.datasets` and commit the result"
    # and the committed files are the ones the manifest lists
    assert manifest(ROOT) == want


@pytest.mark.skipif(not (ROOT / MANIFEST).exists(), reason="datasets/ not in this checkout")
def test_canonical_worlds_load_and_validate():
    for domain in ("bank", "retail"):
        w = load_world(ROOT / domain)
        assert w.meta["domain"] == domain
        assert {k: w.meta[k] for k in CANONICAL} == CANONICAL
        w.validate()
    readme = (ROOT / "README.md").read_text()
    assert "# Data dictionary" in readme and "### `customer_traits`" in readme
    assert sum(p.stat().st_size for p in Path(ROOT).rglob("*") if p.is_file()) < 30e6
