#!/usr/bin/python3
"""One PyTorch training step of a ReLU MLP, timed: the peer of gradc bench.

Usage: bench_torch.py BATCH LAYER0 LAYER1 ... [--steps N]
Prints the median milliseconds per step (forward, backward, SGD update).
"""
import sys
import time

import torch
import torch.nn.functional as F


def main():
    args, steps = steps_option(sys.argv[1:], default=50)
    batch, *sizes = (int(a) for a in args)
    torch.set_num_threads(2)
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        params += [(torch.randn(fan_in, fan_out) * 0.05).requires_grad_(),
                   torch.zeros(fan_out, requires_grad=True)]
    optimizer = torch.optim.SGD(params, lr=0.01)
    x = torch.randn(batch, sizes[0])
    y = torch.randint(0, sizes[-1], (batch,))

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.relu(h)
        loss = F.cross_entropy(h, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print_median_step(step, steps, warmup=10)


def steps_option(args, default):
    """`args` without `--steps N`, and N (`default` when absent)."""
    if "--steps" not in args:
        return args, default
    at = args.index("--steps")
    return args[:at] + args[at + 2:], int(args[at + 1])


def print_median_step(step, steps, warmup):
    """Runs `step` `warmup` times, then prints the median milliseconds of
    `steps` timed runs, as gradc bench does."""
    for _ in range(warmup):
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
