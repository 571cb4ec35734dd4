"""Atomic files and explicit randomness."""

import os

import numpy as np
import pytest

from ecrm_lab._io import atomic_dir, atomic_path, read_table
from ecrm_lab._random import block_rngs, check_random_state, child_rng, seed_from_text
from ecrm_lab.exceptions import DataError, InvalidParameterError


def test_atomic_path_leaves_nothing_on_failure_and_keeps_the_old_file(tmp_path):
    dest = tmp_path / "out.txt"
    dest.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert dest.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_atomic_path_moves_into_place_with_normal_permissions(tmp_path):
    dest = tmp_path / "sub" / "out.txt"
    with atomic_path(dest) as tmp:
        tmp.write_text("new")
    assert dest.read_text() == "new"
    assert dest.stat().st_mode & 0o044 == 0o044  # readable by others, as files normally are


def test_atomic_dir_replaces_only_when_complete(tmp_path):
    dest = tmp_path / "world"
    with atomic_dir(dest) as tmp:
        (tmp / "a").write_text("1")
    with pytest.raises(RuntimeError):
        with atomic_dir(dest, overwrite=True) as tmp:
            (tmp / "b").write_text("2")
            raise RuntimeError
    assert sorted(os.listdir(dest)) == ["a"]
    assert sorted(os.listdir(tmp_path)) == ["world"]
    with pytest.raises(FileExistsError):
        with atomic_dir(dest) as tmp:
            pass


def test_random_state_is_normalised_and_never_global():
    a = check_random_state(3).random(3)
    b = check_random_state(3).random(3)
    np.testing.assert_array_equal(a, b)
    g = np.random.default_rng(1)
    assert check_random_state(g) is g
    with pytest.raises(InvalidParameterError, match="'random_state'"):
        check_random_state(-1)
    with pytest.raises(InvalidParameterError):
        check_random_state(1.5)


def test_named_and_block_streams_are_stable_and_independent():
    np.testing.assert_array_equal(
        child_rng(7, "bank", "tx").random(4), child_rng(7, "bank", "tx").random(4)
    )
    assert not np.array_equal(
        child_rng(7, "bank", "tx").random(4), child_rng(7, "bank", "web").random(4)
    )
    few = [r.random(2) for r in block_rngs(7, "tx", 3)]
    many = [r.random(2) for r in block_rngs(7, "tx", 10)][:3]
    np.testing.assert_array_equal(
        np.array(few), np.array(many)
    )  # block i never depends on the count
    assert seed_from_text("s123") == seed_from_text("s123") != seed_from_text("s124")


def test_read_table_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match=r"'.*missing\.csv' does not exist"):
        read_table(tmp_path / "missing.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.csv' is empty"):
        read_table(empty)
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(DataError, match="has no data rows"):
        read_table(header_only)
    bad = tmp_path / "t.parquet"
    bad.write_text("not parquet")
    with pytest.raises(DataError, match="cannot read"):
        read_table(bad)
    (tmp_path / "x.xlsx").write_text("?")
    with pytest.raises(DataError, match="cannot tell the format"):
        read_table(tmp_path / "x.xlsx")
