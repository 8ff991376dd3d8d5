"""The command line of a target read from its source, with :mod:`ast` only.

click (``@click.group``/``@click.command``, ``@grp.command("name")``, ``name=``,
``add_command``, the function-name rule of click 8.2), typer (``typer.Typer()``,
``@app.command``, ``@app.callback``, ``add_typer``, ``typer.run``, options from
parameters and ``Annotated``) and argparse (``add_subparsers``, ``add_parser``,
``add_argument``, followed through the target's own helper functions by a small
interpreter). Names are resolved across the target's modules through their
imports, so a group defined in one module and extended in another is one tree.

Nothing is guessed: a custom decorator, a computed name, a parser handed to code
outside the target, a custom group class leave the node marked incomplete, and
the docs gate then reports nothing it cannot prove.

The modules, in the order the reading happens:

* :mod:`.project`: the target's modules by dotted name, and name resolution;
* :mod:`.syntax`: literal values of the syntax tree;
* :mod:`.clicktyper`: click commands and typer apps, from decorators and
  registrations over every module;
* :mod:`.argparsing`: argparse parsers, and what an entry function runs;
* :mod:`.nodes`: commands while being read, frozen into :class:`Command`;
* :mod:`.entries`: each console script's and ``python -m`` package's model.
"""

from readiness.clistatic.entries import Static, discover
from readiness.clistatic.nodes import freeze
from readiness.clistatic.project import Project
from readiness.clistatic.syntax import option_names

__all__ = ["Project", "Static", "discover", "freeze", "option_names"]
