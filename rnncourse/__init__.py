"""rnncourse: the reference implementation of the course *Recurrent Neural Networks*.

One module per chapter; every chapter notebook, assignment check and test
imports from here.

Conventions (see the book's landing page):

- sequences are time-major: ``(T, N, features)``; one step is ``(N, features)``;
- weights keep the maths orientation ``(out, in)``, so a step computes
  ``x_t @ Wax.T + a_prev @ Waa.T + ba``;
- randomness comes from an explicit ``np.random.Generator`` argument;
- bad input raises ``ValueError`` naming the argument, the expected and the
  received shape.
"""
__version__ = "0.1.0"

from . import corpus, ctc, embedding, gradcheck, lm, losses, progress, rnn, scan, sequences, vocab  # noqa: F401
from . import bridges, gates, gru, longmemory, lstm, mgu, tasks  # noqa: F401
