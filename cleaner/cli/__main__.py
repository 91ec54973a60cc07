"""`python -m cleaner.cli`: the `cleaner` command."""

from . import main

main()
