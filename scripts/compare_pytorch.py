#!/usr/bin/python3
"""Checks gradc's loss, gradients and optimizer steps against PyTorch.

For each model, gradc writes initial parameters (gradc init) and, for a
random batch, the loss and every gradient (gradc grad). PyTorch rebuilds the
same network from those parameters (NETWORKS; for the MLPs, layers w1/b1,
w2/b2, ... with ReLU between them; softmax cross-entropy) and must agree
within 1e-4 relative.
Then each optimizer takes twenty steps on one batch (gradc step) and must
agree with torch.optim (see compare_optimizer).

Usage: compare_pytorch.py GRADC MODELS_DIR [MODEL ...]
Exits 0 when everything matches, 1 on a mismatch, 77 (skipped) without torch.
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch_reference import OPTIMIZERS, read_safetensors
except ImportError as error:
    print(f"skipped: {error} (install python3-torch and python3-numpy)")
    sys.exit(77)

RTOL = 1e-4


def gradc(tool, *args):
    result = subprocess.run([tool, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"gradc {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def close(name, got, want):
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    scale = max(np.abs(want).max(), 1e-12)
    error = np.abs(got - want).max() / scale
    print(f"    {name:<6} max error {error:.2e} of max |value| {scale:.3g}")
    return error <= RTOL


def mlp(t, h):
    """Layers w1/b1, w2/b2, ... with ReLU between them."""
    layers = sorted(int(n[1:]) for n in t if re.fullmatch(r"w\d+", n))
    for i in layers:
        h = h @ t[f"w{i}"] + t[f"b{i}"]
        if i != layers[-1]:
            h = torch.relu(h)
    return h


def lenet5(t, x):
    h = F.max_pool2d(torch.relu(F.conv2d(x, t["k1"], padding=2) + t["c1"]), 2)
    h = F.max_pool2d(torch.relu(F.conv2d(h, t["k2"]) + t["c2"]), 2)
    h = torch.relu(h.flatten(1) @ t["w3"] + t["b3"])
    h = torch.relu(h @ t["w4"] + t["b4"])
    return h @ t["w5"] + t["b5"]


def cnn_fmnist(t, x):
    h = F.max_pool2d(torch.relu(F.conv2d(x, t["k1"], padding=1) + t["c1"]), 2)
    h = F.max_pool2d(torch.relu(F.conv2d(h, t["k2"], padding=1) + t["c2"]), 2)
    h = torch.relu(h.flatten(1) @ t["w3"] + t["b3"])
    return h @ t["w4"] + t["b4"]


def resnet_small(t, x):
    def conv_relu(h, k, c, stride=1):
        return torch.relu(F.conv2d(h, t[k], stride=stride, padding=1) + t[c])

    def block(h, n, strided=False):
        inner = conv_relu(h, f"k{n}a", f"c{n}a", 2 if strided else 1)
        shortcut = F.conv2d(h, t[f"k{n}s"], stride=2) if strided else h
        return torch.relu(F.conv2d(inner, t[f"k{n}b"], padding=1)
                          + t[f"c{n}b"] + shortcut)
    h = conv_relu(x, "k0", "c0")
    for n in range(1, 7):
        h = block(h, n, strided=n in (3, 5))
    return h.mean(dim=(2, 3)) @ t["w7"] + t["b7"]


# Each model's network in PyTorch, over gradc's parameter names.
NETWORKS = {"lenet5": lenet5, "cnn_fmnist": cnn_fmnist,
            "resnet_small": resnet_small}
# What a model's loss adds to the cross-entropy of its logits.
PENALTIES = {"cnn_fmnist": lambda t: 1e-4 * sum(
    (t[n] * t[n]).sum() for n in ("k1", "k2", "w3", "w4"))}


def compare(tool, model, work):
    params = work / "params.safetensors"
    gradc(tool, "init", str(model), "--seed", "7", "--out", str(params))
    weights = read_safetensors(params)
    source = model.read_text()
    batch = int(re.search(r"batch\s*=\s*(\d+)", source).group(1))
    classes = int(re.search(r"classes\s*=\s*(\d+)", source).group(1))
    sizes = re.search(r"input\s+x\s*:\s*f32\[batch,([^\]]*)\]", source)
    shape = tuple(int(d) for d in sizes.group(1).split(","))
    network = NETWORKS.get(model.stem, mlp)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    y = rng.integers(0, classes, batch).astype(np.int32)
    np.save(work / "x.npy", x)
    np.save(work / "y.npy", y)
    grads_file = work / "grads.safetensors"
    output = gradc(tool, "grad", str(model), "--params", str(params),
                   "--input", f"x={work / 'x.npy'}", "--input",
                   f"y={work / 'y.npy'}", "--out", str(grads_file))
    loss = float(re.search(r"loss (\S+)", output).group(1))
    grads = read_safetensors(grads_file)

    torch.set_num_threads(2)
    tensors = {n: torch.tensor(v, requires_grad=True) for n, v in weights.items()}
    logits = network(tensors, torch.tensor(x))
    reference = F.cross_entropy(logits, torch.tensor(y, dtype=torch.int64))
    if model.stem in PENALTIES:
        reference = reference + PENALTIES[model.stem](tensors)
    reference.backward()

    print(f"  {model.name}: loss gradc {loss:.6f}, torch {reference.item():.6f}")
    ok = close("loss", loss, reference.item())
    for name in tensors:
        ok &= close(name, grads[name], tensors[name].grad.numpy())
    return ok


# -- optimizer steps -------------------------------------------------------------
# Twenty training steps on one batch with each optimizer, against torch.optim
# from the same parameters. f64 must agree to rounding. An f32 step rounds
# (as PyTorch's does) but must not drift further from the float64 result
# than F32_DRIFT_FACTOR times PyTorch's own float32 run.
STEPS = 20
F64_UPDATE_TOLERANCE = 1e-9
F32_DRIFT_FACTOR = 4

STEP_MODEL = """model steps(batch = 16)
input x : DT[batch, 20]
label y : i32[batch]
param w1 : DT[20, 32] = xavier_normal
param b1 : DT[32] = normal(0, 0.1)
param w2 : DT[32, 5] = xavier_normal
param b2 : DT[5] = normal(0, 0.1)
logits = relu(x @ w1 + b1) @ w2 + b2
output logits
loss = softmax_cross_entropy(logits, y)
optimize loss with OPTIMIZER
"""


def torch_steps(optimizer, weights, x, y, dtype):
    """The parameters after STEPS steps of torch.optim in `dtype`."""
    tensors = {n: torch.tensor(v, dtype=dtype, requires_grad=True)
               for n, v in weights.items()}
    step = OPTIMIZERS[optimizer](torch.optim, list(tensors.values()))
    inputs, labels = torch.tensor(x, dtype=dtype), torch.tensor(y).long()
    for _ in range(STEPS):
        step.zero_grad()
        hidden = torch.relu(inputs @ tensors["w1"] + tensors["b1"])
        F.cross_entropy(hidden @ tensors["w2"] + tensors["b2"],
                        labels).backward()
        step.step()
    return {n: t.detach().double().numpy() for n, t in tensors.items()}


def drift(got, want, start):
    """The largest difference between two runs' parameters, relative to the
    largest change the reference made."""
    return max(np.abs(got[n] - want[n]).max() for n in want) / max(
        np.abs(want[n] - start[n]).max() for n in want)


def compare_optimizer(tool, optimizer, work):
    sources = {}
    for dtype in ("f64", "f32"):
        sources[dtype] = work / f"steps_{dtype}.grad"
        sources[dtype].write_text(STEP_MODEL.replace("DT", dtype).replace(
            "OPTIMIZER", optimizer))
    params = work / "steps.safetensors"
    gradc(tool, "init", str(sources["f64"]), "--seed", "5", "--out",
          str(params))
    weights = read_safetensors(params)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((16, 20))
    y = rng.integers(0, 5, 16).astype(np.int32)
    np.save(work / "x.npy", x)
    np.save(work / "y.npy", y)
    exact = torch_steps(optimizer, weights, x, y, torch.float64)
    torch32 = torch_steps(optimizer, weights, x, y, torch.float32)
    start32 = {n: v.astype(np.float32).astype(np.float64)
               for n, v in weights.items()}
    theirs = drift(torch32, exact, start32)
    ok = True
    for dtype in ("f64", "f32"):
        trained = work / f"trained_{dtype}.safetensors"
        gradc(tool, "step", str(sources[dtype]), "--params", str(params),
              "--input", f"x={work / 'x.npy'}", "--input",
              f"y={work / 'y.npy'}", "--steps", str(STEPS), "--out",
              str(trained))
        got = {n: v.astype(np.float64)
               for n, v in read_safetensors(trained).items() if n in exact}
        if dtype == "f64":
            error, tolerance = drift(got, exact, weights), F64_UPDATE_TOLERANCE
        else:
            error = drift(got, exact, start32)
            tolerance = F32_DRIFT_FACTOR * theirs
        print(f"    {dtype} after {STEPS} steps: drift {error:.2e} of the "
              f"update (tolerance {tolerance:.1e})")
        ok &= error <= tolerance
    return ok


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tool, models = sys.argv[1], Path(sys.argv[2])
    names = sys.argv[3:] or ["mlp.grad", "mlp_small.grad", "mlp_fmnist.grad",
                             "mlp_big.grad", "lenet5.grad", "cnn_fmnist.grad",
                             "resnet_small.grad"]
    print(f"gradc vs PyTorch {torch.__version__} (relative tolerance {RTOL})")
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            ok &= compare(tool, models / name, Path(directory))
        print(f"optimizer steps against torch.optim (f32 within "
              f"{F32_DRIFT_FACTOR}x PyTorch's own float32 drift)")
        for optimizer in OPTIMIZERS:
            print(f"  {optimizer}")
            ok &= compare_optimizer(tool, optimizer, Path(directory))
    print("all match" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
