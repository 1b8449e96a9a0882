"""`python -m mltoolkit` runs the command line."""
from mltoolkit.cli import run

run()
