"""What gradc's PyTorch comparisons share: reading safetensors files, and
each gradc optimizer (as the model's optimize line spells it) as the
torch.optim optimizer with the same rule and hyperparameters (or that of
test/random/numpy_reference.py, which follows torch.optim)."""
import json
import struct

import numpy as np

DTYPES = {"F64": np.float64, "F32": np.float32, "I32": np.int32,
          "I64": np.int64}


def read_safetensors(path):
    """Every tensor of a safetensors file, as NumPy arrays by name."""
    with open(path, "rb") as f:
        data = f.read()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(
            data[8 + size + begin:8 + size + end],
            dtype=DTYPES[entry["dtype"]]).reshape(entry["shape"]).copy()
    return tensors


# Each is called with the optimizer module (torch.optim) and the parameters.
# torch.optim's defaults differ from gradc's (Adagrad's eps, RMSprop's
# alpha), so every argument is given.
OPTIMIZERS = {
    "sgd(lr = 0.1)": lambda optim, p: optim.SGD(p, lr=0.1),
    "momentum(lr = 0.05)": lambda optim, p: optim.SGD(p, lr=0.05, momentum=0.9),
    "nesterov(lr = 0.05)": lambda optim, p: optim.SGD(
        p, lr=0.05, momentum=0.9, nesterov=True),
    "adagrad(lr = 0.1)": lambda optim, p: optim.Adagrad(p, lr=0.1, eps=1e-8),
    "rmsprop(lr = 0.01)":
        lambda optim, p: optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
    "adam(lr = 0.01)": lambda optim, p: optim.Adam(p, lr=0.01),
}
# Those whose step divides by a running magnitude of the gradient: a
# gradient that is zero but for rounding noise still moves by about lr.
ADAPTIVE = {"adagrad(lr = 0.1)", "rmsprop(lr = 0.01)", "adam(lr = 0.01)"}
