"""Audit: the append-only audit events and access log, sealed into hash chains."""
