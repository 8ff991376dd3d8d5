"""``python -m readiness``.

``-m`` puts the working folder first on ``sys.path``. Run from the root of the
audited project, the project's modules would then shadow readiness's own
imports: a project named like one of readiness's dependencies (tomlkit,
packaging, rich) or a stray ``yaml.py`` at its root would be imported by
readiness, its code run by the audit and its byte code written into the
tree. The folder is taken off before anything else is imported (the
package's ``__init__`` imports nothing); ``readiness`` itself, already
imported, finds its modules by its own path. The console script and
``python -P`` never put it there.
"""

import os
import sys

# os and sys are loaded with the interpreter; pathlib might be the project's.
working = os.getcwd()  # noqa: PTH109 - see above
if sys.path and not sys.flags.safe_path and sys.path[0] in ("", working):
    del sys.path[0]

from readiness.cli import main  # noqa: E402 - once sys.path is safe

sys.exit(main())
