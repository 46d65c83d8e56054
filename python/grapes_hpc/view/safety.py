"""Path confinement: every path a request names must resolve inside one of the served roots.

Resolving (``os.path.realpath``) before the check is what stops both ``..`` and symlinks that
point out of a root; the check itself compares whole path components, not string prefixes.
"""

import os
from typing import List, Sequence


class Forbidden(Exception):
    """A request for a path outside the served roots (answered 403)."""


def resolve_roots(paths: Sequence[str]) -> List[str]:
    """The served roots: each folder given, or the folder of each file given, resolved."""
    roots = []
    for path in paths:
        real = os.path.realpath(path)
        roots.append(real if os.path.isdir(real) else os.path.dirname(real))
    return sorted(set(roots))


def confine(path: str, roots: Sequence[str]) -> str:
    """``path`` resolved, or Forbidden when it lies outside every root."""
    if not path:
        raise Forbidden("no path given")
    real = os.path.realpath(path)
    for root in roots:
        if os.path.commonpath([real, root]) == root:
            return real
    raise Forbidden(f"'{path}' is outside the served folders")
