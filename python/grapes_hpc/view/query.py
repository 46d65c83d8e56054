"""Filtering particle tables with expressions such as ``volume > 1000 and sphericity < 0.8``.

The expression is parsed with :mod:`ast` and only comparisons, and/or/not, arithmetic,
numbers and column names are evaluated: unlike ``DataFrame.query`` nothing a user types can
call a function or reach an attribute. Column names with '-' (``centroid-0``) are written
as they are or in backticks.
"""

import ast
import operator
import re
from typing import Dict

import numpy as np
import pandas as pd

_COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt,
            ast.LtE: operator.le, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_ARITH = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
          ast.Div: operator.truediv, ast.Pow: operator.pow}


class QueryError(ValueError):
    """An expression that cannot be evaluated; the message says why."""


def _substitute(text: str, columns) -> (str, Dict[str, str]):
    """Column names replaced by safe identifiers (longest names first)."""
    names = {}
    for i, column in enumerate(sorted(columns, key=len, reverse=True)):
        key = f"_c{i}"
        pattern = r"`" + re.escape(column) + r"`|(?<![\w`-])" + re.escape(column) + r"(?![\w`-])"
        text, count = re.subn(pattern, key, text)
        if count:
            names[key] = column
    return text, names


def _evaluate(node, frame: pd.DataFrame, names: Dict[str, str]):
    """Value of one whitelisted AST node over the frame's columns."""
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, frame, names)
    if isinstance(node, ast.BoolOp):
        values = [np.asarray(_evaluate(v, frame, names), dtype=bool) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        result = values[0]
        for value in values[1:]:
            result = combine(result, value)
        return result
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return np.logical_not(np.asarray(_evaluate(node.operand, frame, names), dtype=bool))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_evaluate(node.operand, frame, names)
    if isinstance(node, ast.Compare):
        left, result = _evaluate(node.left, frame, names), None
        for op, right_node in zip(node.ops, node.comparators):
            if type(op) not in _COMPARE:
                raise QueryError("only > >= < <= == != comparisons are allowed")
            right = _evaluate(right_node, frame, names)
            part = np.asarray(_COMPARE[type(op)](left, right), dtype=bool)
            result = part if result is None else result & part
            left = right
        return result
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        return _ARITH[type(node.op)](_evaluate(node.left, frame, names),
                                     _evaluate(node.right, frame, names))
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return frame[names[node.id]].to_numpy()
        if node.id in ("True", "False"):
            return node.id == "True"
        raise QueryError(f"unknown column '{node.id}'")
    raise QueryError("only column names, numbers, comparisons, arithmetic and and/or/not "
                     "are allowed")


def filter_mask(frame: pd.DataFrame, expression: str) -> np.ndarray:
    """Boolean row mask of ``expression`` over ``frame``'s columns (all True when empty)."""
    if not expression or not expression.strip():
        return np.ones(len(frame), dtype=bool)
    text, names = _substitute(expression, frame.columns)
    text = text.replace(" AND ", " and ").replace(" OR ", " or ").replace("&&", " and ")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise QueryError(f"cannot parse '{expression}': {error.msg}") from None
    mask = np.asarray(_evaluate(tree, frame, names))
    if mask.shape != (len(frame),) or mask.dtype != bool:
        raise QueryError(f"'{expression}' is not a condition on the rows")
    return mask
