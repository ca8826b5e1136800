"""Tooling around the registry, not part of its domain: the scale corpus and benchmark
(`manage.py generate_corpus`, `manage.py benchmark`) and the romanization rules that
scripts/build_places.py uses to build fixtures/places.csv."""
