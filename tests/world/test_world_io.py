"""Saving and loading worlds: round trips, byte-identical files, atomic writes, clear errors."""

import json
import os
import sys

import pandas as pd
import pytest

from ecrm_lab._io import READ_LOG_ENV, sha256_file
from ecrm_lab.cli import main
from ecrm_lab.exceptions import DataError, InvalidParameterError
from ecrm_lab.world import generate, load_world


@pytest.fixture(scope="module")
def small():
    return generate("retail", n_customers=300, seed=11, months=6)


def _frames_equal(a, b):
    for group in ("tables", "truth"):
        ga, gb = getattr(a, group), getattr(b, group)
        assert list(ga) == list(gb)
        for name in ga:
            pd.testing.assert_frame_equal(ga[name], gb[name], obj=name)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip(fmt, small, tmp_path):
    out = small.save(tmp_path / "w", format=fmt)
    assert (out / "world.json").is_file()
    assert (out / "tables" / f"customers.{fmt}").is_file()
    assert (out / "truth" / f"customer_traits.{fmt}").is_file()
    back = load_world(out)
    _frames_equal(small, back)
    assert back.meta == small.meta
    back.validate()


def test_bank_round_trip_through_csv(tmp_path):
    w = generate("bank", n_customers=250, seed=4, months=4)
    _frames_equal(w, load_world(w.save(tmp_path / "b", format="csv")))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_same_parameters_give_byte_identical_files(fmt, tmp_path):
    a = generate("bank", n_customers=300, seed=8, months=4).save(tmp_path / "a", format=fmt)
    b = generate("bank", n_customers=300, seed=8, months=4, n_jobs=1).save(
        tmp_path / "b", format=fmt, n_jobs=1
    )
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert sha256_file(a / f) == sha256_file(b / f), f


def test_interrupted_save_leaves_nothing_behind(small, tmp_path, monkeypatch):
    world_mod = sys.modules["ecrm_lab.world.world"]
    real = world_mod._write
    calls = []

    def failing(df, path, fmt):
        calls.append(path)
        if len(calls) == 5:
            raise OSError("disk full")
        real(df, path, fmt)

    monkeypatch.setattr(world_mod, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        small.save(tmp_path / "w", n_jobs=1)
    assert list(tmp_path.iterdir()) == []
    # an existing world is kept intact when its replacement fails
    monkeypatch.setattr(world_mod, "_write", real)
    small.save(tmp_path / "w")
    before = {p.name: sha256_file(p) for p in (tmp_path / "w" / "tables").iterdir()}
    calls.clear()
    monkeypatch.setattr(world_mod, "_write", failing)
    with pytest.raises(OSError):
        small.save(tmp_path / "w", n_jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w"]
    assert before == {p.name: sha256_file(p) for p in (tmp_path / "w" / "tables").iterdir()}


def test_save_refuses_a_directory_that_is_not_a_world(small, tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("precious")
    with pytest.raises(DataError, match="is not a world .*refusing to overwrite"):
        small.save(target)
    assert (target / "thesis.docx").read_text() == "precious"
    (tmp_path / "file").write_text("x")
    with pytest.raises(DataError, match="is a file"):
        small.save(tmp_path / "file")
    with pytest.raises(InvalidParameterError, match="'format' parameter of World.save"):
        small.save(tmp_path / "x", format="xlsx")
    empty = tmp_path / "empty"
    empty.mkdir()
    small.save(empty)  # an empty directory is fine
    small.save(empty)  # and so is replacing a world
    assert load_world(empty).meta == small.meta


def test_load_world_names_the_missing_or_corrupt_file(small, tmp_path):
    out = small.save(tmp_path / "w")
    (out / "tables" / "orders.parquet").unlink()
    with pytest.raises(DataError, match=r"orders\.parquet' is missing"):
        load_world(out)
    out = small.save(tmp_path / "w2")
    with open(out / "tables" / "customers.parquet", "r+b") as fh:
        fh.seek(100)
        fh.write(b"garbage")
    with pytest.raises(DataError, match=r"customers\.parquet' is corrupt"):
        load_world(out)
    (out / "world.json").write_text("{not json")
    with pytest.raises(DataError, match=r"world\.json' is corrupt"):
        load_world(out)
    os.remove(out / "world.json")
    with pytest.raises(DataError, match="is not a world: file 'world.json' is missing"):
        load_world(out)
    with pytest.raises(DataError, match="is not a directory"):
        load_world(tmp_path / "nowhere")


def test_unreadable_file_with_a_matching_checksum_is_named(small, tmp_path):
    out = small.save(tmp_path / "w", format="csv")
    f = out / "tables" / "products.csv"
    f.write_text("product_code,price\nX,not-a-number\n")
    meta = json.loads((out / "world.json").read_text())
    meta["files"]["tables/products.csv"]["sha256"] = sha256_file(f)
    (out / "world.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match=r"products\.csv"):
        load_world(out)


def test_generate_and_load_record_what_was_read(small, tmp_path, monkeypatch):
    log = tmp_path / "reads.jsonl"
    monkeypatch.setenv(READ_LOG_ENV, str(log))
    generate("bank", n_customers=200, seed=42, months=3)
    out = small.save(tmp_path / "w")
    load_world(out)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows[0]["name"] == "world:bank:n=200:seed=42:start=2023-01-01:months=3"
    assert len(rows[0]["sha256"]) == 64 and rows[0]["rows"] > 200
    assert rows[1]["name"] == f"world:{out}"


def test_world_access_and_repr(small):
    assert small["customers"] is small.tables["customers"]
    with pytest.raises(KeyError, match="It is a truth table"):
        small["customer_traits"]
    text = repr(small)
    assert text.startswith("World(domain='retail', n_customers=300, seed=11, start=2023-01-01")
    assert "customers (300)" in text and "truth:" in text
    s = small.summary()
    assert set(s["kind"]) == {"table", "truth"} and (s["rows"] >= 0).all()


def test_cli_generate(tmp_path, capsys):
    out = tmp_path / "w"
    code = main(
        [
            "generate",
            "--domain",
            "retail",
            "--customers",
            "200",
            "--seed",
            "3",
            "--months",
            "3",
            "--format",
            "csv",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert "saved to" in capsys.readouterr().out
    w = load_world(out)
    assert w.meta["n_customers"] == 200 and w.meta["months"] == 3
    _frames_equal(w, generate("retail", 200, 3, months=3))


@pytest.mark.parametrize(
    "args, match",
    [
        (["--domain", "shop"], "'domain' parameter of ecrm-lab generate must be one of"),
        (["--customers", "0"], "'n_customers' parameter of ecrm-lab generate"),
        (["--customers", "many"], "'n_customers' parameter of ecrm-lab generate"),
        (["--months", "0"], "'months' parameter of ecrm-lab generate"),
        (["--start", "yesterday"], "'start' parameter of ecrm-lab generate"),
        (["--format", "xls"], "'format' parameter of ecrm-lab generate"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, match, tmp_path, capsys):
    assert main(["generate", "--out", str(tmp_path / "w"), *args]) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "w").exists()


def test_cli_refuses_an_existing_non_world_before_generating(tmp_path, capsys, monkeypatch):
    (tmp_path / "notes.txt").write_text("x")
    gen_mod = sys.modules["ecrm_lab.world.generate"]
    monkeypatch.setattr(gen_mod, "generate", lambda **kw: pytest.fail("generated anyway"))
    assert main(["generate", "--out", str(tmp_path)]) == 2
    assert "is not a world" in capsys.readouterr().err
