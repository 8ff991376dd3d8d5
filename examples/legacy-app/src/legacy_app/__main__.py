"""Allow ``python -m legacy_app``."""

from legacy_app.cli import main

if __name__ == "__main__":
    main()
