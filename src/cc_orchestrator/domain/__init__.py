"""Pure domain: records, names, state rules. Imports only the standard library and itself."""
