"""Historical datasets shipped for validation, each with its sources, and their readers."""
