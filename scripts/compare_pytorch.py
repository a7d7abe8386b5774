#!/usr/bin/python3
"""Checks gradc's loss and gradients against PyTorch on the MLP models.

For each model, gradc writes initial parameters (gradc init) and, for a
random batch, the loss and every gradient (gradc grad). PyTorch rebuilds the
same network from those parameters (layers w1/b1, w2/b2, ... with ReLU
between them, softmax cross-entropy) and must agree within 1e-4 relative.

Usage: compare_pytorch.py GRADC MODELS_DIR [MODEL ...]
Exits 0 when everything matches, 1 on a mismatch, 77 (skipped) without torch.
"""
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as error:
    print(f"skipped: {error} (install python3-torch and python3-numpy)")
    sys.exit(77)

RTOL = 1e-4
DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64}


def read_safetensors(path):
    data = Path(path).read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    body = data[8 + size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype=DTYPES[entry["dtype"]])
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors


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


def compare(tool, model, work):
    params = work / "params.safetensors"
    gradc(tool, "init", str(model), "--seed", "7", "--out", str(params))
    weights = read_safetensors(params)
    layers = sorted(int(n[1:]) for n in weights if re.fullmatch(r"w\d+", n))
    batch = int(re.search(r"batch\s*=\s*(\d+)", model.read_text()).group(1))
    rng = np.random.default_rng(11)
    x = rng.standard_normal((batch, weights["w1"].shape[0])).astype(np.float32)
    classes = weights[f"w{layers[-1]}"].shape[1]
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
    h = torch.tensor(x)
    for i in layers:
        h = h @ tensors[f"w{i}"] + tensors[f"b{i}"]
        if i != layers[-1]:
            h = torch.relu(h)
    reference = F.cross_entropy(h, torch.tensor(y, dtype=torch.int64))
    reference.backward()

    print(f"  {model.name}: loss gradc {loss:.6f}, torch {reference.item():.6f}")
    ok = close("loss", loss, reference.item())
    for name in tensors:
        ok &= close(name, grads[name], tensors[name].grad.numpy())
    return ok


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    tool, models = sys.argv[1], Path(sys.argv[2])
    names = sys.argv[3:] or ["mlp.grad", "mlp_small.grad", "mlp_fmnist.grad",
                             "mlp_big.grad"]
    print(f"gradc vs PyTorch {torch.__version__} (relative tolerance {RTOL})")
    ok = True
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            ok &= compare(tool, models / name, Path(directory))
    print("all match" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
