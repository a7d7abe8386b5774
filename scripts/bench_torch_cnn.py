#!/usr/bin/python3
"""One PyTorch training step of a CNN from models/, timed: the peer of
gradc bench for the convolutional models.

Usage: bench_torch_cnn.py MODEL [--steps N]   (MODEL: lenet5, cnn_fmnist, vgg16)
Prints the median milliseconds per step (forward, backward, Adam update).
"""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def lenet5():
    return 64, (1, 28, 28), 10, nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def cnn_fmnist():
    return 64, (1, 28, 28), 10, nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10))


def vgg16():
    layers, channels = [], 3
    for width, count in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(count):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000)]
    return 2, (3, 224, 224), 1000, nn.Sequential(*layers)


def main():
    args = sys.argv[1:]
    steps = 20
    if "--steps" in args:
        at = args.index("--steps")
        steps = int(args[at + 1])
        del args[at:at + 2]
    torch.set_num_threads(2)
    batch, image, classes, model = globals()[args[0]]()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    x = torch.randn(batch, *image)
    y = torch.randint(0, classes, (batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"step_ms_median {times[len(times) // 2]:.4f}")


if __name__ == "__main__":
    main()
