"""State database: engine, tables, the store and its migrations."""
