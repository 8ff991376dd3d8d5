"""The static pytest survey: what a target's tests use, register and import.

Read with :mod:`ast`, never by importing the target or running pytest, so
that it works before any test environment exists. The ``markers`` and
``tests`` gates both read it:

* :mod:`~readiness.pytest_survey.files`: which test modules and conftests
  pytest collects, and how to parse them;
* :mod:`~readiness.pytest_survey.marks`: markers used at their sites, and
  those registered by the configuration, conftests, pytest and plugins;
* :mod:`~readiness.pytest_survey.imports`: the imports that run at test time,
  and the names the repository itself provides.
"""
