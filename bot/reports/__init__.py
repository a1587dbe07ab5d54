"""Compliance reports: figures computed from the record, then rendered."""
