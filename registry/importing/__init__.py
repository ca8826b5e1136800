"""The claims import: reading and checking a coder's CSV, and matching its rows."""
