#!/usr/bin/python3
"""The PyTorch peer of bench.BenchmarkStep: one training step of the
project's small CNN (3x32x32 input, conv 3x3 3->32 + ReLU + 2x2 max-pool,
conv 3x3 32->64 + ReLU + 2x2 max-pool, FC 4096->8), batch 64, with
cross-entropy or the closed-form squared EMD, SGD with Nesterov momentum.

Prints one line per configuration:  <dtype> <loss> <ms per step>
(the mean over --steps timed steps, after --warmup untimed ones).
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, CHANNELS, SIDE, CLASSES = 64, 3, 32, 8


def network(dtype):
    return nn.Sequential(
        nn.Conv2d(CHANNELS, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * (SIDE // 4) ** 2, CLASSES),
    ).to(dtype)


def emd2(logits, onehot, upper):
    """Mean over batch and classes of ((softmax(z) - t) U)^2, U upper-triangular ones."""
    cdf = (F.softmax(logits, dim=1) - onehot) @ upper
    return (cdf * cdf).mean()


def time_steps(dtype, loss, steps, warmup):
    net = network(dtype)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9,
                          nesterov=True, weight_decay=1e-4)
    x = torch.rand(BATCH, CHANNELS, SIDE, SIDE, dtype=dtype) * 2 - 1
    y = torch.randint(0, CLASSES, (BATCH,))
    onehot = F.one_hot(y, CLASSES).to(dtype)
    upper = torch.triu(torch.ones(CLASSES, CLASSES, dtype=dtype))

    def step():
        opt.zero_grad()
        z = net(x)
        value = F.cross_entropy(z, y) if loss == "ce" else emd2(z, onehot, upper)
        value.backward()
        opt.step()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--losses", default="ce,emd2")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name in args.dtypes.split(","):
        for loss in args.losses.split(","):
            ms = time_steps(getattr(torch, name), loss, args.steps, args.warmup)
            print(f"{name} {loss} {ms:.3f}", flush=True)


if __name__ == "__main__":
    main()
