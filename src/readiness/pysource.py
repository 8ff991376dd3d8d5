"""Parsing Python source from several gates at once.

CPython 3.11 and 3.12 can fail with "SystemError: AST constructor recursion
depth mismatch" when ``ast.parse`` runs in several threads at the same time
(python/cpython#106905), which is exactly what concurrent gates do. Every
parse of the target's source goes through this one lock.
"""

from __future__ import annotations

import ast
import threading

_lock = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` under the process-wide lock; raises SyntaxError as usual."""
    with _lock:
        return ast.parse(source, filename=filename)
