"""``python -m rnncourse.grading autograde|grade ...`` (see :mod:`rnncourse.grading.batch`)."""
import sys

from .batch import main

sys.exit(main())
