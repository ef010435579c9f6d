#!/usr/bin/env python3
"""PacGAN's 2-D protocol (`mode-coverage --protocol pacgan`) written independently in PyTorch.

An optional peer, never used by the build or the tests: it trains the same networks on the same
data with the same settings as the Java example, written with torch.nn's own modules
(nn.Linear, nn.BatchNorm1d) instead of this project's blocks, so that a difference between the two
curves points at an implementation and an agreement at the protocol. See docs/protocols.md
("Protocol pacgan") for where each setting comes from in the authors' code.

    /usr/bin/python3 examples/peer/pacgan_peer.py --data ring --pack 1 --iterations 20000 --seed 1 \
        --out docs/mode-coverage/peer/ring-pack1-seed1.csv

Writes one CSV row per evaluation: iteration,modes,of,hq_pct,rkl,loss_d,loss_g (the columns of the
Java example's curves.csv after its protocol,data,variant,seed columns).
"""
import argparse
import csv
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def means_and_sigma(data):
    if data == "ring":
        k = torch.arange(8, dtype=torch.float64)
        return torch.stack([torch.cos(2 * math.pi * k / 8), torch.sin(2 * math.pi * k / 8)], 1), 0.01
    axis = torch.arange(-4, 5, 2, dtype=torch.float64)
    return torch.cartesian_prod(axis, axis), 0.05


def training_set(means, sigma, n, pack, gen):
    """n points of the mixture, then one bootstrap resample of them per packing slot, side by side."""
    points = means[torch.randint(0, len(means), (n,), generator=gen)]
    points = points + sigma * torch.randn(n, 2, generator=gen, dtype=torch.float64)
    slots = [points[torch.randint(0, n, (n,), generator=gen)] for _ in range(pack)]
    return torch.cat(slots, 1).float()


class Maxout(nn.Module):
    def __init__(self, fin, units, pieces):
        super().__init__()
        self.linear = nn.Linear(fin, units * pieces)
        self.units, self.pieces = units, pieces

    def forward(self, x):
        return self.linear(x).view(-1, self.units, self.pieces).amax(2)


def networks(pack):
    g_layers, fin = [], 2
    for _ in range(4):
        g_layers += [nn.Linear(fin, 400, bias=False), nn.BatchNorm1d(400, eps=1e-4, momentum=0.05),
                     nn.ReLU()]
        fin = 400
    g = nn.Sequential(*g_layers, nn.Linear(400, 2))
    d = nn.Sequential(Maxout(2 * pack, 200, 5), Maxout(200, 200, 5), Maxout(200, 200, 5),
                      nn.Linear(200, 1))
    for net in (g, d):
        for module in net.modules():
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, 0.0, 0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
    return g, d


def metrics(samples, means, sigma):
    """Modes with >= 1 high-quality sample, HQ % (distance < 3 sigma), KL(HQ histogram || uniform)."""
    dist = torch.cdist(samples.double(), means)
    nearest = dist.min(1)
    hq = nearest.values < 3 * sigma
    counts = torch.bincount(nearest.indices[hq], minlength=len(means)).double()
    modes = int((counts > 0).sum())
    total = counts.sum()
    if total == 0:
        return modes, 0.0, float("nan")
    p = counts[counts > 0] / total
    entropy = float(-(p * p.log()).sum())
    return modes, 100.0 * float(hq.double().mean()), math.log(len(means)) - entropy


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["ring", "grid"], default="ring")
    parser.add_argument("--pack", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=20000)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    means, sigma = means_and_sigma(args.data)
    n, batch, pack = 100_000, 100, args.pack
    data = training_set(means, sigma, n, pack, gen)
    g, d = networks(pack)
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.8, 0.999), eps=1e-8)
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.8, 0.999), eps=1e-8)
    z_eval = torch.randn(2500, 2, generator=torch.Generator().manual_seed(2333))

    out = open(args.out, "w", newline="") if args.out else sys.stdout
    writer = csv.writer(out)
    writer.writerow(["iteration", "modes", "of", "hq_pct", "rkl", "loss_d", "loss_g"])
    order, start = None, time.time()
    for it in range(1, args.iterations + 1):
        row = (it - 1) % (n // batch)
        if row == 0:
            order = torch.randperm(n, generator=gen)
        real = data[order[row * batch:(row + 1) * batch]]
        # each packing slot's samples are a batch of their own for batch norm
        fake = torch.cat([g(torch.randn(batch, 2)) for _ in range(pack)], 1)
        loss_d = F.softplus(-d(real)).mean() + F.softplus(d(fake.detach())).mean()
        loss_g = F.softplus(-d(fake)).mean()
        grads_d = torch.autograd.grad(loss_d, list(d.parameters()))
        grads_g = torch.autograd.grad(loss_g, list(g.parameters()))
        # simultaneous: both gradients from the same forward passes, then both steps
        for params, grads in ((d.parameters(), grads_d), (g.parameters(), grads_g)):
            for p, grad in zip(params, grads):
                p.grad = grad
        opt_d.step()
        opt_g.step()
        if it % args.eval_every == 0:
            g.eval()
            with torch.no_grad():
                modes, hq, rkl = metrics(g(z_eval), means, sigma)
            g.train()
            writer.writerow([it, modes, len(means), f"{hq:.2f}", f"{rkl:.4f}", f"{loss_d.item():.4f}",
                             f"{loss_g.item():.4f}"])
            out.flush()
            print(f"{it} {modes}/{len(means)} {hq:.1f}% rKL {rkl:.3f}  {time.time() - start:.0f} s",
                  file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
