#!/usr/bin/python3
"""The peer of the `bench` command: the same formulas at the same shapes in PyTorch-in-Python.

Optional: nothing in the build or the tests needs it. It runs with Debian's /usr/bin/python3 and
python3-torch (1.13; `apt-get install python3-torch`) and writes peer.json next to bench.json, in
the bench's schema, so that

    java -jar examples/target/djl-gan-examples.jar bench --compare out/bench/peer.json

adds a peer column and the ratio ours / peer to bench.md and bench.json.

Protocol, as the Java bench: float32; per case, --warmup untimed runs (the first one reported as
"first_ms"), then --iterations timed runs, median and minimum; a run is a forward pass and the
backward pass of sum(output) with gradients of the input and every trainable parameter (which
accumulate from run to run, as on DJL's PyTorch engine), or one whole GAN step. mbd_large runs at
most 1 + 3 times. Threads: --threads (torch.set_num_threads), by default the thread count recorded
in --like's bench.json for the PyTorch engine, else one per core (libtorch's default, which the
Java bench also uses unless --threads is given). Memory: the RSS high-water mark is reset through
/proc/self/clear_refs before each case; "peak extra" is the high-water mark minus the RSS before.

The formulas (the blocks' javadoc):
  nin          y = conv2d(x, W[:, :, None, None], b)                      192 → 192 units
  linear       y = x Wᵀ + b                                               784 → 1000
  wn_linear    y = (x vᵀ) · g/‖v‖ + b    (the output is smaller than v: WeightNorm scales the output)
  sn_linear    SpectralNorm's training forward, W (1000, 784) viewed as a matrix (rows, rest), u
               (rows) and v (rest) kept between runs: one power iteration without gradient,
                 v ← normalize(Wᵀu),  u ← normalize(W v),  normalize(a) = a / max(‖a‖, 1e-12),
               written back into u and v; then y = x (W/σ)ᵀ + b with σ = uᵀ W v (ε = 1e-12 where
               |σ| < ε), the gradient flowing through σ into W. As the block does when the output is
               smaller than W: z = [x; vᵀ] Wᵀ (v appended to the batch as a last row), σ = u · z[n],
               y = z[:n]/σ + b, so the weight's gradient is one product
  conv         conv2d 3×3, 96 → 96, padding 1, bias
  wn_conv      conv2d with w = g · v/‖v‖ (‖v‖ per output channel, sqrt(Σv² + 1e-12))
  sn_conv      conv2d with w = W/σ, σ = uᵀ W v after one power iteration as sn_linear, W viewed as
               (96, 96·3·3) (the output is larger than W: the weight is scaled)
  eqlr_conv    conv2d with w = W · √2/√fanIn, fanIn = 96·3·3, W stored ~ N(0, 1), bias as is
               (EqualizedLearningRate, gain √2, lrMul 1)
  deconv       conv_transpose2d 5×5, 256 → 128, stride 2, padding 2, output padding 1, bias
  deconv_conv  conv2d 5×5, 256 → 128, padding 2, bias: the deconv's multiply-accumulates
  conv_1filter conv2d 3×3, 64 → 1, padding 1, bias
  fp_conv_1filter the same with 15 zero filters appended to W and b (FilterPadding's computation
               on PyTorch/CPU), output channel 0 kept
  mbd_small    improved-gan's one-expression minibatch discrimination, K = 100, D = 5
  mbd_large    minibatch discrimination, K = 100, D = 50, N = 512, computed like the block (the
               one-expression formula would need an (N, N, K, D) tensor of 5 GB several times
               over): symmetric tiles of T rows (T from the block's default budget rule, 20), the
               values of exp(−c) outside the graph, the gradient through E ⊙ (h − h.detach()),
               h = Σ_d (a + b − 2·max(a, b)). A custom torch.autograd.Function, which DJL cannot
               express, could do better; this peer measures the same algorithm, not the best one.
  lbn          Lasagne batch norm over axes (0, 2, 3): (x − μ)·γ·invStd + β, running averages of μ
               and invStd updated (ε = 1e-4, α = 0.1)
  mbstd        minibatch standard deviation, group 4, one statistic channel, ε = 1e-8
  gan_step     improved-gan's semi-supervised MNIST step (ImprovedGanMnist, SemiSupervisedObjective):
               generator sample without gradient, a discriminator Adam update on a labelled, an
               unlabelled and a generated batch of 100 in one pass, then a generator Adam update by
               feature matching (lr 0.003, β₁ = 0.5); no data-dependent init (time does not depend
               on the values)
  gan_step_manual  the same step (the Java case differs only by its training loop)
  metz_step    one mode-coverage step of the metz protocol (variant gan) as GanTrainer's
               simultaneous schedule computes it: z ~ N(0, I)^256, batch 512, a fixed real batch;
               G 256 → 2×[Linear 128, tanh] → Linear 2; D 2 → 2×[Linear 128, tanh] → Linear 1
               (orthogonal weights, gain 1.4); fake = G(z) with G's parameters live;
                 loss_D = mean softplus(−D(real)) + mean softplus(D(fake.detach()))
                 loss_G = mean softplus(−D'(fake)),  D' = D on detached parameters
               one backward pass of loss_D + loss_G, then an Adam step of each network
               (β₁ = 0.5, β₂ = 0.999, ε = 1e-8; lr 1e-4 for D, 1e-3 for G). D runs three times:
               on the real batch and on the generated one for its own update, and on the generated
               one again for the generator's loss
  pacgan_step  the same step for the pacgan protocol (variant gan): z ~ N(0, I)^2, batch 100;
               G 2 → 4×[Linear 400 without bias, Lasagne batch norm over axis 0 (α = 0.05, ε = 1e-4),
               ReLU] → Linear 2; D 2 → 3×Maxout(200 units, 5 pieces: Linear 1000, max over each
               unit's 5 pieces) → Linear 1; weights N(0, 0.02²); Adam lr 1e-4, β₁ = 0.8
"""

import argparse
import json
import math
import os
import platform
import statistics
import time

import torch
import torch.nn.functional as F

CLEAR_REFS = "/proc/self/clear_refs"


# ---------------------------------------------------------------- process memory (Linux /proc)
def _status(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return -1


def rss():
    return _status("VmRSS:")


def peak():
    return _status("VmHWM:")


def reset_peak():
    try:
        with open(CLEAR_REFS, "w") as f:
            f.write("5")
    except OSError:
        pass


# ---------------------------------------------------------------- helpers
def param(*shape, scale=None):
    fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else 1.0 / math.sqrt(fan_in)
    return (torch.randn(*shape) * s).requires_grad_(True)


def weight_norm_scale(v, g):
    """g / ‖v‖ per output channel (axis 0), ‖v‖ = sqrt(Σv² + 1e-12), as WeightNorm."""
    axes = tuple(range(1, v.dim()))
    return g / torch.sqrt((v * v).sum(axes) + 1e-12)


def wn_linear(x, v, g, b):
    """WeightNorm(Linear): scales the output when it is smaller than the weight, else the weight."""
    s = weight_norm_scale(v, g)
    if x.shape[0] * v.shape[0] < v.numel():
        return F.linear(x, v) * s + b
    return F.linear(x, v * s[:, None], b)


class BlockStep:
    """Forward + backward of sum(f(x)); gradients of x and of every parameter."""

    def __init__(self, shape, fn, params):
        self.x = torch.randn(*shape).requires_grad_(True)
        self.fn = fn
        self.params = params

    def run(self):
        self.x.grad = None
        y = self.fn(self.x)
        y.sum().backward()


# ---------------------------------------------------------------- minibatch discrimination
def kernel_weights(theta, s):
    return (s.exp() / theta.square().sum(0).sqrt()) * theta


def mbd_naive(x, theta, s, b):
    n, f = x.shape
    k, d = s.shape
    m = (x @ kernel_weights(theta, s).reshape(f, k * d)).reshape(n, k, d)
    c = (m[:, None] - m[None]).abs().sum(3)
    others = (1 - torch.eye(n)).reshape(n, n, 1)
    o = (torch.exp(-c) * others).sum(1) + b
    return torch.cat([x, o], 1)


def closeness_tiled(m, t):
    """o[i, k] = Σ_{j≠i} exp(−c[i, j, k]) as MinibatchDiscrimination computes it when the
    differences do not fit its budget (see its javadoc)."""
    n, k, _ = m.shape
    blocks = (n + t - 1) // t
    rows = [min(t, n - i * t) for i in range(blocks)]
    index = {}
    for i in range(blocks):
        for j in range(i, blocks):
            index[i, j] = len(index)
    e = torch.empty(len(index), t, t, k)
    full = (1 - torch.eye(t)).unsqueeze(2)
    with torch.no_grad():
        md = m.split(t)
        for i in range(blocks):
            for j in range(i, blocks):
                c = (md[i].unsqueeze(1) - md[j].unsqueeze(0)).abs().sum(3)
                tile = torch.exp(-c)
                if i == j:
                    tile = tile * full[: rows[i], : rows[i]]
                e[index[i, j], : rows[i], : rows[j]] = tile

    def tile_of(i, j):
        return e[index[i, j], : rows[i], : rows[j]]

    values = torch.cat(
        [
            torch.cat(
                [tile_of(j, i).transpose(0, 1) if j < i else tile_of(i, j) for j in range(blocks)],
                1,
            ).sum(1)
            for i in range(blocks)
        ],
        0,
    )
    pieces = m.split(t)
    sums = m.sum(2).split(t)
    terms = [None] * blocks
    for i in range(blocks):
        for j in range(i, blocks):
            mx = torch.maximum(pieces[i].unsqueeze(1), pieces[j].unsqueeze(0)).sum(3)
            h = sums[i].unsqueeze(1) + sums[j].unsqueeze(0) - mx - mx
            r = tile_of(i, j) * (h - h.detach())
            terms[i] = r.sum(1) if terms[i] is None else terms[i] + r.sum(1)
            if j != i:
                terms[j] = r.sum(0) if terms[j] is None else terms[j] + r.sum(0)
    return values + torch.cat(terms, 0)


def mbd_tiled(x, theta, s, b, t):
    n, f = x.shape
    k, d = s.shape
    m = (x @ kernel_weights(theta, s).reshape(f, k * d)).reshape(n, k, d)
    return torch.cat([x, closeness_tiled(m, t) + b], 1)


def mbd_tile_rows(k, d, budget=64 << 20):
    """The block's default tile: the largest T whose (T, T, K, D) float32 temporary takes at most
    an eighth of the budget."""
    return int(math.sqrt(budget / 8 / (k * d * 4)))


def mbd_params(f, k, d):
    theta = param(f, k, d, scale=0.05)
    s = (torch.randn(k, d) * 0.2 - 1).requires_grad_(True)
    b = torch.full((k,), -1.0).requires_grad_(True)
    return theta, s, b


# ---------------------------------------------------------------- Lasagne batch norm, mbstd
class LasagneBatchNorm:
    def __init__(self, channels, shape_rank, axes, center=True, scale=True, eps=1e-4, alpha=0.1):
        pshape = [1] * shape_rank
        pshape[1] = channels
        self.axes = axes
        self.eps = eps
        self.alpha = alpha
        self.beta = torch.zeros(pshape).requires_grad_(True) if center else None
        self.gamma = torch.ones(pshape).requires_grad_(True) if scale else None
        self.mean = torch.zeros(pshape)
        self.inv_std = torch.ones(pshape)

    def params(self):
        return [p for p in (self.beta, self.gamma) if p is not None]

    def __call__(self, x, training=True):
        mu = x.mean(self.axes, keepdim=True)
        var = ((x - mu) ** 2).mean(self.axes, keepdim=True)
        inv = 1 / torch.sqrt(var + self.eps)
        y = x - mu
        y = y * (self.gamma * inv if self.gamma is not None else inv)
        if self.beta is not None:
            y = y + self.beta
        if training:
            with torch.no_grad():
                self.mean.mul_(1 - self.alpha).add_(self.alpha * mu)
                self.inv_std.mul_(1 - self.alpha).add_(self.alpha * inv)
        return y


def mbstd(x, group=4, channels=1, eps=1e-8):
    n = x.shape[0]
    g = min(group, n)
    m = n // g
    trailing = x.shape[2:]
    y = x.reshape(g, m, channels, -1)
    y = y - y.mean(0, keepdim=True)
    sigma = (y * y).mean(0).add(eps).sqrt()
    s = sigma.mean(2)
    s = s.reshape(1, m, channels, *([1] * len(trailing)))
    s = s.expand(g, m, channels, *trailing).reshape(n, channels, *trailing)
    return torch.cat([x, s], 1)


# ---------------------------------------------------------------- spectral norm, equalized lr
def normalize(a, eps=1e-12):
    return a / a.norm().clamp_min(eps)


class SpectralNormState:
    """SpectralNorm's u (rows) and v (rest) for a weight viewed as a matrix (rows, rest)."""

    def __init__(self, w, eps=1e-12):
        self.eps = eps
        rows = w.shape[0]
        self.u = normalize(torch.randn(rows), eps)
        self.v = normalize(torch.randn(w.numel() // rows), eps)

    def iterate(self, matrix):
        """One power iteration without gradient, written back into u and v."""
        with torch.no_grad():
            self.v.copy_(normalize(self.u @ matrix, self.eps))  # (Wᵀu)ᵀ
            self.u.copy_(normalize(self.v @ matrix.t(), self.eps))  # (W v)ᵀ

    def guard(self, sigma):
        """σ, or ε where |σ| < ε."""
        return torch.where(sigma.abs() < self.eps, torch.full_like(sigma, self.eps), sigma)


def sn_linear(x, w, b, state):
    """SpectralNorm(Linear), output scaled: W v from the product, with v as a last row of x."""
    state.iterate(w)
    n = x.shape[0]
    z = F.linear(torch.cat([x, state.v[None]]), w)
    sigma = state.guard(state.u @ z[n])
    return z[:n] / sigma + b


def sn_conv(x, w, b, state):
    """SpectralNorm(Conv2d 3×3, pad 1), weight scaled."""
    matrix = w.reshape(w.shape[0], -1)
    state.iterate(matrix)
    sigma = state.guard(state.u @ (matrix @ state.v))
    return F.conv2d(x, w / sigma, b, padding=1)


# ---------------------------------------------------------------- improved-gan MNIST step
class Linear:
    def __init__(self, fin, fout, bias=True):
        self.w = param(fout, fin)
        self.b = torch.zeros(fout).requires_grad_(True) if bias else None

    def params(self):
        return [self.w] + ([self.b] if self.b is not None else [])

    def __call__(self, x):
        return F.linear(x, self.w, self.b)


class WNLinear:
    def __init__(self, fin, fout, train_scale=True):
        self.v = param(fout, fin, scale=0.05)
        self.g = torch.ones(fout).requires_grad_(train_scale)
        self.b = torch.zeros(fout).requires_grad_(True)

    def params(self):
        return [self.v, self.b] + ([self.g] if self.g.requires_grad else [])

    def __call__(self, x):
        return wn_linear(x, self.v, self.g, self.b)


def noise(x, sigma, training=True):
    return x + torch.randn_like(x) * sigma if training else x


class Generator:
    def __init__(self):
        self.l1 = Linear(100, 500, bias=False)
        self.bn1 = LasagneBatchNorm(500, 2, (0,), scale=False)
        self.l2 = Linear(500, 500, bias=False)
        self.bn2 = LasagneBatchNorm(500, 2, (0,), scale=False)
        self.out = WNLinear(500, 784)

    def params(self):
        return self.l1.params() + self.bn1.params() + self.l2.params() + self.bn2.params() + (
            self.out.params()
        )

    def __call__(self, z):
        h = F.softplus(self.bn1(self.l1(z)))
        h = F.softplus(self.bn2(self.l2(h)))
        return torch.sigmoid(self.out(h))


class Discriminator:
    def __init__(self):
        widths = [784, 1000, 500, 250, 250, 250]
        self.hidden = [WNLinear(a, b, train_scale=False) for a, b in zip(widths, widths[1:])]
        self.head = WNLinear(250, 10, train_scale=True)

    def params(self):
        return [p for layer in self.hidden for p in layer.params()] + self.head.params()

    def features(self, x):
        h = noise(x, 0.3)
        for i, layer in enumerate(self.hidden):
            h = F.relu(layer(h))
            if i < len(self.hidden) - 1:
                h = noise(h, 0.5)
        return h

    def __call__(self, x):
        return self.head(noise(self.features(x), 0.5))


def log_sum_exp(logits):
    mx = logits.max(1, keepdim=True)[0].detach()
    return (logits - mx).exp().sum(1).log() + mx.squeeze(1)


class GanStep:
    def __init__(self, batch=100):
        self.g = Generator()
        self.d = Discriminator()
        self.opt_g = torch.optim.Adam(self.g.params(), lr=0.003, betas=(0.5, 0.999), eps=1e-8)
        self.opt_d = torch.optim.Adam(self.d.params(), lr=0.003, betas=(0.5, 0.999), eps=1e-8)
        self.batch = batch
        self.x_lab = torch.rand(batch, 784)
        self.y_lab = torch.arange(batch) % 10
        self.x_unl = torch.rand(batch, 784)
        self.x_unl2 = torch.rand(batch, 784)

    def run(self):
        n = self.batch
        with torch.no_grad():
            fake = self.g(torch.rand(n, 100))
        logits = self.d(torch.cat([self.x_lab, self.x_unl, fake]))
        l_lab, l_unl, l_fake = logits.split(n)
        picked = (l_lab * F.one_hot(self.y_lab, 10).float()).sum(1)
        supervised = (log_sum_exp(l_lab) - picked).mean()
        lse_unl = log_sum_exp(l_unl)
        unsupervised = 0.5 * (
            (F.softplus(lse_unl) - lse_unl).mean() + F.softplus(log_sum_exp(l_fake)).mean()
        )
        loss_d = supervised + unsupervised
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        d_params = self.d.params()
        for p in d_params:
            p.requires_grad_(False)
        fake2 = self.g(torch.rand(n, 100))
        f_gen = self.d.features(fake2)
        f_real = self.d.features(self.x_unl2)
        loss_g = ((f_gen.mean(0) - f_real.mean(0)) ** 2).mean()
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        for p in d_params:
            p.requires_grad_(True)
        loss_d.item()
        loss_g.item()


def gan_step_flops(batch):
    """GanStep.flops of the Java bench: the dense layers' multiply-accumulates."""
    g = 100 * 500 + 500 * 500 + 500 * 784
    features = 784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 250 + 250 * 250
    d = features + 250 * 10
    return batch * (2 * g + 3 * 6 * d + 6 * g + 4 * features + 2 * features)


# ---------------------------------------------------------------- mode-coverage steps
class Dense:
    def __init__(self, fin, fout, bias, init):
        self.w = init(fout, fin).requires_grad_(True)
        self.b = torch.zeros(fout).requires_grad_(True) if bias else None

    def params(self):
        return [self.w] + ([self.b] if self.b is not None else [])

    def __call__(self, x, p):
        return F.linear(x, p[0], p[1] if len(p) > 1 else None)


class MaxoutLayer:
    def __init__(self, fin, units, pieces, init):
        self.shape = (units, pieces)
        self.dense = Dense(fin, units * pieces, True, init)

    def params(self):
        return self.dense.params()

    def __call__(self, x, p):
        return self.dense(x, p).reshape(x.shape[0], *self.shape).max(2)[0]


class BatchNormLayer:
    """Lasagne batch norm over axis 0; only in generators, which never run detached."""

    def __init__(self, units):
        self.bn = LasagneBatchNorm(units, 2, (0,), eps=1e-4, alpha=0.05)

    def params(self):
        return self.bn.params()

    def __call__(self, x, p):
        return self.bn(x)


class Act:
    def __init__(self, fn):
        self.fn = fn

    def params(self):
        return []

    def __call__(self, x, p):
        return self.fn(x)


class Net:
    """Layers run in order, on their parameters or on detached copies (DetachedParameterStore)."""

    def __init__(self, layers):
        self.layers = layers

    def params(self):
        return [p for layer in self.layers for p in layer.params()]

    def __call__(self, x, detached=False):
        for layer in self.layers:
            p = layer.params()
            x = layer(x, [t.detach() for t in p] if detached else p)
        return x


def orthogonal(gain):
    return lambda fout, fin: torch.nn.init.orthogonal_(torch.empty(fout, fin), gain=gain)


def gaussian(std):
    return lambda fout, fin: torch.randn(fout, fin) * std


METZ = dict(latent=256, batch=512, lr_d=1e-4, lr_g=1e-3, beta1=0.5)
PACGAN = dict(latent=2, batch=100, lr_d=1e-4, lr_g=1e-4, beta1=0.8)


def metz_nets():
    init = orthogonal(1.4)
    g = Net([Dense(256, 128, True, init), Act(torch.tanh), Dense(128, 128, True, init), Act(torch.tanh),
             Dense(128, 2, True, init)])
    d = Net([Dense(2, 128, True, init), Act(torch.tanh), Dense(128, 128, True, init), Act(torch.tanh),
             Dense(128, 1, True, init)])
    return g, d


def pacgan_nets():
    init = gaussian(0.02)
    layers = []
    fin = 2
    for _ in range(4):
        layers += [Dense(fin, 400, False, init), BatchNormLayer(400), Act(F.relu)]
        fin = 400
    g = Net(layers + [Dense(400, 2, True, init)])
    d = Net([MaxoutLayer(2, 200, 5, init), MaxoutLayer(200, 200, 5, init), MaxoutLayer(200, 200, 5, init),
             Dense(200, 1, True, init)])
    return g, d


class ModeStep:
    """One simultaneous GanTrainer step: both losses from one forward pass of each network."""

    def __init__(self, protocol, nets):
        self.g, self.d = nets()
        self.latent = protocol["latent"]
        self.batch = protocol["batch"]
        betas = (protocol["beta1"], 0.999)
        self.opt_g = torch.optim.Adam(self.g.params(), lr=protocol["lr_g"], betas=betas, eps=1e-8)
        self.opt_d = torch.optim.Adam(self.d.params(), lr=protocol["lr_d"], betas=betas, eps=1e-8)
        self.real = torch.randn(self.batch, 2)

    def run(self):
        fake = self.g(torch.randn(self.batch, self.latent))
        loss_d = F.softplus(-self.d(self.real)).mean() + F.softplus(self.d(fake.detach())).mean()
        loss_g = F.softplus(-self.d(fake, detached=True)).mean()
        self.opt_d.zero_grad()
        self.opt_g.zero_grad()
        (loss_d + loss_g).backward()
        loss_d.item()
        loss_g.item()
        self.opt_d.step()
        self.opt_g.step()


def mode_step_flops(g, d, batch):
    """ModeStep.flops of the Java bench: per sample, G forward, weight and input gradients (not
    the latent's), 6G − 2G₁; D on the real and the detached generated batch, 2·(6D − 2D₁); D with
    detached parameters on the generated batch, forward and input gradients, 4D."""
    return batch * (6.0 * sum(g) - 2.0 * g[0] + 16.0 * sum(d) - 4.0 * d[0])


METZ_FLOPS = mode_step_flops([256 * 128, 128 * 128, 128 * 2], [2 * 128, 128 * 128, 128], 512)
PACGAN_FLOPS = mode_step_flops(
    [2 * 400, 400 * 400, 400 * 400, 400 * 400, 400 * 2], [2 * 1000, 200 * 1000, 200 * 1000, 200], 100
)


# ---------------------------------------------------------------- the cases
def mbd_flops(n, f, k, d):
    return 6.0 * n * f * k * d + 9.0 * n * n * k * d


def cases():
    """(name, input, description, flops, setup, max_warmup, max_iterations), in table order."""

    def block(shape, fn, params):
        return lambda: BlockStep(shape, fn, params)

    def nin():
        w, b = param(192, 192), torch.zeros(192).requires_grad_(True)
        return block((64, 192, 8, 8), lambda x: F.conv2d(x, w[:, :, None, None], b), [w, b])()

    def linear():
        w, b = param(1000, 784), torch.zeros(1000).requires_grad_(True)
        return block((100, 784), lambda x: F.linear(x, w, b), [w, b])()

    def wn_lin():
        v = param(1000, 784)
        g = torch.ones(1000).requires_grad_(True)
        b = torch.zeros(1000).requires_grad_(True)
        return block((100, 784), lambda x: wn_linear(x, v, g, b), [v, g, b])()

    def sn_lin():
        w, b = param(1000, 784), torch.zeros(1000).requires_grad_(True)
        state = SpectralNormState(w)
        return block((100, 784), lambda x: sn_linear(x, w, b, state), [w, b])()

    def conv():
        w, b = param(96, 96, 3, 3), torch.zeros(96).requires_grad_(True)
        return block((64, 96, 16, 16), lambda x: F.conv2d(x, w, b, padding=1), [w, b])()

    def wn_conv():
        v = param(96, 96, 3, 3)
        g = torch.ones(96).requires_grad_(True)
        b = torch.zeros(96).requires_grad_(True)

        def fn(x):
            w = v * weight_norm_scale(v, g)[:, None, None, None]
            return F.conv2d(x, w, b, padding=1)

        return block((64, 96, 16, 16), fn, [v, g, b])()

    def sn_conv_case():
        w, b = param(96, 96, 3, 3), torch.zeros(96).requires_grad_(True)
        state = SpectralNormState(w)
        return block((64, 96, 16, 16), lambda x: sn_conv(x, w, b, state), [w, b])()

    def eqlr_conv():
        w, b = param(96, 96, 3, 3, scale=1.0), torch.zeros(96).requires_grad_(True)
        scale = math.sqrt(2) / math.sqrt(96 * 3 * 3)
        return block((64, 96, 16, 16), lambda x: F.conv2d(x, w * scale, b, padding=1), [w, b])()

    def deconv():
        w, b = param(256, 128, 5, 5), torch.zeros(128).requires_grad_(True)
        return block(
            (64, 256, 8, 8),
            lambda x: F.conv_transpose2d(x, w, b, stride=2, padding=2, output_padding=1),
            [w, b],
        )()

    def deconv_conv():
        w, b = param(128, 256, 5, 5), torch.zeros(128).requires_grad_(True)
        return block((64, 256, 8, 8), lambda x: F.conv2d(x, w, b, padding=2), [w, b])()

    def conv_1filter():
        w, b = param(1, 64, 3, 3), torch.zeros(1).requires_grad_(True)
        return block((64, 64, 28, 28), lambda x: F.conv2d(x, w, b, padding=1), [w, b])()

    def fp_conv_1filter():
        w, b = param(1, 64, 3, 3), torch.zeros(1).requires_grad_(True)

        def fn(x):
            wp = torch.cat([w, w.new_zeros(15, 64, 3, 3)])
            bp = torch.cat([b, b.new_zeros(15)])
            return F.conv2d(x, wp, bp, padding=1)[:, :1]

        return block((64, 64, 28, 28), fn, [w, b])()

    def mbd_small():
        theta, s, b = mbd_params(250, 100, 5)
        return block((100, 250), lambda x: mbd_naive(x, theta, s, b), [theta, s, b])()

    def mbd_large():
        theta, s, b = mbd_params(1024, 100, 50)
        t = mbd_tile_rows(100, 50)
        return block((512, 1024), lambda x: mbd_tiled(x, theta, s, b, t), [theta, s, b])()

    def lbn():
        bn = LasagneBatchNorm(128, 4, (0, 2, 3))
        return block((64, 128, 16, 16), bn, bn.params())()

    def mbstd_case():
        return block((64, 512, 4, 4), lambda x: mbstd(x, 4), [])()

    return [
        ("nin", "(64, 192, 8, 8)", "conv2d 1×1, 192 units, bias", 6.0 * 64 * 8 * 8 * 192 * 192, nin, 0, 0),
        ("linear", "(100, 784)", "F.linear 1000 units", 6.0 * 100 * 784 * 1000, linear, 0, 0),
        ("wn_linear", "(100, 784)", "weight-normalised linear 1000 units", 6.0 * 100 * 784 * 1000, wn_lin, 0, 0),
        ("sn_linear", "(100, 784)", "spectral-normalised linear 1000 units, 1 power iteration", 6.0 * 100 * 784 * 1000, sn_lin, 0, 0),
        ("conv", "(64, 96, 16, 16)", "conv2d 3×3, 96 filters, pad 1", 6.0 * 64 * 16 * 16 * 96 * 96 * 9, conv, 0, 0),
        ("wn_conv", "(64, 96, 16, 16)", "weight-normalised conv2d 3×3, 96 filters, pad 1", 6.0 * 64 * 16 * 16 * 96 * 96 * 9, wn_conv, 0, 0),
        ("sn_conv", "(64, 96, 16, 16)", "spectral-normalised conv2d 3×3, 96 filters, pad 1, 1 power iteration", 6.0 * 64 * 16 * 16 * 96 * 96 * 9, sn_conv_case, 0, 0),
        ("eqlr_conv", "(64, 96, 16, 16)", "equalized-learning-rate conv2d 3×3, 96 filters, pad 1", 6.0 * 64 * 16 * 16 * 96 * 96 * 9, eqlr_conv, 0, 0),
        ("deconv", "(64, 256, 8, 8)", "conv_transpose2d 5×5, 128 filters, stride 2, pad 2, outPad 1", 6.0 * 64 * 8 * 8 * 256 * 128 * 25, deconv, 0, 0),
        ("deconv_conv", "(64, 256, 8, 8)", "conv2d 5×5, 128 filters, pad 2", 6.0 * 64 * 8 * 8 * 256 * 128 * 25, deconv_conv, 0, 0),
        ("conv_1filter", "(64, 64, 28, 28)", "conv2d 3×3, 1 filter, pad 1", 6.0 * 64 * 28 * 28 * 64 * 9, conv_1filter, 0, 0),
        ("fp_conv_1filter", "(64, 64, 28, 28)", "conv2d 3×3, 1 filter + 15 zero filters, pad 1", 6.0 * 64 * 28 * 28 * 64 * 9, fp_conv_1filter, 0, 0),
        ("mbd_small", "(100, 250)", "minibatch discrimination K=100, D=5, one expression", mbd_flops(100, 250, 100, 5), mbd_small, 0, 0),
        ("mbd_large", "(512, 1024)", "minibatch discrimination K=100, D=50, tiled like the block", mbd_flops(512, 1024, 100, 50), mbd_large, 1, 3),
        ("lbn", "(64, 128, 16, 16)", "Lasagne batch norm, axes (0, 2, 3)", 18.0 * 64 * 128 * 16 * 16, lbn, 0, 0),
        ("mbstd", "(64, 512, 4, 4)", "minibatch std-dev, group 4", 12.0 * 64 * 512 * 4 * 4, mbstd_case, 0, 0),
        ("gan_step", "batch 100", "improved-gan MNIST step (Adam, feature matching)", gan_step_flops(100), lambda: GanStep(100), 0, 0),
        ("gan_step_manual", "batch 100", "the same step", gan_step_flops(100), lambda: GanStep(100), 0, 0),
        ("metz_step", "batch 512, z 256", "mode-coverage metz step, simultaneous Adam updates", METZ_FLOPS, lambda: ModeStep(METZ, metz_nets), 0, 0),
        ("pacgan_step", "batch 100, z 2", "mode-coverage pacgan step, simultaneous Adam updates", PACGAN_FLOPS, lambda: ModeStep(PACGAN, pacgan_nets), 0, 0),
    ]


# ---------------------------------------------------------------- running
def matmul_rate():
    a = torch.randn(2048, 2048)
    b = torch.randn(2048, 2048)
    (a @ b)[0, 0].item()
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        (a @ b)[0, 0].item()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * 2048**3 / best / 1e9


def run_case(case, warmup, iterations, rate):
    name, inp, desc, flops, setup, max_warm, max_iter = case
    warm = min(warmup, max_warm) if max_warm else warmup
    runs = min(iterations, max_iter) if max_iter else iterations
    reset_peak()
    before = rss()
    step = setup()
    first = float("nan")
    for i in range(warm):
        t0 = time.perf_counter()
        step.run()
        if i == 0:
            first = (time.perf_counter() - t0) * 1e3
    after_warmup = rss()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step.run()
        times.append((time.perf_counter() - t0) * 1e3)
    after_run = rss()
    high = peak()
    del step
    if warm == 0:
        first = times[0]
    median = statistics.median(times)
    gflops = flops / (median / 1e3) / 1e9
    return {
        "case": name,
        "input": inp,
        "block": desc,
        "warmup": warm,
        "iterations": runs,
        "median_ms": median,
        "min_ms": min(times),
        "first_ms": first,
        "first_over_min": first / min(times),
        "gflop": flops / 1e9,
        "gflops": gflops,
        "fraction_of_matmul": gflops / rate,
        "peak_extra_mib": (high - before) / 1048576.0,
        "rss_after_warmup_mib": after_warmup / 1048576.0,
        "rss_after_run_mib": after_run / 1048576.0,
        "rss_growth_pct": 100.0 * (after_run - after_warmup) / after_warmup,
    }


def ratios(rows):
    median = {r["case"]: r["median_ms"] for r in rows}
    out = {}
    for key, a, b in [
        ("wn_linear/linear", "wn_linear", "linear"),
        ("wn_conv/conv", "wn_conv", "conv"),
        ("sn_linear/linear", "sn_linear", "linear"),
        ("sn_conv/conv", "sn_conv", "conv"),
        ("eqlr_conv/conv", "eqlr_conv", "conv"),
        ("deconv/equal_mac_conv", "deconv", "deconv_conv"),
        ("fp_conv_1filter/conv_1filter", "fp_conv_1filter", "conv_1filter"),
        ("gan_step/gan_step_manual", "gan_step", "gan_step_manual"),
    ]:
        if a in median and b in median:
            out[key] = median[a] / median[b]
    for r in rows:
        if r["case"] == "mbd_large":
            out["mbd_large peak extra/N²K tensor"] = r["peak_extra_mib"] / (512.0 * 512 * 100 * 4 / 1048576)
    return out


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", help="comma-separated case names (default: all)")
    p.add_argument("--warmup", type=int, default=None, help="untimed runs per case (default 5)")
    p.add_argument("--iterations", type=int, default=None, help="timed runs per case (default 20)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (see above)")
    p.add_argument("--like", help="a bench.json: take its PyTorch threads, runs and cases")
    p.add_argument("--out", default="out/bench", help="directory of peer.json (default out/bench)")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    threads, warmup, iterations, names = None, 5, 20, None
    if args.like:
        with open(args.like) as f:
            ours = json.load(f)
        for engine in ours.get("engines", []):
            if engine.get("engine") == "PyTorch":
                if engine.get("threads", -1) and engine.get("threads", -1) > 0:
                    threads = int(engine["threads"])
                if engine.get("cases"):
                    names = [r["case"] for r in engine["cases"]]
                    warmup = max(int(r["warmup"]) for r in engine["cases"])
                    iterations = max(int(r["iterations"]) for r in engine["cases"])
    threads = args.threads if args.threads is not None else threads or os.cpu_count()
    warmup = args.warmup if args.warmup is not None else warmup
    iterations = args.iterations if args.iterations is not None else iterations
    if args.cases:
        names = args.cases.split(",")
    torch.set_num_threads(threads)
    torch.manual_seed(args.seed)

    rate = matmul_rate()
    print(f"PyTorch {torch.__version__} (Python), {torch.get_num_threads()} threads: 2048³ matmul {rate:.1f} GFLOP/s", flush=True)
    rows = []
    for case in cases():
        if names is not None and case[0] not in names:
            continue
        row = run_case(case, warmup, iterations, rate)
        print(f"{row['case']:15s} median {row['median_ms']:9.2f} ms  min {row['min_ms']:9.2f} ms  first {row['first_ms']:9.2f} ms  peak extra {row['peak_extra_mib']:7.1f} MiB", flush=True)
        rows.append(row)
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "os": f"{platform.system()} {platform.release()}",
            "arch": platform.machine(),
            "python": platform.python_version(),
            "cpu_model": cpu_model(),
            "date": time.strftime("%Y-%m-%d"),
            "load_average": os.getloadavg()[0],
            "allocator": {k: v for k, v in os.environ.items() if k.startswith("MALLOC_") or k in ("LD_PRELOAD", "OMP_NUM_THREADS")},
        },
        "engines": [
            {
                "engine": "PyTorch (Python)",
                "version": torch.__version__,
                "threads": torch.get_num_threads(),
                "matmul_gflops": rate,
                "cases": rows,
                "ratios": ratios(rows),
            }
        ],
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "peer.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2, ensure_ascii=False)
    print("written:", path)


if __name__ == "__main__":
    main()
