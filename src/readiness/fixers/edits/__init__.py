"""The Python fixers' edits, with libcst: loaded when a fixer plans an edit.

libcst takes about 0.2 s to import, and every audit reads the fixers'
declarations (:mod:`readiness.fixers.routing` stamps which findings a fixer
takes); so the fixer modules hold what they take and how they plan, and
import their edit from here only in :meth:`Fixer.plan`.
"""
