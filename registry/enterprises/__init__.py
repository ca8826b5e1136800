"""Enterprises: the duplicate guard and attribute values read from text."""
