"""Keyword search over Chinese text: the token table and the database's own full-text index."""
