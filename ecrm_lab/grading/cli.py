"""``ecrm-lab exercises ...`` and ``ecrm-lab grade``: the instructor's commands.

::

    ecrm-lab exercises                                   # list the exercises
    ecrm-lab exercises release --out release/ [--students roster.csv] [EXERCISE ...]
    ecrm-lab exercises lint [EXERCISE ...]               # validate the solution notebooks
    ecrm-lab exercises build [EXERCISE ...]              # refresh the paired .ipynb (developers)
    ecrm-lab grade EXERCISE --submissions subs/ --out graded/ [--jobs N] [--timeout S]
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

__all__ = ["register"]


def _chosen(names):
    from .exercises import EXERCISES, get_exercise

    return [get_exercise(n) for n in names] if names else list(EXERCISES)


def _cmd_list(args: argparse.Namespace) -> int:
    from .exercises import EXERCISES

    rows = []
    for ex in EXERCISES:
        try:
            t = ex.template()
            points, checks = f"{t.max_points:g}", f"{len(t.checks)}"
        except Exception as exc:  # show a broken exercise in the list, do not hide it
            points, checks = "-", f"broken: {exc}"[:60]
        rows.append(
            {
                "name": ex.name,
                "title": ex.title,
                "domain": ex.param("domain").default,
                "points": points,
                "checks": checks,
            }
        )
    print(pd.DataFrame(rows).to_string(index=False, max_colwidth=60))
    return 0


def _parse_params(exercises, pairs):
    params = {}
    for ex in exercises:
        params = ex.parse(pairs or [])
    return params


def _cmd_release(args: argparse.Namespace) -> int:
    from .exercises import read_roster, release

    chosen = _chosen(args.exercises)
    params = _parse_params(chosen, args.param) if args.param else None
    students = read_roster(args.students) if args.students else None
    result = release(chosen, args.out, students=students, params=params, overwrite=args.overwrite)
    per = f" for {len(students)} students" if students else ""
    print(
        f"released {len(chosen)} exercise(s){per}: {len(result.notebooks)} notebooks in {args.out}"
    )
    print(f"manifest: {result.manifest}")
    return 0


def _cmd_lint(args: argparse.Namespace) -> int:
    from .grader import check_solution
    from .notebook import ExerciseError

    bad = 0
    for ex in _chosen(args.exercises):
        try:
            t = ex.template()
        except ExerciseError as exc:
            print(f"{ex.name}: {exc}")
            bad += 1
            continue
        hidden = sum(c.hidden for c in t.checks)
        print(
            f"{ex.name}: ok — {len(t.checks)} checks ({hidden} hidden), {t.max_points:g} points "
            f"({t.public_points:g} public), answers {', '.join(t.answers)}"
        )
        if args.students:
            ids = [f"lint-{i:03d}" for i in range(args.students)]
            table = check_solution(ex, ids)
            short = table[table["earned"] < table["points"]]
            if len(short) or (table["problem"] != "").any():
                bad += 1
                print(
                    f"  the solution loses points on {short['student_id'].nunique()} of "
                    f"{len(ids)} students' data:"
                )
                print(short.to_string(index=False, max_colwidth=80))
            else:
                print(f"  the solution scores full marks on {len(ids)} students' data")
    return 1 if bad else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from ..lessons.notebooks import normalise, write_notebook

    for ex in _chosen(args.exercises):
        t = ex.template()
        nb = t.notebook.copy()
        nb = normalise(nb)
        write_notebook(nb, ex.notebook)
        print(f"wrote {ex.notebook}")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from .exercises import get_exercise, read_roster
    from .grader import grade
    from .sandbox import Limits

    ex = get_exercise(args.exercise)
    params = _parse_params([ex], args.param) if args.param else None
    limits = Limits(
        timeout=args.timeout,
        cell_timeout=args.cell_timeout if args.cell_timeout is not None else args.timeout,
        memory_mb=args.memory_mb,
        output_mb=args.output_mb,
    )
    students = read_roster(args.students) if args.students else None

    def progress(g) -> None:
        if not args.quiet:
            print(f"  {g.student_id}: {g.total:g}/{g.max_points:g} {g.status}", file=sys.stderr)

    book = grade(
        ex,
        args.submissions,
        args.out,
        students=students,
        jobs=args.jobs,
        limits=limits,
        params=params,
        overwrite=args.overwrite,
        progress=progress,
    )
    table = book.table
    counts = table["status"].value_counts().to_dict()
    print(
        f"graded {len(table)} submission(s) of {ex.name} in {book.wall_time_s:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    if len(table):
        print(f"mean {table['total'].mean():.2f} / {book.max_points:g}")
    print(f"gradebook: {args.out.rstrip('/')}/gradebook.csv")
    return 0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser_class = getattr(sub, "_parser_class", argparse.ArgumentParser)
    p = sub.add_parser("exercises", help="graded exercises: list, release, lint, build")
    p.set_defaults(func=_cmd_list)
    ex_sub = p.add_subparsers(dest="exercises_command", metavar="ACTION", parser_class=parser_class)

    q = ex_sub.add_parser("list", help="list the exercises")
    q.set_defaults(func=_cmd_list)

    q = ex_sub.add_parser("release", help="write the student versions of the exercises")
    q.add_argument("exercises", nargs="*", metavar="EXERCISE", help="default: all")
    q.add_argument("--out", required=True, help="folder to write (must not exist)")
    q.add_argument(
        "--students", help="roster CSV with a student_id column: one notebook per student"
    )
    q.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set an exercise parameter (domain, n_customers); grade with the same",
    )
    q.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    q.set_defaults(func=_cmd_release)

    q = ex_sub.add_parser("lint", help="validate the solution notebooks")
    q.add_argument("exercises", nargs="*", metavar="EXERCISE")
    q.add_argument(
        "--students",
        type=int,
        default=0,
        metavar="N",
        help="also grade the solution against itself on N made-up students' data",
    )
    q.set_defaults(func=_cmd_lint)

    q = ex_sub.add_parser("build", help="refresh the paired .ipynb of the solutions (developers)")
    q.add_argument("exercises", nargs="*", metavar="EXERCISE")
    q.set_defaults(func=_cmd_build)

    g = sub.add_parser("grade", help="grade a folder of submissions of one exercise")
    g.add_argument("exercise", help="number, slug or NN_slug name")
    g.add_argument("--submissions", required=True, help="folder of <student_id>.ipynb files")
    g.add_argument("--out", required=True, help="folder for gradebook.csv and feedback/")
    g.add_argument("--students", help="roster CSV: students without a submission get a row")
    g.add_argument("--jobs", type=int, default=None, help="parallel submissions (default: CPUs)")
    g.add_argument(
        "--timeout",
        type=_positive_float,
        default=300.0,
        help="wall-clock seconds per notebook (default 300)",
    )
    g.add_argument(
        "--cell-timeout",
        type=_positive_float,
        default=None,
        help="wall-clock seconds per cell (default: --timeout)",
    )
    g.add_argument("--memory-mb", type=int, default=2048, help="memory limit per process (MiB)")
    g.add_argument("--output-mb", type=float, default=2.0, help="cell output kept (MB)")
    g.add_argument(
        "-p",
        "--param",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="exercise parameter used at release (domain, n_customers)",
    )
    g.add_argument("--overwrite", action="store_true", help="replace --out if it exists")
    g.add_argument("-q", "--quiet", action="store_true", help="no per-student progress")
    g.set_defaults(func=_cmd_grade)
