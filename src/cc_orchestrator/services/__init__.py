"""Use cases: the only API the CLI and the web layer call."""
