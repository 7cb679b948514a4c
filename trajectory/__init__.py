"""Blend's domain: trajectories, their steps and the rules that move them.

Plain Python only. Nothing here imports botbuilder, msgraph or SQLAlchemy; the transport,
presentation, persistence and Graph layers depend on this package, never the reverse.
"""
