"""Realistic mistakes in assignment 07-gated-units: the mutants (edits of the solution notebook, graded
end to end by nbgrader in tests/test_assignments.py) and the catalogue (whole wrong functions,
graded by the checks in tests/test_catalogue.py)."""
import numpy as np  # noqa: F401

from ._base import Mutant, mistake, softmax as _softmax, sigmoid as _sigmoid  # noqa: F401

A = "07-gated-units"

MUTANTS = [
    Mutant(A, "GRU reset gate after the product", "gru_step",
           '(gamma_r * a_prev) @ p["Wca"].T', 'gamma_r * (a_prev @ p["Wca"].T)', "test_gru_step",
           "reset gate is in the wrong place"),
    Mutant(A, "GRU update gate reversed", "gru_step",
           "gamma_u * c_tilde + (1 - gamma_u) * a_prev", "(1 - gamma_u) * c_tilde + gamma_u * a_prev",
           "test_gru_step", "wrong way round"),
    Mutant(A, "GRU candidate with a sigmoid", "gru_step",
           'c_tilde = np.tanh(xt @ p["Wcx"].T', 'c_tilde = sigmoid(xt @ p["Wcx"].T', "test_gru_step",
           "candidate must use tanh"),
    Mutant(A, "LSTM output without tanh (note 000)", "lstm_step",
           "a_next = gamma_o * np.tanh(c_next)", "a_next = gamma_o * c_next", "test_lstm_step",
           "tanh on the cell output is missing"),
    Mutant(A, "LSTM forget and update swapped", "lstm_step",
           "c_next = gamma_f * c_prev + gamma_u * c_tilde", "c_next = gamma_u * c_prev + gamma_f * c_tilde",
           "test_lstm_step", "forget and update gates are swapped"),
    Mutant(A, "LSTM candidate with a sigmoid", "lstm_step",
           'c_tilde = np.tanh(pre("c"))', 'c_tilde = sigmoid(pre("c"))', "test_lstm_step",
           "candidate must use tanh"),
    Mutant(A, "LSTM cell state not carried", "lstm_states",
           "lstm_step(x[t], a_prev, c_prev, params)", "lstm_step(x[t], a_prev, c0, params)",
           "test_lstm_states", "cell state is not carried"),
    Mutant(A, "LSTM backward without tanh'", "lstm_cell_backward",
           "da_next * o * (1 - cache.tanh_c ** 2)", "da_next * o", "test_lstm_cell_backward", "goes through tanh"),
    Mutant(A, "LSTM backward ignores dc_next", "lstm_cell_backward",
           "dc = dc_next + da_next", "dc = da_next", "test_lstm_cell_backward", "dc_next"),
    Mutant(A, "hand-set forget gate closed", "hand_set_lstm",
           '"bf": np.array([10.0])', '"bf": np.array([-10.0])', "test_hand_set_lstm", "keep (x2 = 0)"),
    Mutant(A, "hand-set output gate always open", "hand_set_lstm",
           '"bo": np.array([-10.0])', '"bo": np.array([10.0])', "test_hand_set_lstm", "output gate must be closed"),
    # the rest of each function's five or more: wrong gate activation, gate order, state handling
    Mutant(A, "GRU reset and update gates swapped", "gru_step",
           'gamma_r = sigmoid(xt @ p["Wrx"].T + a_prev @ p["Wra"].T + p["br"])\n'
           '    gamma_u = sigmoid(xt @ p["Wux"].T + a_prev @ p["Wua"].T + p["bu"])',
           'gamma_u = sigmoid(xt @ p["Wrx"].T + a_prev @ p["Wra"].T + p["br"])\n'
           '    gamma_r = sigmoid(xt @ p["Wux"].T + a_prev @ p["Wua"].T + p["bu"])',
           "test_gru_step", "reset and update gates are swapped"),
    Mutant(A, "GRU update gate with tanh", "gru_step",
           'gamma_u = sigmoid(xt @ p["Wux"].T', 'gamma_u = np.tanh(xt @ p["Wux"].T', "test_gru_step",
           "gates are sigmoids"),
    Mutant(A, "GRU reset gate ignored", "gru_step",
           '(gamma_r * a_prev) @ p["Wca"].T', 'a_prev @ p["Wca"].T', "test_gru_step",
           "reset gate is ignored"),
    Mutant(A, "LSTM output gate with tanh", "lstm_step",
           'sigmoid(pre("o"))', 'np.tanh(pre("o"))', "test_lstm_step", "output gate uses tanh"),
    Mutant(A, "LSTM without forget gate", "lstm_step",
           "c_next = gamma_f * c_prev + gamma_u * c_tilde", "c_next = c_prev + gamma_u * c_tilde",
           "test_lstm_step", "forget gate is missing"),
    Mutant(A, "LSTM output from the old cell", "lstm_step",
           "a_next = gamma_o * np.tanh(c_next)", "a_next = gamma_o * np.tanh(c_prev)",
           "test_lstm_step", "NEW cell state"),
    Mutant(A, "LSTM hidden state not carried", "lstm_states",
           "lstm_step(x[t], a_prev, c_prev, params)", "lstm_step(x[t], a0, c_prev, params)",
           "test_lstm_states", "hidden state is not carried"),
    Mutant(A, "LSTM initial states ignored", "lstm_states",
           "a_prev, c_prev = a0, c0", "a_prev, c_prev = np.zeros_like(a0), np.zeros_like(c0)",
           "test_lstm_states", "initial states a0 and c0 are ignored"),
    Mutant(A, "LSTM states stored before the step", "lstm_states",
           "a_prev, c_prev = lstm_step(x[t], a_prev, c_prev, params)\n        a[t], c[t] = a_prev, c_prev",
           "a[t], c[t] = a_prev, c_prev\n        a_prev, c_prev = lstm_step(x[t], a_prev, c_prev, params)",
           "test_lstm_states", "off by one in time"),
    Mutant(A, "LSTM hidden states returned as cells", "lstm_states",
           "return a, c", "return a, a", "test_lstm_states", "must hold the cell states"),
    Mutant(A, "LSTM backward gate blocks in the wrong order", "lstm_cell_backward",
           'enumerate("fuoc")', 'enumerate("ufoc")', "test_lstm_cell_backward", "wrong order"),
    Mutant(A, "LSTM backward candidate derivative from the cell", "lstm_cell_backward",
           '"c": dc * u * (1 - ct ** 2)', '"c": dc * u * (1 - cache.tanh_c ** 2)', "test_lstm_cell_backward",
           "1 - c̃**2"),
    Mutant(A, "LSTM backward dc_prev without the forget gate", "lstm_cell_backward",
           '"dc_prev": dc * f', '"dc_prev": dc', "test_lstm_cell_backward", "only through the forget gate"),
    Mutant(A, "hand-set update gate always open", "hand_set_lstm",
           '"bu": np.array([-10.0])', '"bu": np.array([10.0])', "test_hand_set_lstm",
           "the update gate must be closed"),
    Mutant(A, "hand-set candidate saturated (weight 100 on x1)", "hand_set_lstm",
           '"Wcx": np.array([[1.0, 0.0, 0.0]])', '"Wcx": np.array([[100.0, 0.0, 0.0]])', "test_hand_set_lstm",
           "c̃ = tanh(x1)"),
    Mutant(A, "hand-set forget bias too strong to erase", "hand_set_lstm",
           '"bf": np.array([10.0])', '"bf": np.array([30.0])', "test_hand_set_lstm",
           "the forget gate must close"),
]


# ================================================================= 07 gru_step
F = "gru_step"


def _gru(xt, a_prev, p, r_after=False, reverse=False, cand_act=np.tanh, r_off=False, alone=False,
         swap=False, u_act=_sigmoid, r_act=_sigmoid, no_bc=False, r_weights="r", wra_t=False):
    def pre(g, w=None):
        w = w or g
        Wa = p[f"W{w}a"].T if not (wra_t and g == "r") else p[f"W{w}a"]
        return xt @ p[f"W{w}x"].T + a_prev @ Wa + p[f"b{w}"]
    r, u = r_act(pre("r", r_weights)), u_act(pre("u"))
    if swap:
        r, u = u, r
    bc = 0 if no_bc else p["bc"]
    if r_off:
        c = cand_act(xt @ p["Wcx"].T + a_prev @ p["Wca"].T + bc)
    elif r_after:
        c = cand_act(xt @ p["Wcx"].T + r * (a_prev @ p["Wca"].T) + bc)
    else:
        c = cand_act(xt @ p["Wcx"].T + (r * a_prev) @ p["Wca"].T + bc)
    if alone:
        return c
    return (1 - u) * c + u * a_prev if reverse else u * c + (1 - u) * a_prev


for _name, _kw, _frag in [
        ("reset gate after the product (PyTorch's form)", dict(r_after=True), "reset gate is in the wrong place"),
        ("update gate reversed (PyTorch's convention)", dict(reverse=True), "wrong way round"),
        ("candidate with a sigmoid", dict(cand_act=_sigmoid), "candidate must use tanh"),
        ("reset gate ignored", dict(r_off=True), "reset gate is ignored"),
        ("candidate returned", dict(alone=True), "not the candidate alone"),
        ("reset and update gates swapped", dict(swap=True), "reset and update gates are swapped"),
        ("update gate with tanh", dict(u_act=np.tanh), "here the update gate"),
        ("reset gate with tanh", dict(r_act=np.tanh), "here the reset gate"),
        ("candidate bias missing", dict(no_bc=True), "the candidate's bias bc"),
        ("reset gate computed with the update weights", dict(r_weights="u"), "the update gate's weights"),
        ("Wra not transposed", dict(wra_t=True), "Wra is transposed")]:
    mistake(F, _name, _frag)(lambda xt, a_prev, params, _kw=_kw: _gru(xt, a_prev, params, **_kw))


# ================================================================ 07 lstm_step
F = "lstm_step"


def _lstm(xt, a_prev, c_prev, p, swap_fu=False, out_tanh=True, cand_act=np.tanh, no_f=False, from_prev=False,
          o_act=_sigmoid, f_act=_sigmoid, no_carry=False, order=("a", "c"), no_bias="", f_weights="f",
          swap_uo=False):
    def pre(g, w=None):
        w = w or g
        return xt @ p[f"W{w}x"].T + a_prev @ p[f"W{w}a"].T + (0 if w in no_bias else p[f"b{w}"])
    f, u, o = f_act(pre("f", f_weights)), _sigmoid(pre("u")), o_act(pre("o"))
    ct = cand_act(pre("c"))
    if swap_fu:
        f, u = u, f
    if swap_uo:
        u, o = o, u
    c = (c_prev if no_f else f * c_prev) + u * ct if not no_carry else u * ct
    a = o * (np.tanh(c_prev if from_prev else c) if out_tanh else c)
    return (a, c) if order == ("a", "c") else (c, a)


for _name, _kw, _frag in [
        ("forget and update gates swapped", dict(swap_fu=True), "forget and update gates are swapped"),
        ("output without tanh", dict(out_tanh=False), "tanh on the cell output is missing"),
        ("candidate with a sigmoid", dict(cand_act=_sigmoid), "candidate must use tanh"),
        ("no forget gate", dict(no_f=True), "forget gate is missing"),
        ("output from the old cell", dict(from_prev=True), "NEW cell state"),
        ("output gate with tanh", dict(o_act=np.tanh), "output gate uses tanh"),
        ("forget gate with tanh", dict(f_act=np.tanh), "forget gate uses tanh"),
        ("cell state not carried", dict(no_carry=True), "cell state is not carried"),
        ("returns (c_next, a_next)", dict(order=("c", "a")), "order is (a_next, c_next)"),
        ("forget bias missing", dict(no_bias="f"), "the forget gate's bias bf"),
        ("forget gate computed with the update weights", dict(f_weights="u"), "the update gate's weights"),
        ("update and output gates swapped", dict(swap_uo=True), "update and output gates are swapped")]:
    mistake(F, _name, _frag)(lambda xt, a_prev, c_prev, params, _kw=_kw: _lstm(xt, a_prev, c_prev, params, **_kw))


# ===================================================================== 07 lstm_states
F = "lstm_states"


def _lstm_seq(x, a0, c0, p, carry_a=True, carry_c=True, zeros=False, shift=False, reverse=False, cell=_lstm,
              ret="ac"):
    T = x.shape[0]
    a, c = np.zeros((T,) + a0.shape), np.zeros((T,) + c0.shape)
    a_prev, c_prev = (0 * a0, 0 * c0) if zeros else (a0, c0)
    for t in (reversed(range(T)) if reverse else range(T)):
        if shift:
            a[t], c[t] = a_prev, c_prev
        a_next, c_next = cell(x[t], a_prev if carry_a else a0, c_prev if carry_c else c0, p)
        a_prev, c_prev = a_next, c_next
        if not shift:
            a[t], c[t] = a_prev, c_prev
    return {"ac": (a, c), "aa": (a, a), "ca": (c, a), "last": (a_prev, c_prev)}[ret]


for _name, _kw, _frag in [
        ("cell state not carried", dict(carry_c=False), "cell state is not carried"),
        ("hidden state not carried", dict(carry_a=False), "hidden state is not carried"),
        ("initial states ignored", dict(zeros=True), "initial states a0 and c0 are ignored"),
        ("states stored before the step", dict(shift=True), "off by one in time"),
        ("time reversed", dict(reverse=True), "time runs backwards"),
        ("hidden states returned as cells", dict(ret="aa"), "must hold the cell states"),
        ("returns (c, a)", dict(ret="ca"), "order is (a, c)"),
        ("only the last states returned", dict(ret="last"), "every time step"),
        ("a wrong cell (no tanh on the output)",
         dict(cell=lambda xt, a, c, p: _lstm(xt, a, c, p, out_tanh=False)), "lstm_step")]:
    mistake(F, _name, _frag)(lambda x, a0, c0, params, _kw=_kw: _lstm_seq(x, a0, c0, params, **_kw))


# =============================================================== 07 lstm_cell_backward
F = "lstm_cell_backward"


def _lstm_back(da_next, dc_next, cache, tanh_d=True, dc_n=True, order="fuoc", cand_from_cell=False,
               forget_past=True, o_from_c=False, f_no_cprev=False, dW_from_a_next=False, db_not_summed=False):
    f, u, o, ct = cache.gamma_f, cache.gamma_u, cache.gamma_o, cache.c_tilde
    dc = (dc_next if dc_n else 0) + da_next * o * ((1 - cache.tanh_c ** 2) if tanh_d else 1)
    dz = {"u": dc * ct * u * (1 - u),
          "f": dc * (1 if f_no_cprev else cache.c_prev) * f * (1 - f),
          "o": da_next * (cache.c_next if o_from_c else cache.tanh_c) * o * (1 - o),
          "c": dc * u * (1 - (cache.tanh_c if cand_from_cell else ct) ** 2)}
    H = f.shape[1]
    rows = {g: slice(k * H, (k + 1) * H) for k, g in enumerate(order)}
    grads = {"dxt": sum(dz[g] @ cache.Wx[rows[g]] for g in "fuoc"),
             "da_prev": sum(dz[g] @ cache.Wa[rows[g]] for g in "fuoc"),
             "dc_prev": dc * f if forget_past else dc}
    for g in "fuoc":
        grads[f"dW{g}x"] = dz[g].T @ cache.xt
        grads[f"dW{g}a"] = dz[g].T @ (cache.a_next if dW_from_a_next else cache.a_prev)
        grads[f"db{g}"] = dz[g] if db_not_summed else dz[g].sum(axis=0)
    return grads


for _name, _kw, _frag in [
        ("no tanh' on the path from a_next", dict(tanh_d=False), "goes through tanh"),
        ("dc_next ignored", dict(dc_n=False), "dc_next"),
        ("stacked blocks read as u, f, o, c", dict(order="ufoc"), "wrong order"),
        ("stacked blocks read in PyTorch's order i, f, g, o", dict(order="ufco"), "PyTorch's order"),
        ("candidate derivative from the cell", dict(cand_from_cell=True), "1 - c̃**2"),
        ("dc_prev without the forget gate", dict(forget_past=False), "only through the forget gate"),
        ("output gate derivative with c_next instead of tanh(c_next)", dict(o_from_c=True), "tanh(c_next)"),
        ("forget gate derivative without c_prev", dict(f_no_cprev=True), "c_prev"),
        ("recurrent weight gradients from a_next", dict(dW_from_a_next=True), "a_prev"),
        ("bias gradients not summed", dict(db_not_summed=True), "summed over the batch")]:
    mistake(F, _name, _frag)(lambda da_next, dc_next, cache, _kw=_kw: _lstm_back(da_next, dc_next, cache, **_kw))


# ==================================================================== 07 hand_set_lstm
F = "hand_set_lstm"


def _hand(**change):
    zeros_a = np.zeros((1, 1))
    p = {"Wux": np.array([[0.0, 20.0, 0.0]]), "Wua": zeros_a, "bu": np.array([-10.0]),
         "Wfx": np.array([[0.0, 20.0, 0.0]]), "Wfa": zeros_a, "bf": np.array([10.0]),
         "Wox": np.array([[0.0, 0.0, 20.0]]), "Woa": zeros_a, "bo": np.array([-10.0]),
         "Wcx": np.array([[1.0, 0.0, 0.0]]), "Wca": zeros_a, "bc": np.array([0.0])}
    p.update(change)
    return {k: v for k, v in p.items() if v is not None}


for _name, _kw, _frag in [
        ("forget gate closed", dict(bf=np.array([-10.0])), "forget gate Γ_f is 0.000"),
        ("output gate always open", dict(bo=np.array([10.0])), "output gate Γ_o is 1.000"),
        ("update gate always open", dict(bu=np.array([10.0])), "update gate Γ_u is 1.000"),
        ("candidate saturated", dict(Wcx=np.array([[100.0, 0.0, 0.0]])), "it must be tanh(x1)"),
        ("forget bias too strong to erase", dict(bf=np.array([30.0])), "forget gate Γ_f is 1.000"),
        ("forget gate opened by erase", dict(Wfx=np.array([[0.0, -20.0, 0.0]])), "forget gate Γ_f"),
        ("output gate driven by x2", dict(Wox=np.array([[0.0, 20.0, 0.0]])), "output gate Γ_o"),
        ("candidate from x2", dict(Wcx=np.array([[0.0, 1.0, 0.0]])), "it must be tanh(x1)"),
        ("weights as flat vectors", dict(Wux=np.array([0.0, 20.0, 0.0])), "expected an array of shape (1, 3)"),
        ("a key missing", dict(bc=None), "no key 'bc'")]:
    mistake(F, _name, _frag)(lambda _kw=_kw: _hand(**_kw))
