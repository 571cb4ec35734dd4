"""``ecrm-lab lessons | inspect | run | render``: the lesson commands."""

from __future__ import annotations

import argparse

import pandas as pd

from ..exceptions import InvalidParameterError
from .registry import LESSONS, get_lesson

__all__ = ["register"]


def _table(df: pd.DataFrame) -> str:
    return df.to_string(index=False, max_colwidth=70)


def _cmd_lessons(args: argparse.Namespace) -> int:
    rows = [
        {
            "#": f"{x.number:02d}",
            "name": x.name,
            "title": x.title,
            "parameters": ", ".join(p.name for p in x.params) or "-",
        }
        for x in LESSONS
    ]
    print(_table(pd.DataFrame(rows)))
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    lesson = get_lesson(args.lesson)
    print(f"{lesson.name}: {lesson.title}")
    print("concepts: " + ", ".join(lesson.concepts))
    if not lesson.params:
        print("parameters: none")
        return 0
    rows = [
        {
            "name": p.name,
            "type": p.type_name,
            "default": repr(p.default),
            "allowed": p.allowed(),
            "help": p.help,
        }
        for p in lesson.params
    ]
    print(_table(pd.DataFrame(rows)))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .runner import parse_params, run_lessons

    if args.all == bool(args.lessons):
        raise InvalidParameterError("give either lesson names or --all (not both, not neither)")
    lessons = list(LESSONS) if args.all else [get_lesson(x) for x in args.lessons]
    params = parse_params(lessons, args.param or [])
    runs = run_lessons(lessons, params, args.out, progress=not args.quiet)
    for run in runs:
        print(f"{run.lesson}: {run.notebook} ({run.wall_time_s:.1f} s)")
    print(f"index: {args.out.rstrip('/')}/index.html")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from .notebooks import update_markdown
    from .runner import render_lesson

    lessons = (
        list(LESSONS) if args.all or not args.lessons else [get_lesson(x) for x in args.lessons]
    )
    for lesson in lessons:
        if args.markdown_only:
            try:
                changed = update_markdown(lesson)
            except ValueError as exc:
                raise InvalidParameterError(str(exc)) from None
            print(f"{'updated' if changed else 'unchanged'} {lesson.notebook}")
        else:
            path = render_lesson(lesson, progress=not args.quiet)
            print(f"rendered {path}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lessons", help="list the lessons")
    p.set_defaults(func=_cmd_lessons)

    p = sub.add_parser("inspect", help="show a lesson's parameters")
    p.add_argument("lesson", help="number, slug or NN_slug name")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("run", help="execute lessons with papermill")
    p.add_argument("lessons", nargs="*", metavar="LESSON", help="number, slug or NN_slug name")
    p.add_argument("--all", action="store_true", help="run every registered lesson")
    p.add_argument(
        "-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"), help="set a parameter"
    )
    p.add_argument("--out", default="runs/latest", help="output directory (default runs/latest)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("render", help="refresh the committed lesson notebooks (developers)")
    p.add_argument("lessons", nargs="*", metavar="LESSON")
    p.add_argument("--all", action="store_true")
    p.add_argument(
        "--markdown-only",
        action="store_true",
        help="copy edited narrative into the notebooks without re-executing them",
    )
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=_cmd_render)
