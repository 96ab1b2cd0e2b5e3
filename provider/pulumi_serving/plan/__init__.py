"""Normalization and diff of declarations against live state: pure functions, no I/O."""
