"""Argument validators generated at runtime (inherited from the first engine)."""


def make_validator(name, expression):
    """Build ``name(value) -> bool`` that evaluates ``expression`` on ``value``."""
    source = f"def {name}(value):\n    return bool({expression})\n"
    namespace = {}
    exec(source, namespace)
    return namespace[name]
