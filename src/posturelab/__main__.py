"""``python -m posturelab``: the command line, as the ``posturelab`` script runs it."""

from posturelab.cli import main

if __name__ == "__main__":
    main()
