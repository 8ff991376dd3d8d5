"""``python -m readiness._prepare_metadata SRC OUT``, run by :mod:`readiness.metadata`.

Prepares SRC's wheel metadata into OUT with pypa/build in an isolated build
environment that uv creates, and prints the ``.dist-info`` path. The backend's
own output (and its traceback, when it fails) goes to this process's stdout
and stderr, where the caller reads the root cause.
"""

from __future__ import annotations

import sys

from build import BuildBackendException, BuildException, ProjectBuilder
from build.env import DefaultIsolatedEnv


def main(argv: list[str]) -> int:
    source, out = argv
    try:
        with DefaultIsolatedEnv(installer="uv") as env:
            builder = ProjectBuilder.from_isolated_env(env, source)
            env.install(builder.build_system_requires)
            env.install(builder.get_requires_for_build("wheel"))
            sys.stdout.write(f"{builder.metadata_path(out)}\n")
    except (BuildBackendException, BuildException) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a child process
    sys.exit(main(sys.argv[1:]))
