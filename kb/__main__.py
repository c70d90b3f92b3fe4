"""`python -m kb` runs the command line (same as the `kb` script)."""

from kb.cli import main

main()
