"""The vectorised building blocks of the generator: category draws and string columns.

They are fast paths for operations NumPy and Arrow already define, so each is checked against
the plain definition, including the awkward inputs (values exactly on an edge, zero
probabilities, nulls, no rows).
"""

import numpy as np
import pandas as pd
import pytest

from ecrm_lab.world import _strings as S
from ecrm_lab.world import behaviour as B
from ecrm_lab.world._context import WorldContext
from ecrm_lab.world.customers import _phone_numbers


def _plain_draw(rng, table, row):
    """The definition: inverse CDF of row ``row`` of ``table`` at one uniform per row."""
    cum = np.cumsum(table, axis=1)
    cum = cum / cum[:, -1:]
    u = rng.random(len(row))
    return np.array(
        [np.searchsorted(cum[r], x, side="right") for r, x in zip(row, u, strict=True)]
    ).clip(0, table.shape[1] - 1)


@pytest.mark.parametrize("k,c,n", [(6, 4, 5000), (5, 8, 9000), (40, 3, 5000), (300, 5, 6000)])
def test_draw_from_table_is_the_inverse_cdf_of_its_row(k, c, n):
    gen = np.random.default_rng(k)
    table = gen.random((k, c))
    table[0, 1] = 0.0  # a category that can never be drawn
    row = gen.integers(0, k, n)
    got = B.draw_from_table(np.random.default_rng(1), table, row)
    np.testing.assert_array_equal(got, _plain_draw(np.random.default_rng(1), table, row))
    assert not (got[row == 0] == 1).any()


def test_search_unit_equals_searchsorted_on_and_near_the_edges():
    edges = np.array([0.125, 0.25, 0.25, 0.5, 0.7, 0.9999])
    u = np.concatenate(
        [
            edges,
            np.nextafter(edges, 0),
            np.nextafter(edges, 1),
            [0.0, 0.5 - 1e-17, np.nextafter(1.0, 0)],
            np.random.default_rng(0).random(20_000),
        ]
    )
    np.testing.assert_array_equal(B.search_unit(edges, u), np.searchsorted(edges, u, "right"))
    # several rows in one sorted array: row r's edges are shifted by r
    flat = np.concatenate([edges, 1 + edges[:3], [2.0, 2.5]])
    row = np.random.default_rng(1).integers(0, 3, len(u))
    np.testing.assert_array_equal(
        B.search_unit(flat, u, row, 3), np.searchsorted(flat, row + u, "right")
    )


def test_concat_joins_vocabulary_parts_and_literals_row_by_row():
    first = S.Vocab(["", "ann", "bé", "CY"])
    dom = S.Vocab(["x.org", "yy.co.uk"])
    gen = np.random.default_rng(2)
    i, j = gen.integers(0, 4, 500), gen.integers(0, 2, 500)
    valid = gen.random(500) > 0.1
    out = S.concat([(first, i), "@", (dom, j)], 500, valid=valid)
    out.validate(full=True)
    expected = [
        f"{first.words[a]}@{dom.words[b]}" if ok else None
        for a, b, ok in zip(i, j, valid, strict=True)
    ]
    assert out.to_pylist() == expected
    assert S.concat(["lit", "eral"], 2).to_pylist() == ["literal", "literal"]
    assert S.concat([(first, np.zeros(0, dtype=int))], 0).to_pylist() == []
    with pytest.raises(ValueError, match="part 0 has 3 indices for 4 rows"):
        S.concat([(first, np.zeros(3, dtype=int))], 4)


def test_phone_numbers_spell_the_digits():
    out = _phone_numbers(np.array([0, 123_456_789, 999_999_999]), np.array([True, True, False]))
    assert out.to_pylist() == ["+44 7000 000000", "+44 7123 456789", None]


def test_fill_blocks_writes_each_block_into_its_rows(small_blocks):
    ctx = WorldContext("bank", 700, 4, pd.Timestamp("2023-01-01"), 6, n_jobs=2)

    def block(lo, hi, rng):
        return {"id": np.arange(lo, hi), "u": rng.random(hi - lo)}, hi - lo

    cols, sizes = ctx.fill_blocks("test", {"id": np.int64, "u": np.float64}, block)
    np.testing.assert_array_equal(cols["id"], np.arange(700))
    assert sizes == [150] * 4 + [100]
    again, _ = WorldContext("bank", 700, 4, ctx.start, 6, n_jobs=1).fill_blocks(
        "test", {"id": np.int64, "u": np.float64}, block
    )
    np.testing.assert_array_equal(cols["u"], again["u"])
    with pytest.raises(KeyError, match="expected"):
        ctx.fill_blocks("test", {"id": np.int64}, block)
