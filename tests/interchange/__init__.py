"""Tests of corridor.interchange (a package, so its conftest does not shadow tests/conftest.py)."""
