#!/usr/bin/python3
"""Random differential testing: random well-typed .grad models, run by gradc
and by PyTorch (float64) on the same parameters and batch.

Each model is written twice from one description: as .grad text, and as the
PyTorch expression of every value, so the reference never sees gradc's IR.
For each model it compares, against PyTorch in float64:
  - the forward entry point's outputs and loss (gradc run),
  - the loss and every gradient (gradc grad),
  - the parameters' updates after one training step of the model's
    optimizer, against torch.optim (gradc step; scripts/compare_pytorch.py
    compares 20 steps of every optimizer on the repo's models),
  - the same three for the f32 build of the model, with an f32 tolerance.

  differential.py GRADC [--first N] [--count N] [--jobs N] [--save DIR]
  differential.py GRADC --replay DIR/rN/choices.json

exits 0 when every model agrees, 1 otherwise, and 77 when NumPy is not
installed. Where PyTorch is not installed (or with --reference numpy), the
reference is numpy_reference.py, which evaluates the same expressions.

With --save, each failing model is shrunk (choices.py) to the smallest that
still fails the same way, and saved to DIR with its inputs, parameters, what
differed, and the decisions that --replay rebuilds it from.
"""
import argparse
import concurrent.futures
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from choices import Choices, shrink

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts"))
try:
    import numpy as np
except ImportError:
    print("differential: python3-numpy is not installed; skipped")
    sys.exit(77)
import numpy_reference
from torch_reference import ADAPTIVE, OPTIMIZERS, read_safetensors
try:
    import torch
except ImportError:
    torch = None

# Largest error accepted, relative to the scale of the tensor compared (see
# compare). A result may be off by rounding through the model, which an
# ill-conditioned model amplifies: it is judged against PyTorch's own error
# in the same dtype on the same model (in f32, against the f64 reference; in
# f64, against numpy_reference.py in extended precision), and must stay
# within NOISE_FACTOR times it, or F64_TOLERANCE / F32_TOLERANCE. (Seed
# 4342724047, shrunk: two log_softmaxes of nearly equal columns, gradients
# 1e-8 of the loss, PyTorch's f64 gradient 7.4e-15 from the exact one and
# gradc's 1.3e-14.)
F64_TOLERANCE = 1e-9
F32_TOLERANCE = 2e-3
NOISE_FACTOR = 8
# The smallest gradient scale, relative to the loss, a dtype resolves: a
# gradient that is exactly zero is computed as rounding noise of terms of
# the loss's size (about 1e-16 of it in f64, 1e-7 in f32), so gradients are
# compared on at least this scale; the tolerance times the floor is then
# 1e-15 (f64) and 1e-6 (f32) of the loss, absolute.
GRADIENT_FLOOR = {"f64": 1e-6, "f32": 5e-4}
# A model whose every gradient is below FLAT times its loss is flat: its loss
# does not depend on its parameters (log_softmax of columns that tanh of a
# saturated Gram matrix made equal, say), every gradient is exactly zero,
# and both sides compute rounding noise of terms many times the loss,
# amplified along the chain: scripts/fuzz.sh seeds 4342724047 (f32: gradc
# 7e-6 of the loss, where PyTorch summed the equal columns to exactly
# equal values and got 0) and 4342724519 (f64: gradc 5e-14 and PyTorch 4e-14
# of the loss, the true gradient 1e-17 in extended precision). A flat
# model's gradients are compared on FLAT_FLOOR times the loss instead, so
# they must still be zero to 1e-3 (f32) and 2e-12 (f64) of the loss.
FLAT = 1e-10
FLAT_FLOOR = {"f64": 2e-3, "f32": 0.5}
# An exact zero (a bias gradient through a shift-invariant softmax) is
# computed as rounding noise of the terms that cancel, in PyTorch as in
# gradc: each tensor's scale is at least this fraction of the largest of
# its kind (all gradients, or all forward values).
FAMILY_FLOOR = 1e-3
# An adaptive optimizer's step depends on the gradient's relative error:
# g / sqrt(v) moves a parameter by about lr whatever the gradient's size,
# even when it is zero but for rounding noise, in a direction the noise
# picks. So each element of an update may also be off by UPDATE_SENSITIVITY
# * lr * |e| / |g|, where e is the difference of the step's gradient from
# PyTorch's (already within tolerance) and g is PyTorch's gradient. This
# bound holds for one step only: a second step's gradient, at parameters
# the first step moved, has errors of its own the first does not predict.
UPDATE_SENSITIVITY = 4
# Every model is built for each of these element types.
DTYPES = ("f64", "f32")
# How often a run prints how far it has come.
PROGRESS_EVERY = 500


class Model:
    """A random model: declarations, definitions and their PyTorch twins."""

    def __init__(self, rng, name):
        self.rng = rng
        self.name = name
        self.batch = rng.choice([1, 2, 3, 5, 8, 16, 22, 33, 64])
        self.lines = []      # .grad statements after the model line
        self.torch = []      # (name, python expression over env)
        self.shapes = {}     # value name -> shape (tuple)
        self.params = []     # (name, shape)
        self.inputs = []     # (name, shape)
        self.labels = []     # (name, shape, classes or None)
        self.outputs = []
        self.optimizer = None
        self.counter = 0

    # -- declarations -------------------------------------------------------
    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def dims(self, shape):
        return ", ".join("batch" if d == "B" else str(d) for d in shape)

    def concrete(self, shape):
        return tuple(self.batch if d == "B" else d for d in shape)

    def param(self, shape, init=None):
        name = self.fresh("w")
        init = init or self.rng.choice(
            ["normal(0, 0.5)", "uniform(-0.7, 0.7)", "xavier_normal"
             if len(shape) == 2 else "normal(0, 0.3)"])
        self.lines.append(f"param {name} : DT[{self.dims(shape)}] = {init}")
        self.params.append((name, self.concrete(shape)))
        self.shapes[name] = self.concrete(shape)
        return name

    def define(self, grad_expr, torch_expr, shape):
        name = self.fresh("h")
        self.lines.append(f"{name} = {grad_expr}")
        self.torch.append((name, torch_expr))
        self.shapes[name] = tuple(shape)
        return name

    # -- layers ----------------------------------------------------------------
    def width(self):
        return self.rng.choice([1, 2, 3, 4, 7, 8, 10, 16, 24, 33, 64, 130])

    def dense(self, h):
        """h @ w (+ b), sometimes with w stored transposed."""
        rows, cols = self.shapes[h]
        out = self.width()
        if self.rng.chance(0.3):
            w = self.param((out, cols))
            g, t = f"matmul({h}, {w}, transpose_rhs = true)", f"{h} @ {w}.T"
        else:
            w = self.param((cols, out))
            g, t = f"{h} @ {w}", f"{h} @ {w}"
        if self.rng.chance(0.7):
            b = self.param((out,), "normal(0, 0.1)")
            g, t = f"{g} + {b}", f"{t} + {b}"
        return self.define(g, t, (rows, out))

    def unary(self, h):
        choices = [
            ("relu({0})", "torch.relu({0})"),
            ("tanh({0})", "torch.tanh({0})"),
            ("sigmoid({0})", "torch.sigmoid({0})"),
            ("exp(tanh({0}))", "torch.exp(torch.tanh({0}))"),
            ("log({0} * {0} + 1)", "torch.log({0} * {0} + 1)"),
            ("sqrt({0} * {0} + 1)", "torch.sqrt({0} * {0} + 1)"),
            ("-{0} * 0.5", "-{0} * 0.5"),
            ("step({0}) * {0}", "({0} > 0).to({0}.dtype) * {0}"),
            ("2.5 * {0} - 1", "2.5 * {0} - 1"),
        ]
        g, t = self.rng.choice(choices)
        return self.define(g.format(h), t.format(h), self.shapes[h])

    def widened(self, h):
        """An elementwise op computed in f64 and rounded back to the model's
        element type (DT): in an f32 model, a widening and a narrowing cast."""
        g, t = self.rng.choice([
            ("tanh(cast({0}, dtype = f64) * 1.5)",
             "torch.tanh({0}.double() * 1.5)"),
            ("sigmoid(cast({0}, dtype = f64)) - 0.5",
             "torch.sigmoid({0}.double()) - 0.5")])
        return self.define(f"cast({g.format(h)}, dtype = DT)",
                           f"({t.format(h)}).to({h}.dtype)", self.shapes[h])

    def binary(self, a, b):
        """a op b for two values of one shape, or b broadcast along rows."""
        g, t = self.rng.choice([("{0} + {1}", "{0} + {1}"),
                                ("{0} - {1}", "{0} - {1}"),
                                ("{0} * {1}", "{0} * {1}"),
                                ("{0} / ({1} * {1} + 1)",
                                 "{0} / ({1} * {1} + 1)")])
        return self.define(g.format(a, b), t.format(a, b), self.shapes[a])

    def scale(self, h):
        """h times a parameter broadcast over rows (or a scalar)."""
        shape = self.shapes[h]
        s = self.param(shape[1:] if self.rng.chance(0.7) else (),
                       "normal(1, 0.2)")
        return self.define(f"{h} * {s}", f"{h} * {s}", shape)

    def floored(self, h):
        """relu(h) + s for a scalar parameter s: where h <= 0 the values tie
        exactly at s, so s's gradient shows how a maximum splits its ties."""
        s = self.param((), "normal(0, 0.1)")
        return self.define(f"relu({h}) + {s}", f"torch.relu({h}) + {s}",
                           self.shapes[h])

    def pool(self, h):
        """Reshape to a higher rank, reduce one or two axes, reshape back."""
        if self.rng.chance(0.3):
            h = self.floored(h)
        rows, cols = self.shapes[h]
        factors = [f for f in range(2, cols + 1) if cols % f == 0]
        if not factors:
            return self.unary(h)
        k = self.rng.choice(factors)
        rest = cols // k
        if rest % 2 == 0 and rest > 2 and self.rng.chance(0.5):
            shape = (rows, 2, rest // 2, k)
            axes = self.rng.choice([[1], [3], [1, 3], [2, 3], [1, 2]])
        else:
            shape = (rows, rest, k)
            axes = self.rng.choice([[2], [1], [1, 2]])
        op = self.rng.choice(["reduce_sum", "reduce_mean", "reduce_max"])
        keep = self.rng.chance(0.3)
        reduced = tuple(1 if i in axes else d for i, d in enumerate(shape)
                        if keep or i not in axes)
        flat = 1
        for d in reduced[1:]:
            flat *= d
        torch_op = {"reduce_sum": "torch.sum", "reduce_mean": "torch.mean",
                    "reduce_max": "torch.amax"}[op]
        inner = (f"{op}(reshape({h}, shape = [{self.dims(('B',) + shape[1:])}]), "
                 f"axes = [{', '.join(map(str, axes))}]"
                 + (", keepdims = true)" if keep else ")"))
        torch_inner = (f"{torch_op}({h}.reshape({shape}), dim={tuple(axes)}, "
                       f"keepdim={keep})")
        return self.define(f"reshape({inner}, shape = [batch, {flat}])",
                           f"{torch_inner}.reshape({rows}, {flat})",
                           (rows, flat))

    def images(self, h):
        """A dense layer to C*H*W features seen as [batch, C, H, W] images,
        one to three of conv2d (with a bias and sometimes ReLU), max_pool2d
        and avg_pool2d with random windows, flattened back."""
        shape = (self.rng.choice([1, 2, 3]), self.rng.randint(3, 9),
                 self.rng.randint(3, 9))
        flat = self.dense_to(h, shape[0] * shape[1] * shape[2])
        dims = ", ".join(map(str, shape))
        x = self.define(f"reshape({flat}, shape = [batch, {dims}])",
                        f"{flat}.reshape({self.shapes[flat][0]}, {dims})",
                        (self.shapes[flat][0],) + shape)
        for _ in range(self.rng.randint(1, 3)):
            x = self.rng.choice([self.conv, self.conv, self.max_pool,
                                 self.avg_pool])(x)
        rows, channels, height, width = self.shapes[x]
        size = channels * height * width
        return self.define(f"reshape({x}, shape = [batch, {size}])",
                           f"{x}.reshape({rows}, {size})", (rows, size))

    def window(self, x, pool):
        """Kernel, stride, padding and dilation (each a (height, width)
        pair) that fit x's images; dilation 1 when `pool` is avg."""
        _, _, height, width = self.shapes[x]
        for _ in range(20):
            kernel = (self.rng.randint(1, 3), self.rng.randint(1, 3))
            stride = ((self.rng.randint(1, 2), self.rng.randint(1, 2))
                      if not pool else kernel if self.rng.chance(0.5)
                      else (self.rng.randint(1, 2),) * 2)
            dilation = ((1, 1) if pool == "avg" or self.rng.chance(0.7)
                        else (self.rng.randint(1, 2), self.rng.randint(1, 2)))
            most = [k // 2 if pool else 2 for k in kernel]
            padding = tuple(self.rng.randint(0, m) for m in most)
            spans = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
            if (spans[0] <= height + 2 * padding[0]
                    and spans[1] <= width + 2 * padding[1]):
                return kernel, stride, padding, dilation
        return (1, 1), (1, 1), (0, 0), (1, 1)

    def pooled_shape(self, x, out_channels, kernel, stride, padding,
                     dilation):
        rows, _, height, width = self.shapes[x]
        sizes = [(n + 2 * p - (k - 1) * d - 1) // s + 1 for n, k, s, p, d in
                 zip((height, width), kernel, stride, padding, dilation)]
        return (rows, out_channels, sizes[0], sizes[1])

    @staticmethod
    def grad_pair(pair):
        return f"[{pair[0]}, {pair[1]}]"

    def conv(self, x):
        channels = self.shapes[x][1]
        kernel, stride, padding, dilation = self.window(x, None)
        out = self.rng.choice([1, 2, 4])
        w = self.param((out, channels) + kernel)
        b = self.param((out, 1, 1), "normal(0, 0.1)")
        p = self.grad_pair
        g = (f"conv2d({x}, {w}, stride = {p(stride)}, padding = {p(padding)}, "
             f"dilation = {p(dilation)}) + {b}")
        t = (f"F.conv2d({x}, {w}, stride={stride}, padding={padding}, "
             f"dilation={dilation}) + {b}")
        if self.rng.chance(0.5):
            g, t = f"relu({g})", f"torch.relu({t})"
        return self.define(g, t, self.pooled_shape(x, out, kernel, stride,
                                                   padding, dilation))

    def max_pool(self, x):
        if self.rng.chance(0.3):  # ReLU zeros tie within windows
            x = self.define(f"relu({x})", f"torch.relu({x})", self.shapes[x])
        return self.pool2d(x, "max")

    def avg_pool(self, x):
        return self.pool2d(x, "avg")

    def pool2d(self, x, kind):
        """max_pool2d or avg_pool2d (which has no dilation in PyTorch)."""
        kernel, stride, padding, dilation = self.window(x, kind)
        p = self.grad_pair
        dilated = kind == "max"
        g = (f"{kind}_pool2d({x}, kernel = {p(kernel)}, stride = {p(stride)}, "
             f"padding = {p(padding)}"
             + (f", dilation = {p(dilation)})" if dilated else ")"))
        t = (f"F.{kind}_pool2d({x}, {kernel}, {stride}, {padding}"
             + (f", {dilation})" if dilated else ")"))
        return self.define(g, t, self.pooled_shape(
            x, self.shapes[x][1], kernel, stride, padding, dilation))

    def transposed(self, h):
        """transpose to [cols, rows], an elementwise op there, and back."""
        rows, cols = self.shapes[h]
        t = self.define(f"transpose({h})", f"{h}.T", (cols, rows))
        u = self.unary(t)
        return self.define(f"transpose({u})", f"{u}.T", (rows, cols))

    def normalize(self, h):
        op = self.rng.choice(["softmax", "log_softmax"])
        axis = self.rng.choice([-1, 0, 1])
        return self.define(f"{op}({h}, axis = {axis})",
                           f"torch.{op}({h}, dim={axis})", self.shapes[h])

    def gram(self, h):
        """h^T h / rows: a matmul with a transposed left operand."""
        rows, cols = self.shapes[h]
        if cols > 40:
            return self.unary(h)
        g = self.define(f"matmul({h}, {h}, transpose_lhs = true)",
                        f"{h}.T @ {h}", (cols, cols))
        return self.define(f"{h} @ tanh({g})", f"{h} @ torch.tanh({g})",
                           (rows, cols))

    # -- the whole model -------------------------------------------------------
    def build(self):
        features = self.width()
        self.inputs.append(("x", (self.batch, features)))
        self.shapes["x"] = (self.batch, features)
        values = ["x"]
        h = "x"
        if self.rng.chance(0.15):
            # The input rounded to f32 (exact on both sides, so an f64 model
            # still agrees with PyTorch to summation order).
            h = self.define("cast(cast(x, dtype = f32), dtype = DT)",
                            "x.float().to(x.dtype)", self.shapes["x"])
        h = self.dense(h)
        values.append(h)
        for _ in range(self.rng.randint(1, 6)):
            step = self.rng.choice(["dense", "dense", "unary", "unary",
                                    "binary", "scale", "pool", "transposed",
                                    "normalize", "gram", "widened",
                                    "images"])
            if step == "binary":
                same = [v for v in values if self.shapes[v] == self.shapes[h]
                        and v != h]
                h = self.binary(h, self.rng.choice(same)) if same else self.unary(h)
            else:
                h = getattr(self, step)(h)
            values.append(h)
            if self.rng.chance(0.25):
                self.outputs.append(h)
        self.finish(h)

    def finish(self, h):
        rows, cols = self.shapes[h]
        kind = self.rng.choice(["classify", "regress", "reduce"])
        if kind == "classify":
            classes = self.rng.choice([2, 3, 5, 10])
            logits = self.dense_to(h, classes)
            self.labels.append(("y", (self.batch,), classes))
            self.lines.append("label y : i32[batch]")
            self.outputs.append(logits)
            if self.rng.chance(0.25):  # the same loss written out
                picked = (f"one_hot(y, classes = {classes}, dtype = DT)"
                          f" * log_softmax({logits})")
                self.loss(f"reduce_mean(reduce_sum({picked}, axes = [1]))"
                          " * -1",
                          f"-torch.mean(torch.sum(F.one_hot(y, {classes})"
                          f".to({logits}.dtype)"
                          f" * torch.log_softmax({logits}, dim=1), dim=1))")
            else:
                self.loss(f"softmax_cross_entropy({logits}, y)",
                          f"F.cross_entropy({logits}, y)")
        elif kind == "regress":
            self.labels.append(("t", (rows, cols), None))
            self.lines.append(f"label t : DT[batch, {cols}]")
            self.outputs.append(h)
            self.loss(f"mse({h}, t)", f"F.mse_loss({h}, t)")
        else:
            self.loss(f"reduce_mean({h} * {h}) + reduce_sum({h}) * 0.01",
                      f"torch.mean({h} * {h}) + torch.sum({h}) * 0.01")

    def dense_to(self, h, out):
        rows, cols = self.shapes[h]
        w = self.param((cols, out))
        return self.define(f"{h} @ {w}", f"{h} @ {w}", (rows, out))

    def loss(self, grad_expr, torch_expr):
        self.lines.append(f"loss = {grad_expr}")
        self.torch.append(("loss", torch_expr))
        self.optimizer = self.rng.choice(
            ["sgd(lr = 0.1)", "momentum(lr = 0.05)", "adam(lr = 0.01)",
             "rmsprop(lr = 0.01)", "adagrad(lr = 0.1)", "nesterov(lr = 0.05)"])
        self.lines.append(f"optimize loss with {self.optimizer}")

    def source(self, dtype):
        decls = [f"input {n} : DT[batch, {', '.join(map(str, s[1:]))}]"
                 for n, s in self.inputs]
        body = [f"model {self.name}(batch = {self.batch})"] + decls
        body += [line for line in self.lines]
        outputs = [f"output {o}" for o in dict.fromkeys(self.outputs)]
        # Outputs go before the optimize line (any order is valid).
        text = "\n".join(body[:-1] + outputs + body[-1:]) + "\n"
        return text.replace("DT[", dtype + "[").replace("dtype = DT",
                                                        "dtype = " + dtype)


def generate(seed, replay=None):
    """Model `seed`, or the model that replays the decisions `replay`
    (see choices.py) with the data of `seed`."""
    model = Model(Choices(seed, replay), f"r{seed}")
    model.seed = seed
    model.build()
    return model


# -- files ------------------------------------------------------------------------
def reference(model, params, feeds, engine, dtype="f64"):
    """Forward values, loss, gradients and the update of one optimizer
    step, computed by `engine` (torch or numpy_reference) in `dtype`."""
    dtype = {"f64": engine.float64, "f32": engine.float32,
             "extended": getattr(engine, "extended", None)}[dtype]
    env = {"torch": engine, "F": engine.nn.functional}
    leaves = {n: engine.tensor(v, dtype=dtype, requires_grad=True)
              for n, v in params.items()}
    env.update(leaves)
    for name, value in feeds.items():
        tensor = engine.tensor(value)
        env[name] = tensor.to(dtype) if tensor.is_floating_point() else tensor
    for name, expr in model.torch:
        env[name] = eval(expr, env)
    env["loss"].backward()
    # Copies: NumPy views of f64 tensors would follow the step's update.
    forward = {n: env[n].detach().double().numpy().copy()
               for n in model.outputs + ["loss"]}
    grads = {n: t.grad.double().numpy().copy() if t.grad is not None
             else np.zeros(t.shape) for n, t in leaves.items()}
    start = {n: t.detach().double().numpy().copy() for n, t in leaves.items()}
    OPTIMIZERS[model.optimizer](engine.optim, list(leaves.values())).step()
    updates = {n: t.detach().double().numpy() - start[n]
               for n, t in leaves.items()}
    return {"forward": forward, "gradients": grads, "updates": updates}


def largest(tensors):
    return max([float(np.max(np.abs(t))) for t in tensors if np.size(t)] + [0])


class Comparison:
    """Compares results of one dtype with the f64 reference, value by value:
    the error of a tensor is its largest absolute difference over its scale,
    the largest magnitude of the reference tensor, floored (see
    FAMILY_FLOOR and GRADIENT_FLOOR)."""

    def __init__(self, model, exact, dtype, single=None, extended=None):
        """`single` is the reference in f32 and `extended` in extended
        precision (see NOISE_FACTOR); without them, f32 and f64 are judged
        on F32_TOLERANCE and F64_TOLERANCE alone."""
        self.exact, self.dtype = exact, dtype
        self.single, self.extended = single, extended
        loss = max(1.0, abs(float(exact["forward"]["loss"])))
        gradients = exact["gradients"]
        lr = float(model.optimizer.split("=")[1].rstrip(")"))
        flat = largest(gradients.values()) <= FLAT * loss
        floor = (FLAT_FLOOR if flat else GRADIENT_FLOOR)[dtype] * loss
        self.floors = {
            "forward": FAMILY_FLOOR * largest(exact["forward"].values()),
            "gradients": max(FAMILY_FLOOR * largest(gradients.values()),
                             floor),
            # A plain descent's update is lr times the gradient.
            "updates": max(FAMILY_FLOOR * largest(exact["updates"].values()),
                           lr * floor)}
        self.sensitivity = (UPDATE_SENSITIVITY * lr
                            if model.optimizer in ADAPTIVE else 0.0)
        # A first step of descent, momentum or Nesterov moves a parameter by
        # lr (1 + momentum) g at most, so a gradient error e explains 2 lr e.
        self.descent = 2 * lr
        self.problems = []

    def check_update(self, name, start, stepped, got_gradient):
        """The update of parameter `name` (from `start` to `stepped`, both in
        the model's dtype), allowing each element what its gradient's error
        explains (see UPDATE_SENSITIVITY and self.descent) and one unit in the
        last place of the stored parameter: start + update is rounded to the
        parameter's dtype, so updates that differ by less than that (from
        gradients within tolerance) can be stored a whole ulp apart."""
        got = stepped.astype(np.float64) - start.astype(np.float64)
        want = self.exact["gradients"][name]
        error = np.abs(np.reshape(got_gradient, np.shape(want)) - want)
        stored = np.maximum(np.abs(start), np.abs(stepped))
        slack = (self.sensitivity * error / np.maximum(np.abs(want), 1e-300)
                 + self.descent * error + np.spacing(stored).astype(np.float64))

        def unexplained(difference):
            return np.sign(difference) * np.maximum(np.abs(difference) - slack,
                                                    0.0)
        self.check("updates", name, got, unexplained=unexplained)

    def error(self, kind, name, got, unexplained, want=None):
        """The relative error of `got` (from `want`, by default the f64
        reference) and the element where it is largest."""
        if want is None:
            want = self.exact[kind][name]
        got = np.asarray(got, dtype=np.float64).reshape(np.shape(want))
        if not np.size(want):
            return 0.0, 0
        if not np.all(np.isfinite(got)):
            return float("inf"), 0
        scale = max(largest([want]), self.floors[kind], 1e-300)
        difference = np.abs(unexplained(got - want))
        return float(np.max(difference)) / scale, int(np.argmax(difference))

    def check(self, kind, name, got, what=None, unexplained=lambda d: d):
        """Records a problem when `got` differs from the reference by more
        than the tolerance, counting only the part of each element's
        difference that `unexplained` keeps."""
        error, index = self.error(kind, name, got, unexplained)
        if self.dtype == "f32":
            tolerance = F32_TOLERANCE
            if self.single:
                theirs, _ = self.error(kind, name, self.single[kind][name],
                                       unexplained)
                tolerance = max(tolerance, NOISE_FACTOR * theirs)
        else:
            tolerance = F64_TOLERANCE
            if self.extended:
                # PyTorch's error, measured against the extended reference.
                theirs, _ = self.error(kind, name, self.exact[kind][name],
                                       unexplained,
                                       self.extended[kind][name])
                tolerance = max(tolerance, NOISE_FACTOR * theirs)
        if error > tolerance:
            want = self.exact[kind][name]
            got = np.asarray(got, dtype=np.float64).reshape(np.shape(want))
            self.problems.append(
                f"{self.dtype} {what or kind[:-1] + ' ' + name}: relative "
                f"error {error:.3e} > {tolerance:.1e} at element {index} "
                f"(gradc {got.flat[index]!r}, reference {want.flat[index]!r})")


def gradc(tool, *arguments):
    result = subprocess.run([tool, *arguments], capture_output=True,
                            text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"gradc {arguments[0]} failed: {result.stderr}")
    return result.stdout


def check(tool, model, directory, engine, dtypes=DTYPES):
    """Returns the problems found in `model` built for `dtypes` (empty when
    all agree with `engine`), working in `directory`."""
    os.makedirs(directory, exist_ok=True)
    problems = []
    rng = np.random.default_rng(model.seed)
    feeds = {}
    for name, shape in model.inputs:
        feeds[name] = rng.standard_normal(shape)
    for name, shape, classes in model.labels:
        feeds[name] = (rng.integers(0, classes, shape).astype(np.int64)
                       if classes else rng.standard_normal(shape))
    feed_args = []
    for name, value in feeds.items():
        path = os.path.join(directory, name + ".npy")
        np.save(path, value)
        feed_args += ["--input", f"{name}={path}"]
    sources = {}
    for dtype in DTYPES:
        sources[dtype] = os.path.join(directory, f"model_{dtype}.grad")
        with open(sources[dtype], "w") as f:
            f.write(model.source(dtype))
    params_path = os.path.join(directory, "params.safetensors")
    try:
        gradc(tool, "init", sources["f64"], "--seed", str(model.seed),
              "--out", params_path)
        params = read_safetensors(params_path)
        exact = reference(model, params, feeds, engine)
        single = (reference(model, params, feeds, engine, "f32")
                  if "f32" in dtypes else None)
        extended = (reference(model, params, feeds, numpy_reference,
                              "extended")
                    if engine is not numpy_reference else None)
        for dtype in dtypes:
            comparison = Comparison(model, exact, dtype, single, extended)
            out = os.path.join(directory, "out_" + dtype)
            grad_path = os.path.join(directory, f"grads_{dtype}.safetensors")
            stepped = os.path.join(directory, f"stepped_{dtype}.safetensors")
            # One process compiles the three entries into one module, as
            # gradc train does (and starts the compiler once, not three times).
            text = gradc(tool, "run", sources[dtype], "--params", params_path,
                         *feed_args, "--output", out, "--gradients",
                         grad_path, "--step", stepped)
            for name in exact["forward"]:
                comparison.check("forward", name,
                                 np.load(os.path.join(out, name + ".npy")))
            for entry, line in (("gradients", r"^loss (\S+)$"),
                                ("step", r"^step 1 loss (\S+)$")):
                loss = re.search(line, text, re.MULTILINE)[1]
                comparison.check("forward", "loss", float(loss),
                                 entry + "-entry loss")
            gradients = read_safetensors(grad_path)
            for name in exact["gradients"]:
                comparison.check("gradients", name, gradients[name])
            got = read_safetensors(stepped)
            for name, start in params.items():
                start = start.astype(np.float32 if dtype == "f32"
                                     else np.float64)
                comparison.check_update(name, start, got[name],
                                        gradients[name])
            problems += comparison.problems
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        problems.append(str(error))
    return problems


def kind(problem):
    """What went wrong, without the numbers: "f64 gradient w", "gradc grad
    failed"."""
    return re.sub(r"\d+", "", problem.split(":")[0])


def minimize(tool, model, problems, workdir, engine, budget):
    """The smallest model found that fails in one of the ways `model` does,
    with its problems and the number of models tried."""
    kinds = {kind(p) for p in problems}
    # Only the builds that failed, unless something failed in neither.
    dtypes = DTYPES
    if all(k[:3] in DTYPES for k in kinds):
        dtypes = tuple(d for d in DTYPES if any(k[:3] == d for k in kinds))

    def fails(decisions):
        candidate = generate(model.seed, decisions)
        found = check(tool, candidate, os.path.join(workdir, "shrinking"),
                      engine, dtypes)
        return any(kind(p) in kinds for p in found)
    decisions, tried = shrink(model.rng.made, fails, budget)
    smallest = generate(model.seed, decisions)
    found = check(tool, smallest, os.path.join(workdir, smallest.name),
                  engine)
    return smallest, found, tried


def save(target, model, problems, workdir, original):
    """Writes the failing `model`'s files, its problems, its decisions (for
    --replay) and the source of the `original` it was shrunk from."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(os.path.join(workdir, model.name), target)
    with open(os.path.join(target, "problems.txt"), "w") as f:
        f.write("\n".join(problems) + "\n")
    with open(os.path.join(target, "choices.json"), "w") as f:
        json.dump({"seed": model.seed, "decisions": model.rng.made}, f)
    with open(os.path.join(target, "original_f64.grad"), "w") as f:
        f.write(original.source("f64"))


def report(model, problems):
    print(f"model {model.name}: {len(problems)} mismatches "
          f"({len(model.lines)} lines)")
    for problem in problems[:8]:
        print("  " + problem)


def check_all(args, models, workdir, engine):
    """Checks `models` on `args.jobs` threads, reporting each failure as it is
    found and how far the run has come every PROGRESS_EVERY models (a long
    fuzzing run that is stopped still says what it covered). Returns the
    failing models with their problems and the number checked; an interrupt
    (Ctrl-C, or SIGTERM) ends the run early."""
    def check_one(model):
        directory = os.path.join(workdir, model.name)
        problems = check(args.gradc, model, directory, engine)
        if not problems and not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
        return problems

    signal.signal(signal.SIGTERM, signal.default_int_handler)
    failing, checked = [], 0
    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    try:
        for model, problems in zip(models, pool.map(check_one, models)):
            checked += 1
            if problems:
                report(model, problems)
                failing.append((model, problems))
            if checked % PROGRESS_EVERY == 0 and checked < len(models):
                print(f"differential: {checked}/{len(models)} checked, "
                      f"{len(failing)} failed", flush=True)
    except KeyboardInterrupt:
        pass
    pool.shutdown(cancel_futures=True)
    return failing, checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gradc")
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--save", help="folder for the failing models, "
                        "each shrunk to the smallest that fails the same way")
    parser.add_argument("--shrink-budget", type=int, default=300,
                        help="models tried when shrinking one")
    parser.add_argument("--replay", metavar="CHOICES_JSON",
                        help="check the model a saved choices.json builds")
    parser.add_argument("--reference", choices=["torch", "numpy"],
                        default="torch",
                        help="PyTorch where installed (the default), or "
                        "numpy_reference.py")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder")
    args = parser.parse_args()
    engine = torch if torch and args.reference == "torch" else numpy_reference
    if engine is not torch:
        print("differential: against numpy_reference.py"
              + ("" if torch else " (python3-torch is not installed)"))
    engine.set_num_threads(1)
    workdir = tempfile.mkdtemp(prefix="gradc-differential-")
    if args.replay:
        with open(args.replay) as f:
            recorded = json.load(f)
        models = [generate(recorded["seed"], recorded["decisions"])]
    else:
        models = [generate(s) for s in range(args.first,
                                             args.first + args.count)]
    failing, checked = check_all(args, models, workdir, engine)
    if checked < len(models):
        print(f"differential: interrupted after {checked} of {len(models)} "
              f"models: {checked - len(failing)} passed, {len(failing)} "
              "failed (unshrunk, unsaved)")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        return 130
    for model, problems in failing if args.save else []:
        smallest, found, tried = minimize(args.gradc, model, problems, workdir,
                                          engine, args.shrink_budget)
        print(f"shrunk {model.name} from {len(model.lines)} lines to "
              f"{len(smallest.lines)} ({tried} models tried):")
        report(smallest, found)
        save(os.path.join(args.save, model.name), smallest, found, workdir,
             model)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    what = (args.replay if args.replay else
            f"seeds {args.first}..{args.first + args.count - 1}")
    print(f"differential: {len(models) - len(failing)} passed, "
          f"{len(failing)} failed ({what})")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
