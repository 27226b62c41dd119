"""The installed version of posturelab, read from the package's metadata."""

from __future__ import annotations


def package_version() -> str:
    """The version of the installed distribution (``0.0.0`` in a source tree never installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("posturelab")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"
