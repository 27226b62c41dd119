"""The ensemble engine: sampling, the coupled monthly simulation and outcome assembly."""
