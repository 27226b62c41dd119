"""Scenario parsing, validation and the built-in library."""
