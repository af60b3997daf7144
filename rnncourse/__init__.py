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

from . import (architectures, attention, bidirectional, bridges, corpus, crf, ctc, ctc_batch, ctc_decode, deep, embedding, gates,  # noqa: F401
               gradcheck, gru, lm, longmemory, losses, lstm, mgu, models11, progress, rnn, scan,
               sequences, seq2seq, seq2seq_data, seq2seq_decode, speechlike, tagging, tasks, tasks11,
               trees, vocab)
# (seq2seq_torch needs torch at import and is imported by name)
