"""``python -m kb.migrations``: see :func:`kb.migrations.main`."""

import sys

from kb.migrations import main

main(sys.argv[1:])
