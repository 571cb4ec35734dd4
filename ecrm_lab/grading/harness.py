"""How answers leave the student's kernel: plain JSON values, nothing else.

The grader appends small *harness* cells to the notebook it rebuilds; each one calls
:func:`dump_answers`, which turns the named answer variables into plain JSON (numbers,
strings, lists, objects) and writes them to ``answers.json`` in the sandbox directory. The
checks run later in a different process that reads only that JSON (:func:`decode`), so a
student object's ``__eq__``, a monkeypatched module or anything else living in the kernel never
reaches the checks.

The encoding keeps the few structures exercises need, as tagged JSON objects:

==========================  ==========================================================
Python value                JSON
==========================  ==========================================================
None, bool, int, str        the same
float                       a number; NaN and infinities as ``{"__float__": "nan"}``
list, tuple, numpy array    a list
set, frozenset              ``{"__set__": [...]}`` (sorted, so equal sets encode equally)
dict                        an object (keys turned into strings)
pandas Series               ``{"__series__": {"name", "index", "values"}}``
pandas DataFrame            ``{"__frame__": {"columns", "index", "data"}}`` (rows)
dates, categories           strings
==========================  ==========================================================

Anything else (a model, a result object, a function) is refused with a message telling the
student what to give instead.

>>> encode({"lift": 2.5, "top": frozenset({"b", "a"})})
{'lift': 2.5, 'top': {'__set__': ['a', 'b']}}
>>> decode(encode({"lift": 2.5, "top": frozenset({"b", "a"})}))
{'lift': 2.5, 'top': frozenset({'a', 'b'})}
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "AnswerError",
    "MAX_CELLS",
    "MAX_ANSWER_BYTES",
    "encode",
    "decode",
    "dump_answers",
    "harness_source",
    "read_answers",
    "MISSING",
]

#: most values (list items, table cells) one answer may hold
MAX_CELLS = 500_000
#: the largest ``answers.json`` the grader reads
MAX_ANSWER_BYTES = 20 * 1024 * 1024
#: how an answer the student never defined is recorded
MISSING = "missing"


class AnswerError(ValueError):
    """An answer cannot be sent to the grader (wrong kind of value, or too large)."""


class _Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise AnswerError(
                f"the answer is too large (more than {MAX_CELLS:,} values); send a summary "
                "(a number, a short list or a small table) instead"
            )


def _float(x: float) -> Any:
    if math.isnan(x):
        return {"__float__": "nan"}
    if math.isinf(x):
        return {"__float__": "inf" if x > 0 else "-inf"}
    return x


def _scalar(value: Any) -> tuple[bool, Any]:
    """(True, encoded) for a scalar value, (False, None) otherwise."""
    import numpy as np

    if value is None or isinstance(value, bool | np.bool_):
        return True, None if value is None else bool(value)
    if isinstance(value, int | np.integer):
        return True, int(value)
    if isinstance(value, float | np.floating):
        return True, _float(float(value))
    if isinstance(value, str):
        return True, str.__str__(value)
    if isinstance(value, _dt.datetime | _dt.date | np.datetime64):
        import pandas as pd

        ts = pd.Timestamp(value)
        return True, None if pd.isna(ts) else ts.isoformat()
    if type(value).__name__ in ("Timestamp", "Timedelta", "Period", "NaTType"):
        import pandas as pd

        return True, None if pd.isna(value) else str(value)
    return False, None


def _encode(value: Any, budget: _Budget, depth: int) -> Any:
    if depth > 20:
        raise AnswerError("the answer is nested too deeply (more than 20 levels)")
    ok, out = _scalar(value)
    if ok:
        budget.spend(1)
        return out
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        budget.spend(value.shape[0] * max(value.shape[1], 1))
        data = [
            [_encode(v, budget, depth + 2) for v in row]
            for row in value.astype(object).itertuples(index=False, name=None)
        ]
        return {
            "__frame__": {
                "columns": [_encode(c, budget, depth + 2) for c in value.columns],
                "index": [_encode(i, budget, depth + 2) for i in value.index],
                "data": data,
            }
        }
    if isinstance(value, pd.Series):
        budget.spend(len(value))
        return {
            "__series__": {
                "name": _encode(value.name, budget, depth + 2),
                "index": [_encode(i, budget, depth + 2) for i in value.index],
                "values": [_encode(v, budget, depth + 2) for v in value.astype(object)],
            }
        }
    if isinstance(value, pd.Index | np.ndarray | pd.Categorical):
        budget.spend(int(np.size(value)))
        return [_encode(v, budget, depth + 1) for v in np.asarray(value, dtype=object).tolist()]
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            key = _encode(k, budget, depth + 1)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise AnswerError(
                    f"dictionary keys must be strings or numbers; got a {type(k).__name__}"
                )
            out[str(key)] = _encode(v, budget, depth + 1)
        return out
    if isinstance(value, set | frozenset):
        items = [_encode(v, budget, depth + 1) for v in value]
        return {"__set__": sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
    if isinstance(value, list | tuple | range):
        budget.spend(len(value))
        return [_encode(v, budget, depth + 1) for v in value]
    kind = type(value).__name__
    raise AnswerError(
        f"a {kind} cannot be graded; give a number, a string, a list, a dict or a "
        "DataFrame (for a result object, its .summary() or one of its numbers)"
    )


def encode(value: Any) -> Any:
    """Turn an answer into plain JSON-compatible data (see the module docstring)."""
    return _encode(value, _Budget(MAX_CELLS), 0)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, body),) = value.items()
        if tag == "__float__" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "__set__" and isinstance(body, list):
            return frozenset(_hashable(_decode(v)) for v in body)
        if tag == "__frame__" and isinstance(body, dict):
            import pandas as pd

            columns = [_hashable(_decode(c)) for c in body.get("columns", [])]
            data = [[_decode(v) for v in row] for row in body.get("data", [])]
            index = [_hashable(_decode(i)) for i in body.get("index", [])]
            frame = pd.DataFrame(data, columns=columns)
            if len(index) == len(frame):
                frame.index = index
            return frame
        if tag == "__series__" and isinstance(body, dict):
            import pandas as pd

            values = [_decode(v) for v in body.get("values", [])]
            index = [_hashable(_decode(i)) for i in body.get("index", [])]
            name = _hashable(_decode(body.get("name")))
            return pd.Series(values, index=index if len(index) == len(values) else None, name=name)
    return {k: _decode(v) for k, v in value.items()}


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def decode(value: Any) -> Any:
    """The Python value of encoded JSON data: sets, Series and DataFrames come back.

    Only plain data is built (lists, dicts, numbers, strings, pandas objects from lists); no
    code from the submission runs.
    """
    return _decode(value)


def dump_answers(names: Iterable[str], path: str | os.PathLike = "answers.json") -> dict:
    """Write the named answers of the calling notebook to ``path`` as JSON.

    Called by the grader's harness cells inside the student's kernel. Each name becomes
    ``{"value": ...}``, ``{"missing": true}`` or ``{"error": "why it could not be sent"}``.
    The file is replaced atomically, so a later harness cell overwrites an earlier one.
    """
    import __main__

    namespace = vars(__main__)
    out: dict[str, Any] = {}
    for name in names:
        if name not in namespace:
            out[name] = {MISSING: True}
            continue
        try:
            out[name] = {"value": encode(namespace[name])}
        except AnswerError as exc:
            out[name] = {"error": str(exc)}
        except Exception as exc:  # a student object that breaks while being read
            out[name] = {"error": f"could not read the answer: {type(exc).__name__}: {exc}"}
    text = json.dumps({"answers": out}, allow_nan=False)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return out


def harness_source(names: Iterable[str], path: str = "answers.json") -> str:
    """The source of one harness cell that dumps ``names`` to ``path``."""
    listed = ", ".join(repr(n) for n in names)
    return (
        "from ecrm_lab.grading.harness import dump_answers as _ecrm_dump\n"
        f"_ecrm_dump([{listed}], {path!r})\n"
        "del _ecrm_dump"
    )


def read_answers(path: str | os.PathLike) -> tuple[dict[str, Any], str | None]:
    """Read an ``answers.json`` written by :func:`dump_answers`; never trusts its contents.

    Returns ``(answers, problem)``: ``answers`` maps each name to its entry
    (``{"value": ...}``, ``{"missing": True}`` or ``{"error": ...}``); ``problem`` says why
    the file could not be used (missing, too large, not JSON, wrong shape), else ``None``.
    """
    p = Path(path)
    if not p.is_file():
        return {}, "the notebook wrote no answers (it stopped before the first answer was sent)"
    size = p.stat().st_size
    if size > MAX_ANSWER_BYTES:
        return (
            {},
            f"the answers are too large ({size / 2**20:.1f} MB; the limit is "
            f"{MAX_ANSWER_BYTES / 2**20:.0f} MB)",
        )
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        return {}, f"the answers file is not valid JSON ({type(exc).__name__})"
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return {}, "the answers file does not have the expected shape"
    answers = {}
    for name, entry in data["answers"].items():
        if isinstance(entry, dict) and (
            "value" in entry or entry.get(MISSING) is True or isinstance(entry.get("error"), str)
        ):
            answers[str(name)] = entry
        else:
            answers[str(name)] = {"error": "the answer entry does not have the expected shape"}
    return answers, None
