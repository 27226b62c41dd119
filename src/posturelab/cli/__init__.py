"""The ``posturelab`` command line.

Each command family lives in its own module with a ``register(app, fit_app)`` function;
:data:`COMMAND_MODULES` is the explicit registry the application is assembled from. Input problems
(:class:`~posturelab.errors.InputError`) raised by any command are printed as located messages on
standard error with exit status 2, never as a traceback; a file that cannot be written or a
catalogue held by another process (:class:`~posturelab.store.diskio.StorageError`) is one line
on standard error with exit status 74.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import typer

from posturelab.cli import (
    alignment_arms,
    catalogue_commands,
    combat,
    console,
    explore_commands,
    run_commands,
    scenario_commands,
    target_commands,
    web_commands,
)
from posturelab.errors import InputError, command_line_names
from posturelab.store.diskio import StorageError, storage_error

app = typer.Typer(
    name="posturelab",
    help="An open scenario laboratory for force posture and deterrence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
fit_app = typer.Typer(
    help="Fit sub-models to historical data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(fit_app, name="fit")

COMMAND_MODULES = (
    scenario_commands,
    run_commands,
    alignment_arms,
    combat,
    explore_commands,
    catalogue_commands,
    target_commands,
    web_commands,
)
for _module in COMMAND_MODULES:
    _module.register(app, fit_app)


@functools.cache
def _command() -> Callable[..., Any]:
    """The click command typer builds from :data:`app`, built once per process."""
    return typer.main.get_command(app)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line (the ``posturelab`` console script); always ends with ``SystemExit``.

    Parameters
    ----------
    argv
        Arguments without the program name; ``None`` reads ``sys.argv``.
    """
    try:
        with command_line_names():
            _command()(args=None if argv is None else list(argv), prog_name="posturelab")
    except InputError as error:
        console.print_problems(error)
        raise SystemExit(2) from None
    except StorageError as error:
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(run_commands.EXIT_STORAGE) from None
    except OSError as error:  # the last line of defence: an OS error is a message, not a trace
        sys.stderr.write(f"error: {storage_error(error, action='use')}\n")
        raise SystemExit(run_commands.EXIT_STORAGE) from None
