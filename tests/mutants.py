"""Realistic buggy solutions ("mutants"), each of which must lose points with a message naming the fault.

A mutant replaces one exact piece of a solution cell (``old`` must occur in the
source, so a mutant can never silently stop applying), then the notebook is
autograded. The test cell ``lost`` must score 0 and its message must contain
``message``.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    assignment: str
    name: str
    cell: str       # grade_id of the solution cell to change
    old: str
    new: str
    lost: str       # grade_id of the test cell that must fail
    message: str    # fragment of the feedback it must show

    @property
    def id(self) -> str:
        return f"{self.assignment}:{self.name}"


MUTANTS = [
    # ------------------------------------------------------------ 01 sequence data
    Mutant("01-sequence-data", "batch-major output", "pad_sequences",
           "return padded, lengths", "return padded.swapaxes(0, 1), lengths",
           "test_pad_sequences", "axes are swapped"),
    Mutant("01-sequence-data", "pad_value ignored", "pad_sequences",
           "pad_value,\n", "0,\n", "test_pad_sequences", "must hold pad_value"),
    Mutant("01-sequence-data", "mask off by one", "lengths_to_mask",
           "np.arange(T)[:, None] < lengths", "np.arange(T)[:, None] <= lengths",
           "test_lengths_to_mask", "off by one"),
    Mutant("01-sequence-data", "padding counted in the mean", "masked_mean",
           "/ np.sum(mask)", "/ np.size(values)", "test_masked_mean", "padding positions were counted"),
    Mutant("01-sequence-data", "0-based maths index", "token_at",
           "return padded[t - 1, i - 1]", "return padded[t, i]", "test_token_at", "off by one"),
    Mutant("01-sequence-data", "padding returned instead of IndexError", "token_at",
           "if not 1 <= t <= lengths[i - 1]:", "if not 1 <= t <= padded.shape[0]:",
           "test_token_at", "expected an IndexError"),
    # ------------------------------------------------------------- 02 vocabulary
    Mutant("02-vocabulary", "min_freq exclusive", "build_vocab",
           "c >= min_freq", "c > min_freq", "test_build_vocab", "min_freq is inclusive"),
    Mutant("02-vocabulary", "ties by first occurrence", "build_vocab",
           "key=lambda token: (-counts[token], token)", "key=lambda token: -counts[token]",
           "test_build_vocab", "broken alphabetically"),
    Mutant("02-vocabulary", "special tokens missing", "build_vocab",
           "return SPECIALS + kept", "return kept", "test_build_vocab", "start with the special tokens"),
    Mutant("02-vocabulary", "<UNK> not used: unknown tokens dropped", "encode",
           "[stoi.get(token, stoi[UNK]) for token in tokens]", "[stoi[token] for token in tokens if token in stoi]",
           "test_encode", "unknown tokens were dropped"),
    Mutant("02-vocabulary", "<UNK> not used: KeyError", "encode",
           "stoi.get(token, stoi[UNK])", "stoi[token]", "test_encode", "must be encoded as <UNK>"),
    Mutant("02-vocabulary", "<EOS> not appended", "encode",
           "ids.append(stoi[EOS])", "pass", "test_encode", "<EOS> was not appended"),
    Mutant("02-vocabulary", "decode does not stop at <EOS>", "decode",
           "if token == EOS:\n            break", "if token == EOS:\n            pass", "test_decode",
           "stops at <EOS>"),
    Mutant("02-vocabulary", "one-hot off by one", "one_hot",
           "np.eye(num_classes)[ids]", "np.eye(num_classes)[ids - 1]", "test_one_hot", "off by one"),
    Mutant("02-vocabulary", "negative ids wrap around", "one_hot",
           "if ids.size and (ids.min() < 0 or ids.max() >= num_classes):", "if False:",
           "test_one_hot", "must raise ValueError"),
    # ------------------------------------------------------------- 03 embeddings
    Mutant("03-embeddings", "ids transposed", "embedding_forward",
           "out = W[ids]", "out = W[ids.T]", "test_embedding_forward", "swapped"),
    Mutant("03-embeddings", "gradient assigned, not accumulated", "embedding_backward",
           "np.add.at(dW, cache.ids.reshape(-1), dout.reshape(-1, n_e))",
           "dW[cache.ids.reshape(-1)] = dout.reshape(-1, n_e)", "test_embedding_backward", "accumulated"),
    Mutant("03-embeddings", "padding row trained", "embedding_backward",
           "if cache.padding_idx is not None:", "if False:", "test_embedding_backward", "padding_idx"),
    Mutant("03-embeddings", "dot product instead of cosine", "cosine_similarity",
           "return (v @ u) / (np.linalg.norm(v, axis=1) * np.linalg.norm(u))", "return v @ u",
           "test_cosine_similarity", "not divided by their lengths"),
    Mutant("03-embeddings", "query returned as its own neighbour", "most_similar",
           "order[order != query][:k]", "order[:k]", "test_most_similar", "query itself"),
    Mutant("03-embeddings", "ascending order", "most_similar",
           'np.argsort(-sims, kind="stable")', 'np.argsort(sims, kind="stable")',
           "test_most_similar", "decreasing similarity"),
    # -------------------------------------------------------- 04 recurrent network
    Mutant("04-recurrent-network", "transposed input weight", "rnn_cell_forward",
           "xt @ Wax.T", "xt @ Wax", "test_rnn_cell_forward", "is a weight transposed"),
    Mutant("04-recurrent-network", "transposed recurrent weight", "rnn_cell_forward",
           "a_prev @ Waa.T", "a_prev @ Waa", "test_rnn_cell_forward", "Waa is transposed"),
    Mutant("04-recurrent-network", "missing bias", "rnn_cell_forward",
           "a_prev @ Waa.T + ba)", "a_prev @ Waa.T)", "test_rnn_cell_forward", "the bias ba"),
    Mutant("04-recurrent-network", "ReLU instead of tanh", "rnn_cell_forward",
           "np.tanh(xt @ Wax.T + a_prev @ Waa.T + ba)", "np.maximum(xt @ Wax.T + a_prev @ Waa.T + ba, 0)",
           "test_rnn_cell_forward", "not ReLU"),
    Mutant("04-recurrent-network", "state not carried", "rnn_forward",
           "rnn_cell_forward(x[t], a_prev, Wax, Waa, ba)", "rnn_cell_forward(x[t], a0, Wax, Waa, ba)",
           "test_rnn_forward", "state is not carried"),
    Mutant("04-recurrent-network", "off by one in time", "rnn_forward",
           "a_prev = rnn_cell_forward(x[t], a_prev, Wax, Waa, ba)\n        a[t] = a_prev",
           "a[t] = a_prev\n        a_prev = rnn_cell_forward(x[t], a_prev, Wax, Waa, ba)",
           "test_rnn_forward", "off by one in time"),
    Mutant("04-recurrent-network", "Jordan output not fed back", "jordan_forward",
           "y_prev = y_hat[t]", "pass", "test_jordan_forward", "not fed back"),
    Mutant("04-recurrent-network", "padding read as the last step", "many_to_one_forward",
           "a[np.asarray(lengths) - 1, np.arange(x.shape[1])]", "a[-1]", "test_many_to_one_forward",
           "the padding was read"),
    Mutant("04-recurrent-network", "softmax over the wrong axis", "many_to_one_forward",
           "z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)",
           "z.max(axis=0, keepdims=True))\n    return e / e.sum(axis=0, keepdims=True)",
           "test_many_to_one_forward", "wrong axis"),
    # ------------------------------------------------------------------- 05 BPTT
    Mutant("05-bptt", "tanh derivative at the pre-activation", "rnn_cell_backward",
           "(1 - cache.a_next ** 2)", "(1 - cache.z ** 2)", "test_rnn_cell_backward", "pre-activation"),
    Mutant("05-bptt", "dba not summed over the batch", "rnn_cell_backward",
           '"dba": dz.sum(axis=0)', '"dba": dz', "test_rnn_cell_backward", "dba"),
    Mutant("05-bptt", "weight gradient not accumulated across time", "rnn_backward",
           "dWax += dz.T @ cache.x[t]", "dWax = dz.T @ cache.x[t]", "test_rnn_backward", "not accumulated over time"),
    Mutant("05-bptt", "gradient from the future dropped", "rnn_backward",
           "(da[t] + da_prev)", "(da[t])", "test_rnn_backward", "not passed back"),
    Mutant("05-bptt", "off by one in time", "rnn_backward",
           "a_before = cache.a0 if t == 0 else cache.a[t - 1]", "a_before = cache.a[t]",
           "test_rnn_backward", "off by one in time"),
    Mutant("05-bptt", "clipping one side only", "clip_by_value",
           "np.clip(g, -max_value, max_value)", "np.minimum(g, max_value)", "test_clip_by_value",
           "only the upper side"),
    Mutant("05-bptt", "clipping below the threshold", "clip_by_norm",
           "scale = min(1.0, max_norm / (norm + 1e-6))", "scale = max_norm / (norm + 1e-6)",
           "test_clip_by_norm", "must not change"),
    Mutant("05-bptt", "per-gradient norm", "clip_by_norm",
           "norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))",
           "norm = float(max(np.sqrt(np.sum(g ** 2)) for g in grads.values()))",
           "test_clip_by_norm", "over ALL gradients together"),
    Mutant("05-bptt", "one-sided difference", "grad_check",
           "numeric[j] = (plus - minus) / (2 * h)", "numeric[j] = (plus - f()) / h",
           "test_grad_check", "one-sided"),
    Mutant("05-bptt", "x not restored", "grad_check",
           "x[j] = old  # restore before the next entry", "pass", "test_grad_check", "should be tiny"),
    # ------------------------------------------------------------- 07 gated units
    Mutant("07-gated-units", "GRU reset gate after the product", "gru_cell_forward",
           '(gamma_r * a_prev) @ p["Wca"].T', 'gamma_r * (a_prev @ p["Wca"].T)', "test_gru_cell_forward",
           "reset gate is in the wrong place"),
    Mutant("07-gated-units", "GRU update gate reversed", "gru_cell_forward",
           "gamma_u * c_tilde + (1 - gamma_u) * a_prev", "(1 - gamma_u) * c_tilde + gamma_u * a_prev",
           "test_gru_cell_forward", "wrong way round"),
    Mutant("07-gated-units", "GRU candidate with a sigmoid", "gru_cell_forward",
           'c_tilde = np.tanh(xt @ p["Wcx"].T', 'c_tilde = sigmoid(xt @ p["Wcx"].T', "test_gru_cell_forward",
           "candidate must use tanh"),
    Mutant("07-gated-units", "LSTM output without tanh (note 000)", "lstm_cell_forward",
           "a_next = gamma_o * np.tanh(c_next)", "a_next = gamma_o * c_next", "test_lstm_cell_forward",
           "tanh on the cell output is missing"),
    Mutant("07-gated-units", "LSTM forget and update swapped", "lstm_cell_forward",
           "c_next = gamma_f * c_prev + gamma_u * c_tilde", "c_next = gamma_u * c_prev + gamma_f * c_tilde",
           "test_lstm_cell_forward", "forget and update gates are swapped"),
    Mutant("07-gated-units", "LSTM candidate with a sigmoid", "lstm_cell_forward",
           'c_tilde = np.tanh(pre("c"))', 'c_tilde = sigmoid(pre("c"))', "test_lstm_cell_forward",
           "candidate must use tanh"),
    Mutant("07-gated-units", "LSTM cell state not carried", "lstm_forward",
           "lstm_cell_forward(x[t], a_prev, c_prev, params)", "lstm_cell_forward(x[t], a_prev, c0, params)",
           "test_lstm_forward", "cell state is not carried"),
    Mutant("07-gated-units", "LSTM backward without tanh'", "lstm_cell_backward",
           "da_next * o * (1 - cache.tanh_c ** 2)", "da_next * o", "test_lstm_cell_backward", "goes through tanh"),
    Mutant("07-gated-units", "LSTM backward ignores dc_next", "lstm_cell_backward",
           "dc = dc_next + da_next", "dc = da_next", "test_lstm_cell_backward", "dc_next"),
    Mutant("07-gated-units", "hand-set forget gate closed", "hand_set_lstm",
           '"bf": np.array([10.0])', '"bf": np.array([-10.0])', "test_hand_set_lstm", "keep (x2 = 0)"),
    Mutant("07-gated-units", "hand-set output gate always open", "hand_set_lstm",
           '"bo": np.array([-10.0])', '"bo": np.array([10.0])', "test_hand_set_lstm", "output gate must be closed"),
]
