"""Explicit constructions, one module per network they build."""
