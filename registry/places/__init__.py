"""Places, names and industries: the one lookup, name keys, Hangul folding, the reference data."""
