"""The autograder against real bad notebooks: each gets a score and a reason, others go on.

One grading run (module fixture, two submissions at a time, small limits) grades a class of
toy submissions: good ones, tampered ones, and one of each kind of bad behaviour. Each test
then reads its student's row of the gradebook.
"""

import csv
import json
import os
from pathlib import Path

import nbformat
import psutil
import pytest

from ecrm_lab.grading import Exercise, Limits, exercise_params, grade
from ecrm_lab.grading.sandbox import kill_tree, run_notebook

TOY = Path(__file__).parent / "fixtures" / "toy_exercise.py"
LIMITS = Limits(timeout=20, cell_timeout=8, memory_mb=1024, output_mb=0.5)
FULL, Q1, Q2, Q3, Q4 = 11.0, 3.0, 3.0, 2.0, 3.0
SLEEP_MARK = "7391"  # background processes of the 'tampered' student sleep this long

DAEMON = f"""
import os, subprocess
subprocess.Popen(["sleep", "{SLEEP_MARK}"])
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        os.environ.pop("ECRM_GRADING_TOKEN", None)
        os.execv("/bin/sleep", ["sleep", "{SLEEP_MARK}1"])
    os._exit(0)
os.waitpid(pid, 0)
"""

SNOOP = """
import os, sys, pathlib
marker, rule = "HIDDEN" + " TESTS", "close_to(rel" + "=0.01)"
leaks = []
roots = [pathlib.Path.cwd(), pathlib.Path(os.environ["HOME"])]
for root in roots + [pathlib.Path(p) for p in sys.path if p and os.path.isdir(p)]:
    for f in (root.rglob("*") if root in roots else root.glob("*")):
        if f.is_file() and f.suffix in (".py", ".ipynb", ".json") and f.stat().st_size < 5e6:
            text = f.read_text(errors="ignore")
            if marker in text or rule in text:
                leaks.append(str(f))
print("LEAKS:", leaks)
"""

CHEAT = """
class Liar(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__
n_big = Liar(0)
import ecrm_lab.grading.checks as c
c.score = lambda *a, **k: c.Outcome(1.0, "hacked")
c.Equals.evaluate = lambda self, a, r: c.Outcome(1.0, "hacked")
"""

HOSTILE = """
import os, time, pathlib, psutil
mine = os.environ["ECRM_GRADING_TOKEN"]
root = str(pathlib.Path(os.environ["HOME"]).parents[1])
end = time.time() + 3
while time.time() < end:
    for p in psutil.process_iter():
        try:
            env = p.environ()
            if env.get("ECRM_GRADING_TOKEN", mine) != mine and p.cwd().startswith(root):
                p.kill()
        except Exception:
            pass
    time.sleep(0.25)
"""


@pytest.fixture(scope="module")
def toy():
    ex = Exercise(99, "toy", "Toy", (), (), exercise_params("bank", 300), source=TOY)
    return ex, ex.template()


def _solution_sources(template):
    return {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in template.notebook.cells
        if c.metadata.get("nbgrader", {}).get("solution")
    }


def _submission(ex, template, sid, answers=None, drop=(), tamper=False):
    nb = template.student_notebook(ex.parameters_source(ex.values(sid)), student_id=sid)
    sources = {**_solution_sources(template), **(answers or {})}
    cells = []
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id")
        if gid in drop:
            continue
        if gid in sources:
            c.source = sources[gid]
        elif tamper and c.cell_type == "code":
            c.source = "seed = 0\ndata = None\ncheck = None  # tampered locked cell"
        elif tamper:
            continue  # markdown deleted
        cells.append(c)
    nb.cells = cells
    return nb


@pytest.fixture(scope="module")
def graded(toy, tmp_path_factory):
    ex, t = toy
    sol = _solution_sources(t)
    subs = tmp_path_factory.mktemp("submissions")
    # several independent faults share a notebook, to keep the number of kernels small
    cases = {
        "tampered": ({"q1_mean": DAEMON + sol["q1_mean"]}, (), True),
        "raises_missing": ({"q1_mean": "raise ValueError('boom')"}, ("q2_top",), False),
        "loops_memory": (
            {
                "q3_big": "while True:\n    pass",
                "q4_quartiles": "hog = []\nwhile True:\n    hog.append(bytearray(2**25))",
            },
            (),
            False,
        ),
        "stubborn": (
            {
                "q4_quartiles": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "while True:\n    pass"
            },
            (),
            False,
        ),
        "prints": (
            {
                "q3_big": "import time\nwhile True:\n    print('x' * 100_000)\n    time.sleep(0.01)\n"
                + sol["q3_big"]
            },
            (),
            False,
        ),
        "crash": (
            {"q1_mean": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"},
            (),
            False,
        ),
        "adversary": (
            {
                "q1_mean": SNOOP + sol["q1_mean"],
                "q2_top": HOSTILE + sol["q2_top"],
                "q3_big": CHEAT,
            },
            (),
            False,
        ),
    }
    for sid, (answers, drop, tamper) in cases.items():
        nbformat.write(_submission(ex, t, sid, answers, drop, tamper), subs / f"{sid}.ipynb")
    nbformat.write(
        t.student_notebook(ex.parameters_source(ex.values("unanswered"))),
        subs / "unanswered.ipynb",
    )
    (subs / "invalid.ipynb").write_text("{not json")
    (subs / "empty.ipynb").write_bytes(b"")
    (subs / "not a student id.ipynb").write_text("{}")
    roster = sorted(p.stem for p in subs.glob("*.ipynb") if " " not in p.stem) + ["absent"]
    out = tmp_path_factory.mktemp("graded") / "out"
    book = grade(ex, subs, out, students=roster, jobs=2, limits=LIMITS)
    rows = {r["student_id"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    return book, rows, out


def row(graded, sid):
    return graded[1][sid]


def test_every_student_has_a_row_a_score_a_status_and_feedback(graded):
    book, rows, out = graded
    assert set(rows) == {
        "tampered",
        "raises_missing",
        "loops_memory",
        "stubborn",
        "prints",
        "crash",
        "adversary",
        "unanswered",
        "invalid",
        "empty",
        "absent",
    }
    header = next(csv.reader((out / "gradebook.csv").open()))
    assert header[:5] == ["student_id", "total", "max_points", "status", "reason"]
    assert header[5:] == list(book.check_ids) and len(header[5:]) == 7
    for sid, r in rows.items():
        assert (out / "feedback" / f"{sid}.md").is_file()
        assert 0 <= float(r["total"]) <= FULL
        assert float(r["total"]) == pytest.approx(sum(float(r[c]) for c in header[5:]))
    manifest = json.loads((out / "grading.json").read_text())
    assert manifest["ignored_files"] == ["not a student id.ipynb"]


def test_solution_with_edited_locked_cells_grades_full_marks_and_its_processes_die(graded):
    # the solution's answers, with every locked cell replaced and the markdown deleted, and a
    # first answer that leaves background processes behind (one double-forked, untagged)
    r = row(graded, "tampered")
    assert (r["status"], float(r["total"]), r["reason"]) == ("ok", FULL, "")
    book = graded[0]
    g = next(g for g in book.grades if g.student_id == "tampered")
    assert g.run["survivors"] == 0
    left = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"]
        and p.info["cmdline"][0] == "sleep"
        and p.info["cmdline"][-1].startswith(SLEEP_MARK)
    ]
    assert left == []


def test_a_cell_that_raises_costs_only_its_answer_and_missing_cells_are_named(graded):
    r = row(graded, "raises_missing")
    assert r["status"] == "errors" and float(r["total"]) == FULL - Q1 - Q2
    assert "answer cell 'q1_mean' raised ValueError: boom" in r["reason"]
    assert "missing answer cells: q2_top" in r["reason"]
    assert float(r["top_customers.has_length"]) == 0 and float(r["n_big.equals"]) == Q3


def test_an_endless_cell_is_interrupted_at_the_cell_limit(graded):
    r = row(graded, "loops_memory")
    assert r["status"] == "errors"
    assert "answer cell 'q3_big' raised CellTimeout: the cell ran longer than 8 s" in r["reason"]


def test_a_loop_that_ignores_interrupts_is_killed_at_the_notebook_limit(graded):
    r = row(graded, "stubborn")
    assert r["status"] == "timeout"
    assert "longer than the limit of 20 s" in r["reason"]
    assert float(r["total"]) == FULL - Q4  # answers sent before the loop still count


def test_unbounded_allocation_hits_the_memory_limit(graded):
    r = row(graded, "loops_memory")
    assert float(r["total"]) == FULL - Q3 - Q4
    assert "answer cell 'q4_quartiles' raised MemoryError" in r["reason"]


def test_printing_megabytes_is_cut_and_stopped(graded):
    r = row(graded, "prints")
    assert r["status"] == "errors" and float(r["total"]) == FULL - Q3
    assert "printed more than 0.5 MB" in r["reason"]
    executed = nbformat.read(graded[2] / "executed" / "prints.ipynb", as_version=4)
    assert os.path.getsize(graded[2] / "executed" / "prints.ipynb") < 2 * 2**20
    assert any(
        "output stopped" in str(o.get("text", ""))
        for c in executed.cells
        for o in c.get("outputs", [])
    )


def test_a_kernel_that_dies_gets_zero_and_a_reason(graded):
    r = row(graded, "crash")
    assert r["status"] == "crashed" and float(r["total"]) == 0.0
    assert "the kernel died (killed)" in r["reason"]


def test_lying_eq_and_monkeypatching_gain_nothing_and_hidden_checks_are_out_of_reach(graded):
    r = row(graded, "adversary")
    assert float(r["n_big.equals"]) == 0.0
    assert float(r["total"]) == FULL - Q3
    assert r["status"] == "ok"
    executed = nbformat.read(graded[2] / "executed" / "adversary.ipynb", as_version=4)
    printed = "".join(str(o.get("text", "")) for c in executed.cells for o in c.get("outputs", []))
    assert "LEAKS: []" in printed


def test_a_submission_killing_its_neighbours_changes_no_other_grade(graded):
    # 'adversary' kills every other sandbox of the run it can see for a few seconds;
    # victims are re-run alone, so the good notebooks still get full marks
    assert float(row(graded, "tampered")["total"]) == FULL
    assert float(row(graded, "prints")["total"]) == FULL - Q3


@pytest.mark.parametrize(
    "sid, status, reason",
    [
        ("invalid", "invalid", "not valid JSON"),
        ("empty", "empty", "the submitted file is empty"),
        ("unanswered", "empty", "unchanged"),
        ("absent", "missing", "no submission"),
    ],
)
def test_unusable_submissions_score_zero_with_a_reason(graded, sid, status, reason):
    r = row(graded, sid)
    assert (r["status"], float(r["total"])) == (status, 0.0)
    assert reason in r["reason"]


def test_feedback_shows_public_and_hidden_checks(graded):
    text = (graded[2] / "feedback" / "raises_missing.md").read_text()
    assert "Score: **5 / 11**" in text
    assert "| `mean_spend.close_to` | hidden | 0 / 2 |" in text
    assert "ValueError" in text


def test_kill_tree_leaves_nothing(tmp_path):
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(DAEMON.replace(SLEEP_MARK, "8113") + "while True: pass")]
    )
    result = run_notebook(nb, tmp_path / "job", Limits(timeout=8, cell_timeout=30, memory_mb=1024))
    assert result.status == "timeout" and result.survivors == 0
    alive = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and p.info["cmdline"][-1].startswith("8113")
    ]
    assert alive == []
    assert kill_tree(None, "no-such-token") == 0
