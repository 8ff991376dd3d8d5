"""Parsing Python source from several gates at once.

CPython 3.11 and 3.12 can fail with "SystemError: AST constructor recursion
depth mismatch" when ``ast.parse`` runs in several threads at the same time
(python/cpython#106905), which is exactly what concurrent gates do. Every
parse of the target's source goes through this one lock.

It is also the one place that bounds what a hostile source can do to the
parser: a 5,000-deep expression (``1 + 1 + ...``) makes ``ast.parse`` raise
RecursionError, a NUL byte ValueError (3.11), a huge file MemoryError. Python
itself cannot load such a file either, so each becomes the SyntaxError every
caller already handles as "this file does not parse".
"""

from __future__ import annotations

import ast
import threading

_lock = threading.Lock()


def parse(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` under the process-wide lock; raises only SyntaxError."""
    with _lock:
        try:
            return ast.parse(source, filename=filename)
        except SyntaxError:
            raise
        except RecursionError:
            reason = "too deeply nested for Python's parser"
        except ValueError as error:  # NUL bytes on 3.11 (SyntaxError from 3.12)
            reason = str(error)
        except MemoryError:
            reason = "too large for Python's parser"
    raise SyntaxError(reason, (filename, 1, 1, None))
