#!/usr/bin/python3
"""One PyTorch training step of a CNN from models/, timed: the peer of
gradc bench for the convolutional models.

Usage: bench_torch_cnn.py MODEL [--steps N]   (MODEL: lenet5, cnn_fmnist, resnet_small, vgg16)
Prints the FLOPs of a step (its GEMM-like work) and the median milliseconds
per step (forward, backward, update).
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from bench_torch import print_median_step, steps_option


# Each model's optimize line in models/.
ADAM = lambda p: torch.optim.Adam(p, lr=0.001)  # noqa: E731
SGD = lambda p: torch.optim.SGD(p, lr=0.01)  # noqa: E731


def lenet5():
    return 64, (1, 28, 28), 10, ADAM, nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def cnn_fmnist():
    return 64, (1, 28, 28), 10, ADAM, nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Linear(128, 10))


class Residual(nn.Module):
    """resnet_small's basic block: two 3x3 convolutions and a shortcut, the
    input itself or a strided 1x1 convolution."""

    def __init__(self, channels, width, stride):
        super().__init__()
        self.a = nn.Conv2d(channels, width, 3, stride=stride, padding=1)
        self.b = nn.Conv2d(width, width, 3, padding=1)
        self.shortcut = (nn.Conv2d(channels, width, 1, stride=stride,
                                   bias=False) if stride > 1 else None)

    def forward(self, x):
        shortcut = self.shortcut(x) if self.shortcut else x
        return torch.relu(self.b(torch.relu(self.a(x))) + shortcut)


def resnet_small():
    blocks = [Residual(16, 16, 1), Residual(16, 16, 1), Residual(16, 32, 2),
              Residual(32, 32, 1), Residual(32, 64, 2), Residual(64, 64, 1)]
    return 64, (1, 28, 28), 10, ADAM, nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), *blocks,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def vgg16():
    layers, channels = [], 3
    for width, count in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        for _ in range(count):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(),
               nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000)]
    return 2, (3, 224, 224), 1000, SGD, nn.Sequential(*layers)


def step_flops(model, x):
    """The multiply-adds of one training step, counted as 2 FLOPs each, of
    the convolutions and dense layers: the forward product, the gradient of
    the weights, and the gradient of the input (except for the first layer,
    whose input is data)."""
    flops = []

    def count(module, inputs, output):
        weight = module.weight
        per_output = weight[0].numel()  # in * kh * kw, or in
        products = 2 * output.numel() * per_output
        flops.append(products * (2 if not flops else 3))
    hooks = [m.register_forward_hook(count) for m in model.modules()
             if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return sum(flops)


def main():
    args, steps = steps_option(sys.argv[1:], default=20)
    torch.set_num_threads(2)
    batch, image, classes, optimizer, model = globals()[args[0]]()
    optimizer = optimizer(model.parameters())
    x = torch.randn(batch, *image)
    y = torch.randint(0, classes, (batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f"step_gflop {step_flops(model, x) * 1e-9:.4f}")
    print_median_step(step, steps, warmup=3)


if __name__ == "__main__":
    main()
