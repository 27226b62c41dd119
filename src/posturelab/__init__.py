"""posturelab: an open scenario laboratory for force posture and deterrence."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("posturelab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
