"""Adaptive Cards (schema 1.5) as pure functions from view models to dicts."""
