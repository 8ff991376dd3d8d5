"""JSON with comments (JSONC), as pyright reads its ``pyrightconfig.json``.

pyright parses its configuration with Microsoft's ``jsonc-parser`` and
``allowTrailingComma: true``: ``//`` and ``/* */`` comments and a comma before
``]`` or ``}`` are accepted; anything else that is not JSON is an error (and
pyright then ignores the file). No JSONC library is among readiness's locked
dependencies (json5 and pyjson5 accept far more than JSONC: single quotes,
unquoted keys, hexadecimal numbers), so the comments and trailing commas are
removed here, outside strings only, and the rest is read by :mod:`json`.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: A JSON string (kept whole, so ``//`` or ``/*`` inside one is text), or a
#: comment. An unterminated ``/*`` matches nothing and is left as an error.
_COMMENT = re.compile(r'("(?:[^"\\]|\\.)*")|//[^\n\r]*|/\*.*?\*/', re.DOTALL)
#: A JSON string, or a comma followed (after whitespace) by ``]`` or ``}``.
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(?=\s*[\]}])')


def strip(text: str) -> str:
    """``text`` without comments and trailing commas; strings untouched."""
    no_comments = _COMMENT.sub(lambda m: m.group(1) or " ", text)
    return _TRAILING_COMMA.sub(lambda m: m.group(1) or "", no_comments)


def loads(text: str) -> Any:
    """The value of a JSONC document; :class:`ValueError` when it is not one."""
    return json.loads(strip(text.removeprefix("\ufeff")))
