"""Thin Click commands over the services."""
