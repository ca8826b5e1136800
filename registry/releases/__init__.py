"""Citable releases: making them, their tables, reading from them, and provenance stamps."""
