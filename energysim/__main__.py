"""Run the command line: ``python -m energysim``."""

from energysim.cli import main

if __name__ == "__main__":
    main()
