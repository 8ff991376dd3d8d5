"""Vulnerability sources behind one interface (``interface.py``): an offline OSV
database (``osv.py``) and the online auditors ``uv audit``, ``pip-audit`` and
``safety``, each run as a subprocess with JSON output."""
