"""Parsing with libcst and adding a keyword argument without disturbing the
call's layout.

:func:`append_keyword` adds ``name=value`` as the last argument in the style
the call already has: on the same line as the last argument, or on a line of
its own (with the trailing comma) when the arguments are one per line. Comments
stay on the lines they were on. The result is always the old text plus an
insertion.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from readiness.fixers.interface import FixError

#: The indentation added for an argument put on a line of its own.
INDENT = "    "


def parse(path: str, text: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        reason = str(error).splitlines()[0]
        raise FixError(f"{path} does not parse ({reason}); not edited") from None


def keyword_names(call: cst.Call) -> set[str]:
    return {arg.keyword.value for arg in call.args if arg.keyword is not None}


def has_double_star(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def append_keyword(call: cst.Call, name: str, value: str) -> cst.Call:
    """``call`` with ``name=value`` added last, in the call's own layout."""
    new = cst.Arg(
        keyword=cst.Name(name),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    comma = last.comma
    if not isinstance(comma, cst.Comma):
        # f(a, b) -> f(a, b, name=value): the space before ")" moves along.
        args[-1] = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
        return call.with_changes(args=args)
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace):
        # One argument per line, trailing comma: a line of its own.
        indent, last_line = argument_indent(call, args, after)
        args[-1] = last.with_changes(
            comma=comma.with_changes(
                whitespace_after=after.with_changes(
                    indent=indent, last_line=cst.SimpleWhitespace(last_line)
                )
            )
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            empty_lines=[],
            indent=after.indent,
            last_line=after.last_line,
        )
        args.append(new.with_changes(comma=cst.Comma(whitespace_after=closing)))
        return call.with_changes(args=args)
    # f(a,) -> f(a, name=value,)
    empty = isinstance(after, cst.SimpleWhitespace) and not after.value
    spaced = cst.SimpleWhitespace(" ") if empty else after
    args[-1] = last.with_changes(comma=comma.with_changes(whitespace_after=spaced))
    args.append(new.with_changes(comma=cst.Comma(whitespace_after=after)))
    return call.with_changes(args=args)


def argument_indent(
    call: cst.Call, args: Sequence[cst.Arg], closing: cst.ParenthesizedWhitespace
) -> tuple[bool, str]:
    """The indentation of the call's arguments: from the line break between the
    last two, else from the one after ``(``, else the closing line's plus four."""
    candidates: list[cst.BaseParenthesizableWhitespace] = []
    if len(args) >= 2 and isinstance(args[-2].comma, cst.Comma):
        candidates.append(args[-2].comma.whitespace_after)
    candidates.append(call.whitespace_before_args)
    for candidate in candidates:
        if isinstance(candidate, cst.ParenthesizedWhitespace):
            return candidate.indent, candidate.last_line.value
    return closing.indent, closing.last_line.value + INDENT
