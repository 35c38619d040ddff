"""``python -m llmlab.cli``: the same entry point as the ``llmlab`` command."""

import sys

from llmlab.cli import main

sys.exit(main())
