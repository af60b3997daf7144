r"""Chapter 6: recurrent language models, one concern per module.

=====================  ======================================================================
module                 what it holds
=====================  ======================================================================
:mod:`.data`           paragraphs, character/word datasets, ids to text, TBPTT batches
:mod:`.metrics`        log-probability of a sequence, perplexity, bits per character
:mod:`.model`          parameters, forward, loss and gradients, one SGD training step
:mod:`.optim`          Adam and Adagrad (as ``torch.optim``)
:mod:`.training`       the training loop and the evaluation of a stream
:mod:`.sampling`       the draw protocol, ``sample_next``, ``generate``, ``sample``
:mod:`.ngram`          add-alpha n-gram baselines
=====================  ======================================================================

A language model gives the probability of a token sequence by the chain rule,

.. math:: P(y^{\langle 1\rangle}, \dots, y^{\langle T\rangle})
          = \prod_{t=1}^{T} P(y^{\langle t\rangle} \mid y^{\langle 1\rangle}, \dots, y^{\langle t-1\rangle}),

and an RNN computes every factor: at step t its input is the *true* previous
token (teacher forcing) and its output is ``softmax(z^<t>)``, a distribution
over the next token. The model is the Elman RNN of :mod:`rnncourse.rnn` with a
one-hot input (``n_e=None``) or an embedding layer (``n_e`` given):

=============  ==================  ==========================================
maths          code                shape
=============  ==================  ==========================================
x^<t>          ``inputs[t]``       ids ``(N,)``; a batch is ``(T, N)``
y^<t>          ``targets[t]``      ids ``(N,)``; ``targets[t] = inputs[t + 1]``
E              ``params["E"]``     ``(V, n_e)`` (only with an embedding)
W_ax           ``params["Wax"]``   ``(n_a, V)`` one-hot input, or ``(n_a, n_e)``
W_aa, b_a      ``Waa``, ``ba``     ``(n_a, n_a)``, ``(n_a,)``
W_ya, b_y      ``Wya``, ``by``     ``(V, n_a)``, ``(V,)``
z^<t>          ``z[t]``            scores ``(N, V)``; a batch is ``(T, N, V)``
=============  ==================  ==========================================

Gradients are dicts whose keys are the parameter names with a ``d`` in front
(``"dWax"`` is the gradient of ``params["Wax"]``), as everywhere in the package.

Quality is measured in nats per token (the mean negative log-likelihood),
perplexity ``exp(nats)`` or bits per character ``nats / ln 2``.
"""
from . import data, metrics, model, ngram, optim, sampling, training  # noqa: F401
