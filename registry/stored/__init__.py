"""Copies the database keeps: the data version, the copy triggers, the stored evidence."""
