"""Runs a plan durably, and owns what happens when it goes wrong.

A plan (pure data from ``shipmate.strategies``) is executed by ``runner``: each step writes its intent row,
acts through the target, the router and the probes, then writes its result row. A failed step takes the
rollback path (``rollback_path``, ``abort_actions``); a deployment left half-way by a killed process is
driven to a consistent end by ``recovery``. The engine decides; it reaches processes and containers only
through a ``Target``, traffic only through a ``TrafficRouter``, and the database only through the store.

Nothing here is imported by a read-only command: faces call ``shipmate.ops``, which imports the engine
inside the operations that deploy, roll back or recover.
"""
