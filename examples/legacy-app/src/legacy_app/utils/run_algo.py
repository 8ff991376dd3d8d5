"""Load a strategy file: the file is executed as Python code."""

from pathlib import Path


def load_strategy(path):
    source = Path(path).read_text()
    namespace = {"__name__": "strategy", "__file__": str(path)}
    exec(compile(source, str(path), "exec"), namespace)
    if "SIGNAL" not in namespace:
        raise ValueError(f"{path}: a strategy must define SIGNAL")
    return namespace
