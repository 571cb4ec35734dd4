"""The warehouse command line, called as a user would."""

import pytest

from ecrm_lab.cli import main
from ecrm_lab.world import generate


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli") / "world"
    generate("bank", n_customers=200, seed=21).save(d)
    return d


def test_build_then_query(world_dir, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert (
        main(["warehouse", "build", "--world", str(world_dir), "--db", str(db), "--threads", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "mart_customer_360" in out and "duplicate_near" in out
    assert (
        main(["warehouse", "query", "--db", str(db), "SELECT count(*) AS n FROM mart_customer_360"])
        == 0
    )
    out = capsys.readouterr().out
    assert out.split() == ["n", "200"]
    assert (
        main(
            [
                "warehouse",
                "query",
                "--db",
                str(db),
                "--max-rows",
                "2",
                "SELECT customer_id FROM dim_customer ORDER BY 1",
            ]
        )
        == 0
    )
    assert "more rows" in capsys.readouterr().out
    assert main(["warehouse", "schema", "--db", str(db)]) == 0
    assert capsys.readouterr().out.startswith("# Warehouse schema reference")


def test_errors_are_one_line_and_exit_2(world_dir, tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["warehouse", "query", "--db", str(db), "SELECT 1"]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and len(err.strip().splitlines()) == 1
    main(["warehouse", "build", "--world", str(world_dir), "--db", str(db)])
    capsys.readouterr()
    assert main(["warehouse", "query", "--db", str(db), "SELEC nonsense"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ecrm-lab: error: SQL error") and len(err.strip().splitlines()) == 1
    assert main(["warehouse", "build", "--world", str(tmp_path), "--db", str(db)]) == 2
    assert "not a saved world" in capsys.readouterr().err
    assert (
        main(
            ["warehouse", "build", "--world", str(world_dir), "--db", str(db), "--threads", "zero"]
        )
        == 2
    )
    assert "'threads' parameter" in capsys.readouterr().err
