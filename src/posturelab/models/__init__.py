"""Pure, vectorised sub-models (numpy and scipy only)."""
