#!/usr/bin/python3
"""The PyTorch peer of bench.BenchmarkStep: one training step of

  cnn      the project's small CNN (3x32x32 input, conv 3x3 3->32 + ReLU +
           2x2 max-pool, conv 3x3 32->64 + ReLU + 2x2 max-pool, FC 4096->8),
           batch 64;
  alexnet  the face AlexNet of Levi & Hassner (models.FaceAlexNetOptions:
           3x227x227 input; conv 96@7x7 stride 4 + ReLU + 3x3/2 max-pool
           (ceil) + LRN; conv 256@5x5 pad 2 + ReLU + 3x3/2 max-pool (ceil) +
           LRN; conv 384@3x3 pad 1 + ReLU + 3x3/2 max-pool (ceil); FC
           18816->512 + ReLU + dropout 0.5, FC 512->512 + ReLU + dropout 0.5,
           FC 512->8; LRN size 5, alpha 1e-4, beta 0.75, k 1), batch 32;

with cross-entropy or the closed-form squared EMD, SGD with Nesterov
momentum.

Prints one line per configuration:  <network> <dtype> <loss> <ms per step>
(the mean over --steps timed steps, after --warmup untimed ones).
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CHANNELS, CLASSES = 3, 8
BATCH = {"cnn": 64, "alexnet": 32}
SIDE = {"cnn": 32, "alexnet": 227}


def network(name, dtype):
    if name == "cnn":
        layers = [
            nn.Conv2d(CHANNELS, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (SIDE["cnn"] // 4) ** 2, CLASSES),
        ]
    else:
        lrn = dict(size=5, alpha=1e-4, beta=0.75, k=1.0)
        layers = [
            nn.Conv2d(CHANNELS, 96, 7, stride=4), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True), nn.LocalResponseNorm(**lrn),
            nn.Conv2d(96, 256, 5, padding=2), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True), nn.LocalResponseNorm(**lrn),
            nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Flatten(),
            nn.Linear(384 * 7 * 7, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, CLASSES),
        ]
    return nn.Sequential(*layers).to(dtype)


def emd2(logits, onehot, upper):
    """Mean over batch and classes of ((softmax(z) - t) U)^2, U upper-triangular ones."""
    cdf = (F.softmax(logits, dim=1) - onehot) @ upper
    return (cdf * cdf).mean()


def time_steps(name, dtype, loss, steps, warmup):
    net = network(name, dtype)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9,
                          nesterov=True, weight_decay=1e-4)
    batch, side = BATCH[name], SIDE[name]
    x = torch.rand(batch, CHANNELS, side, side, dtype=dtype) * 2 - 1
    y = torch.randint(0, CLASSES, (batch,))
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
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--nets", default="cnn")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--losses", default="ce,emd2")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name in args.nets.split(","):
        for dt in args.dtypes.split(","):
            for loss in args.losses.split(","):
                ms = time_steps(name, getattr(torch, dt), loss, args.steps, args.warmup)
                print(f"{name} {dt} {loss} {ms:.3f}", flush=True)


if __name__ == "__main__":
    main()
