"""Jijinan (救急难): emergency social assistance for a province's civil-affairs system."""

__version__ = "0.1.0"
