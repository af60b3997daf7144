"""Writes book/09-ctc.ipynb from the cells below (run once; then `make notebooks CHAPTERS=book/09-ctc.ipynb`)."""
import json, hashlib, pathlib

cells = []

def md(text, cid):
    cells.append({"cell_type": "markdown", "id": cid, "metadata": {}, "source": text.strip("\n").splitlines(True)})

def code(text, cid):
    cells.append({"cell_type": "code", "execution_count": None, "id": cid, "metadata": {}, "outputs": [],
                  "source": text.strip("\n").splitlines(True)})

md(r"""
# Connectionist temporal classification

A speech recogniser reads about a hundred frames ({zh}`帧`) of audio features per second and must write a few characters per second: the output sequence is much *shorter* than the input, and nobody tells it which frames belong to which character. Lee's lecture {cite:p}`lee-ml2021-rnn` lists this as the third kind of many-to-many problem, after tagging (as long as the input) and before sequence-to-sequence models (any length), and sketches the standard answer: **connectionist temporal classification** ({zh}`连接时序分类`, CTC) {cite:p}`graves2006ctc`. This chapter builds CTC completely: why merging repeated outputs is not enough, the **blank** ({zh}`空白符`) symbol, the function that collapses an alignment, the dynamic programme that sums over all alignments, the loss and its gradient, two ways to decode, and a small bidirectional network (the previous chapter's) trained with CTC on a synthetic speech-like task shipped with the course.

**Learning goals.** After this chapter you can

- explain why merging repeated outputs cannot give a repeated label, and how the blank fixes it;
- apply $\mathcal{B}$, which turns an alignment into a labelling, and count the alignments of a labelling, by enumeration and by dynamic programming;
- compute the variables $\alpha$ and $\beta$ in log space, $p(l \mid x)$, the loss and its gradient, and check them against PyTorch's `F.ctc_loss` and brute force;
- decode with the best path and with a beam search, and say when they disagree;
- state what CTC assumes about its outputs, and what that means next to structured models.
""", "c9intro0")

code(r"""
import itertools

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from rnncourse import ctc, speechlike
from rnncourse.ctc_figures import lattice, posteriors
from rnncourse.plotting import finish, use_course_style
from rnncourse.progress import progress

rng = np.random.default_rng(0)   # the only seed of this notebook; passed on explicitly
torch.manual_seed(0)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
np.set_printoptions(precision=4, suppress=True)
use_course_style()   # rnncourse.plotting: palette, line styles, sizes, sharp PNGs
""", "c9setup0")

md(r"""
## Output shorter than input: trimming

The lecture's example: the recogniser hears 好棒 ("great"), spoken over seven frames, and a frame classifier (the slot-filling tagger of {doc}`chapter 1 <01-sequence-data>`) labels every frame: 好 好 好 棒 棒 棒 棒. **Trimming** ({zh}`修剪`) merges the repeated outputs into one and gives 好棒. But now the recogniser can never say 好棒棒 ("great-great", a common emphatic form): its second 棒 is merged into the first, whatever the frames say. A frame classifier plus trimming cannot output two equal labels in a row, and real text is full of them ("hello", "balloon", 谢谢).
""", "c9trim0")

code(r"""
names = {0: "-", 1: "好", 2: "棒"}          # symbol ids: 0 is kept for the blank
def show(ids):
    return "".join(names[k] for k in ids)

frames = [1, 1, 1, 2, 2, 2, 2]
trimmed = [k for k, _ in itertools.groupby(frames)]   # merge repeats: all trimming does
print("frame labels:", show(frames), "-> trimmed:", show(trimmed))
print("which frame labels trim to 好棒棒?",
      [show(p) for p in itertools.product([1, 2], repeat=7)
       if [k for k, _ in itertools.groupby(p)] == [1, 2, 2]])
""", "c9trim1")

md(r"""
## The blank and the collapse function

CTC adds one extra output symbol, the blank, written "-" here (the lecture calls it NULL). The network emits one symbol per frame, a path ({zh}`路径`) $\pi$ of length $T$ over the labels and the blank, and the **collapse function** ({zh}`折叠函数`) $\mathcal{B}$ turns a path into a labelling in two steps, in this order: merge runs of the same symbol, then delete the blanks. A blank *between* two equal labels keeps them apart: $\mathcal{B}$(好 好 - 棒 - 棒 棒) = 好棒棒, while $\mathcal{B}$(好 好 棒 棒 - - 棒) = 好棒棒 too, and $\mathcal{B}$(好 好 棒 棒 棒 棒 -) = 好棒. Deleting the blanks first would undo exactly what they are for. The package's `ctc.collapse` is the reference (and the first function of the exercise).
""", "c9blank0")

code(r"""
for path in ([1, 1, 0, 2, 0, 2, 2], [1, 1, 2, 2, 0, 0, 2], [1, 1, 2, 2, 2, 2, 0]):
    print(f"B({' '.join(names[k] for k in path)}) = {show(ctc.collapse(path))}")
""", "c9blank1")

md(r"""
## Many alignments per labelling

Each path that collapses to $l$ is one alignment ({zh}`对齐`) of $l$ with the frames, and a labelling has many. The network is trained on the labelling only, so CTC gives it credit for all of them: with $y^{\langle t\rangle}_k$ the network's softmax output for symbol $k$ at frame $t$, and the outputs at different frames treated as independent given the input $x$,

$$p(l \mid x) = \sum_{\pi \,:\, \mathcal{B}(\pi) = l} \;\prod_{t=1}^{T} y^{\langle t\rangle}_{\pi_t}.$$

The number of paths grows exponentially in $T$: enumerating them works for a toy, and the next section replaces the enumeration by a dynamic programme. Below, both counts agree (the programme is `ctc.count_alignments`, the forward recursion of the next section with every probability set to 1).
""", "c9count0")

code(r"""
print(" T   paths   to 好棒棒: by enumeration   by dynamic programming")
for T in range(4, 10):
    enumerated = sum(ctc.collapse(p) == [1, 2, 2]
                     for p in itertools.product(range(3), repeat=T))
    by_dp = ctc.count_alignments([1, 2, 2], T)
    print(f"{T:2d} {3 ** T:7d}   {enumerated:22d}   {by_dp:22d}")
""", "c9count1")

md(r"""
## The alignment lattice

Write the labelling with a blank before, between and after its labels: the **extended labelling** ({zh}`扩展标签序列`) $l'$, of length $S = 2U + 1$ for $U$ labels; for 好棒棒 it is "- 好 - 棒 - 棒 -". Every valid path walks through $l'$ from left to right, one position per frame. From position $s$ at frame $t-1$ it may

- *stay* on $s$ (a label or a blank lasting another frame),
- *advance* to $s + 1$,
- *skip* the blank to $s + 2$, but only when $l'_{s+2}$ is a label *different* from $l'_s$: skipping the blank between 棒 and 棒 would merge them.

It starts in the first blank or on the first label, and ends in the last blank or on the last label. The grid of (frame, position) pairs with these moves is the **alignment lattice** ({zh}`对齐网格`). The figure draws it for 好棒棒 over seven frames (a = 好, b = 棒); the nodes that lie on at least one complete path are filled, and one valid path is drawn thick.
""", "c9lat0")

code(r"""
fig = lattice([1, 2, 2], 7, {0: "-", 1: "a", 2: "b"}, path=[1, 0, 2, 0, 2, 2, 0])
finish(fig)
plt.show()
""", "c9lat1")

md(r"""
## Forward and backward variables, in log space

The **forward variable** ({zh}`前向变量`) $\alpha_t(s)$ is the total probability of all path prefixes of $t$ frames that end on position $s$ of $l'$ and can still be completed. The moves above give its recursion (positions counted from 1):

$$\alpha_1(1) = y^{\langle 1\rangle}_{-}, \qquad \alpha_1(2) = y^{\langle 1\rangle}_{l_1}, \qquad \alpha_1(s) = 0 \ \ (s > 2),$$
$$\alpha_t(s) = \big(\alpha_{t-1}(s) + \alpha_{t-1}(s-1) + [\text{skip allowed}]\,\alpha_{t-1}(s-2)\big)\, y^{\langle t\rangle}_{l'_s},$$

and $p(l \mid x) = \alpha_T(S) + \alpha_T(S-1)$. The cost is $O(T\,S)$ instead of exponential. The **backward variable** ({zh}`后向变量`) $\beta_t(s)$ is the same from the other end: the probability of the path suffixes from frame $t$ on position $s$ to a valid end. Every complete path crosses frame $t$ exactly once, so $\sum_s \alpha_t(s)\beta_t(s) / y^{\langle t\rangle}_{l'_s} = p(l \mid x)$ at *every* $t$ (the emission at $t$ is in both factors, hence the division).

These are products of hundreds of probabilities: after a few hundred frames they are below the smallest float64 number, $10^{-308}$, and become 0. The course therefore computes $\log\alpha$, with sums of probabilities turned into $\log(e^a + e^b)$ by `np.logaddexp` (the chapter 6 trick for the softmax). `ctc.ctc_alpha` and `ctc.ctc_beta` are the textbook form, one sequence at a time, the exercise's second function. The batched `ctc.ctc_loss` runs all examples through one recursion and uses the other classic remedy, **rescaling** ({zh}`重标度`): probabilities divided by their sum every few frames, the factors' logarithms added up {cite:p}`graves2006ctc`; it falls back to log space for an example whose numbers still come near underflow. The two routes are tested equal.
""", "c9fwd0")

code(r"""
T, C = 600, 4
z = rng.normal(0, 2, size=(T, C))
log_y = z - np.log(np.exp(z).sum(axis=1, keepdims=True))       # log softmax per frame
labels = [1, 2, 2, 3]
log_alpha = ctc.ctc_alpha(log_y, labels)
log_beta = ctc.ctc_beta(log_y, labels)
log_p = ctc.ctc_log_likelihood(log_y, labels)
print("log p(l|x) =", round(log_p, 4), "  so p(l|x) =", np.exp(log_p), "in float64")
ext = ctc.extend_labels(labels)
per_frame = np.logaddexp.reduce(log_alpha + log_beta - log_y[:, ext], axis=1)
print("log sum_s alpha beta / y at t = 1, 300, 600:", per_frame[[0, 299, 599]].round(4))
""", "c9fwd1")

md(r"""
## The loss and its gradient

CTC training minimises the **CTC loss** ({zh}`CTC 损失`) $-\log p(l \mid x)$ over the training pairs. Its gradient with respect to the logits $z^{\langle t\rangle}$ before the softmax has the familiar form "prediction minus target", where the target is the posterior probability $\gamma_t(k)$ that frame $t$ emits symbol $k$, summed over the positions of $l'$ holding $k$:

$$\frac{\partial(-\log p(l\mid x))}{\partial z^{\langle t\rangle}_k} = y^{\langle t\rangle}_k - \gamma_t(k), \qquad \gamma_t(k) = \frac{1}{p(l\mid x)}\sum_{s:\, l'_s = k} \frac{\alpha_t(s)\,\beta_t(s)}{y^{\langle t\rangle}_k}.$$

The cell compares `ctc.ctc_loss` (numpy, loss and gradient from $\alpha$ and $\beta$) with PyTorch's `F.ctc_loss` and autograd on a random padded batch in float64 (variable input and target lengths, blank index 2, PyTorch's `"mean"` reduction, which divides each loss by its target length before averaging), and the likelihood with brute-force enumeration of all $C^T$ paths of a short example.
""", "c9loss0")

code(r"""
T, N, C, blank = 9, 4, 5, 2
z = rng.normal(size=(T, N, C))
targets = np.array([[1, 1, 3], [3, 4, 0], [4, 0, 0], [1, 3, 1]])
in_len, tgt_len = np.array([9, 7, 5, 8]), np.array([3, 2, 1, 3])
loss, dz = ctc.ctc_loss(z, targets, in_len, tgt_len, blank=blank)

zt = torch.tensor(z, requires_grad=True)
loss_t = F.ctc_loss(zt.log_softmax(2), torch.tensor(targets), torch.tensor(in_len),
                    torch.tensor(tgt_len), blank=blank)
loss_t.backward()
print("loss: numpy", round(loss, 8), " PyTorch", round(loss_t.item(), 8))
gap = np.abs(dz - zt.grad.numpy()).max()
print("largest gradient difference below 1e-12:", gap < 1e-12)

y5 = np.log(np.full((5, 3), 1 / 3)) + rng.normal(0, 0.5, size=(5, 3))
y5 -= np.logaddexp.reduce(y5, axis=1, keepdims=True)   # normalised log-probabilities
print("log p over 3^5 = 243 paths:", round(ctc.ctc_brute_force(y5, [1, 1]), 8),
      " forward recursion:", round(ctc.ctc_log_likelihood(y5, [1, 1]), 8))
""", "c9loss1")

md(r"""
*Impossible targets.* A labelling needs at least $U$ frames plus one blank between each pair of equal neighbours (`ctc.min_input_length`): 好棒棒 needs four. With fewer frames no path exists, $p(l\mid x) = 0$ and the loss is infinite; PyTorch's `zero_infinity=True` replaces such a loss (and its gradient) by 0, which keeps one bad example from ruining a batch.
""", "c9imp0")

code(r"""
z3 = rng.normal(size=(3, 1, 3))
for zi in (False, True):
    loss, dz = ctc.ctc_loss(z3, [[1, 2, 2]], [3], [3], reduction="none",
                            zero_infinity=zi)
    finite = np.isfinite(dz).all()
    print(f"zero_infinity={zi}: loss {loss[0]}, gradient finite: {finite}")
print("frames needed for 好棒棒:", ctc.min_input_length([1, 2, 2]))
""", "c9imp1")

md(r"""
## Decoding: best path and prefix beam search

At test time we want the most probable *labelling*, $\arg\max_l p(l\mid x)$, and that sum over alignments has no exact shortcut. **Best-path decoding** ({zh}`最佳路径解码`, greedy decoding) takes the most probable symbol at every frame and collapses the result: fast, but it finds the most probable *path*, and a labelling whose probability is spread over many paths can beat it. Two frames, each with $y_- = 0.6$ and $y_a = 0.4$: the best path "- -" gives the empty labelling with probability $0.36$, but "a" collects the paths "a -", "- a" and "a a", $0.24 + 0.24 + 0.16 = 0.64$.

**Prefix beam search** ({zh}`前缀束搜索`) keeps the `beam_width` most probable labelling prefixes after each frame, each with two probabilities (its paths ending in a blank, and ending in its last label, because a repeated label extends a prefix only after a blank), and so adds up the paths of a labelling as it goes.
""", "c9dec0")

code(r"""
y2 = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
print("best path:", ctc.greedy_decode(y2[:, None, :]))
for prefix, lp in ctc.prefix_beam_search(y2, beam_width=4):
    print(f"beam: labelling {list(prefix)} with p = {np.exp(lp):.2f}")
""", "c9dec1")

md(r"""
## A trained model on a speech-like task

`rnncourse.speechlike` renders label strings as noisy "audio": each of $K = 5$ labels has a prototype feature vector (its sound, 8 features), each label lasts 2 to 5 frames, every frame is the prototype plus Gaussian noise (standard deviation 0.3), the first frame of every label is quieter (an onset dip, so that two equal labels in a row are two segments), and short silences may fall between labels. A quarter of the labels repeat their predecessor. The network is a bidirectional GRU with 32 units per direction and a linear output over the $C = 6$ symbols (blank 0), trained with `F.ctc_loss` and Adam for 400 steps of 32 fresh examples in float64 (about 20 seconds on one core).
""", "c9train0")

code(r"""
task = speechlike.make_task(rng, n_labels=5, n_features=8, noise=0.3)
test = speechlike.make_batch(rng, task, 200)
model = speechlike.make_model(8, 32, 6, cell="gru", seed=0)
losses = speechlike.train_ctc(model, task, rng, steps=400, batch_size=32, lr=1e-2,
                              progress=lambda r: progress(r, desc="CTC training"))
print("mean training loss, first and last 50 steps:",
      round(float(np.mean(losses[:50])), 3), round(float(np.mean(losses[-50:])), 3))
with torch.no_grad():
    logits = model(torch.tensor(test["x"])).numpy()
""", "c9train1")

md(r"""
The numpy loss equals PyTorch's on the trained model's outputs too (the gradient is the one autograd sends into the network):
""", "c9train2")

code(r"""
args = (test["targets"], test["input_lengths"], test["target_lengths"])
ours, dz = ctc.ctc_loss(logits, *args)
zt = torch.tensor(logits, requires_grad=True)
theirs = F.ctc_loss(zt.log_softmax(2), *(torch.tensor(a) for a in args))
theirs.backward()
print("test loss: numpy", round(ours, 6), " PyTorch", round(theirs.item(), 6),
      " gradients equal:", np.allclose(dz, zt.grad.numpy(), rtol=1e-8, atol=1e-12))
""", "c9train3")

md(r"""
The figure shows the model's output probabilities on one test example. After this short training each label still wins several frames of its segment, and the blank wins at the boundaries; between two equal labels it *must* win at least one frame, or best-path decoding would merge them. Graves et al. observed that fully trained CTC networks become **spiky** ({zh}`尖峰`): each label is emitted on about one frame, and the blank fills the rest {cite:p}`graves2006ctc`; on this task, whose sounds last only 2 to 5 frames, `scripts/ctc_speechlike.py` measured that after 3000 steps the blank is the most probable symbol on 48% of the real frames: far from spiky.
""", "c9spike0")

code(r"""
i = int(np.argmax([len(l) for l in test["labels"]][:20]))   # long, among the first 20
Ti = test["input_lengths"][i]
z_i = logits[:Ti, i]
y_i = np.exp(z_i - np.logaddexp.reduce(z_i, axis=1, keepdims=True))   # softmax
letters = {0: "blank", 1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}
fig = posteriors(y_i, letters, test["frame_labels"][i],
                 title="labels " + " ".join(letters[k] for k in test["labels"][i]))
finish(fig)
plt.show()
""", "c9spike1")

md(r"""
The **label error rate** ({zh}`标签错误率`) is the edit distance (insertions, deletions, substitutions) between the decoded and the true labellings, divided by the number of true labels. Four decoders on the 200 test examples: trimming the *true* frame labels (a perfect frame classifier with trimming, silences dropped), trimming the model's most probable non-blank symbol per frame, best path, and prefix beam search with 8 prefixes.
""", "c9ler0")

code(r"""
refs = test["labels"]
oracle = [[k for k, _ in itertools.groupby(fl) if k] for fl in test["frame_labels"]]
no_blank = logits[:, :, 1:].argmax(axis=2) + 1   # best label, blank excluded
trim = [[k for k, _ in itertools.groupby(no_blank[:n, j])]
        for j, n in enumerate(test["input_lengths"])]
greedy = ctc.greedy_decode(logits, test["input_lengths"])
log_probs = logits - np.logaddexp.reduce(logits, axis=2, keepdims=True)
beam = [list(ctc.prefix_beam_search(log_probs[:n, j], beam_width=8)[0][0])
        for j, n in enumerate(test["input_lengths"])]
repeats = sum(a == b for r in refs for a, b in zip(r, r[1:]))
print(f"{repeats} of {sum(map(len, refs))} test labels repeat the label before")
for name, hyp in [("trimming true frame labels", oracle), ("trimming the model", trim),
                  ("best path (greedy)", greedy), ("prefix beam search", beam)]:
    print(f"{name:>27}: label error rate {ctc.label_error_rate(hyp, refs):.3f}")
""", "c9ler1")

md(r"""
Trimming loses every repeated label that is not separated by a silence, even from perfect frame labels, and trimming the CTC model's outputs is far worse: its most probable non-blank symbol on a frame where the blank wins is mostly noise. Best path and beam search read the blank and keep the repeats. Beam search, which adds up the paths of each labelling, removes a few more errors than the best path; it matters most when the outputs are uncertain, and when a language model is added to the search (not covered here). `scripts/ctc_speechlike.py` trains longer (3000 steps by default, the learning rate falling from $10^{-2}$ to $10^{-3}$, a bidirectional GRU or LSTM) and prints the same table on 500 test examples; for the GRU (one seed) it gave 0.239 for trimming the true frame labels, 0.460 for trimming the model, 0.085 for the best path and 0.081 for beam search: on this task the 400 steps above already get most of the way.

## What CTC assumes

The product $\prod_t y^{\langle t\rangle}_{\pi_t}$ says that, given the whole input $x$, the symbols emitted at different frames are **conditionally independent** ({zh}`条件独立`): the network's output at frame $t$ depends on the input (through the bidirectional states, on all of it) but not on what was emitted at other frames. In the graphical-model view of {doc}`chapter 4 <04-recurrent-network>`, a language model has an edge from every earlier output to every later one; CTC has no edges between the outputs at all, only from the input to each output. This is what makes the exact sum over alignments cheap, and it is also CTC's main limitation: the model cannot learn, in its output layer, that one label tends to follow another, so a separate language model is often combined with it at decoding time.

Lee's lecture {cite:p}`lee-ml2021-rnn` compares RNNs with **structured learning** ({zh}`结构化学习`) (HMMs, CRFs, structured SVMs). Its points, read for CTC: a structured model considers the whole sequence (so does a bidirectional RNN under CTC); it can state explicit dependencies between labels (CTC cannot, by the independence above); its cost is an upper bound on the task's error, while CTC minimises $-\log p(l\mid x)$, which is not the label error rate; and RNNs can be made deep, which in practice decides. The lecture's combination, a deep network feeding a structured model that is trained together with it, is chapter 11's subject.

The lecture also says that Google's speech recognition "now" uses CTC. That refers to 2015, when Google described CTC-trained LSTM acoustic models for its voice search {cite:p}`sak2015fast`. This chapter can support only that CTC was used there at that time and that it remains a standard loss (PyTorch ships it as `F.ctc_loss`); what any company uses today it cannot say, and the field has since added other end-to-end models.

## Exercise

Download the graded exercise notebook {exercise}`09-ctc` and the course package {wheel}`rnncourse`; {doc}`setup` says how to open the exercise on your computer, in Colab or on a JupyterHub. It asks you to implement:

1. `collapse(path, blank=0)`, the function $\mathcal{B}$: merge repeats, then drop blanks;
2. `ctc_alpha(log_y, labels, blank=0)`, the forward variables in log space;
3. `ctc_nll(log_y, labels, blank=0)`, the loss $-\log p(l\mid x)$ of one sequence;
4. `greedy_decode(logits, input_lengths=None, blank=0)`, best-path decoding of a padded batch.

The hidden tests include one frame, the empty labelling, repeated labels, an impossible labelling, 500 frames (where products of probabilities underflow) and a blank that is not symbol 0.
""", "c9assume0")

nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
      "language_info": {"name": "python"}}, "nbformat": 4, "nbformat_minor": 5}
pathlib.Path("book/09-ctc.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
