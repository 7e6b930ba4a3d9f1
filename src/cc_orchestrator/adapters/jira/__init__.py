"""Jira Cloud: Atlassian Document Format <-> Markdown (adf.py)."""
