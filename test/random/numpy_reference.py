"""The reference the random tester falls back on where PyTorch is not
installed: reverse-mode differentiation over NumPy, written for the test.

It implements the part of PyTorch's API that differential.py's expressions
and reference() use, with PyTorch's semantics (broadcasting, dtypes,
gradients split evenly among the tied maxima of amax, the optimizers'
update rules), so one expression evaluates with either. A value records the
operands it was computed from and, for each, how to carry a gradient back.
"""
from types import SimpleNamespace

import numpy as np

float64, float32 = np.dtype(np.float64), np.dtype(np.float32)
# x87 extended precision (64-bit significand) where the platform has it: how
# far an f64 result is from the exact one (see differential.py).
extended = np.dtype(np.longdouble)


class Tensor:
    def __init__(self, value, operands=(), requires_grad=False):
        self.value = np.asarray(value)
        # (operand, function from this value's gradient to the operand's)
        self.operands = operands
        self.requires_grad = requires_grad or any(
            o.requires_grad for o, _ in operands)
        self.grad = None

    # -- what reference() reads ------------------------------------------------
    @property
    def dtype(self):
        return self.value.dtype

    @property
    def shape(self):
        return self.value.shape

    def is_floating_point(self):
        return self.value.dtype.kind == "f"

    def detach(self):
        return Tensor(self.value)

    def numpy(self):
        return self.value

    def backward(self):
        order, seen = [], set()

        def visit(tensor):
            if id(tensor) in seen or not tensor.requires_grad:
                return
            seen.add(id(tensor))
            for operand, _ in tensor.operands:
                visit(operand)
            order.append(tensor)
        visit(self)
        gradients = {id(self): np.ones_like(self.value)}
        for tensor in reversed(order):
            gradient = gradients.pop(id(tensor), None)
            if gradient is None:
                continue
            if not tensor.operands:
                tensor.grad = Tensor(gradient)
            for operand, vjp in tensor.operands:
                if operand.requires_grad:
                    # A gradient has its value's dtype, as in PyTorch.
                    contribution = vjp(gradient).astype(operand.dtype,
                                                        copy=False)
                    key = id(operand)
                    gradients[key] = (contribution if key not in gradients
                                      else gradients[key] + contribution)

    # -- casts and shapes ------------------------------------------------------
    def to(self, dtype):
        source = self.value.dtype
        if self.value.dtype.kind == "b":
            return Tensor(self.value.astype(dtype))
        return Tensor(self.value.astype(dtype),
                      [(self, lambda g: g.astype(source))])

    def double(self):
        return self.to(float64)

    def float(self):
        return self.to(float32)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 else shape
        source = self.shape
        return Tensor(self.value.reshape(shape),
                      [(self, lambda g: g.reshape(source))])

    @property
    def T(self):
        return Tensor(self.value.T, [(self, lambda g: g.T)])

    # -- arithmetic ------------------------------------------------------------
    def __add__(self, other):
        a, b = self, lift(other, self)
        return Tensor(a.value + b.value, [(a, lambda g: fit(g, a)),
                                          (b, lambda g: fit(g, b))])

    def __sub__(self, other):
        a, b = self, lift(other, self)
        return Tensor(a.value - b.value, [(a, lambda g: fit(g, a)),
                                          (b, lambda g: fit(-g, b))])

    def __mul__(self, other):
        a, b = self, lift(other, self)
        return Tensor(a.value * b.value,
                      [(a, lambda g: fit(g * b.value, a)),
                       (b, lambda g: fit(g * a.value, b))])

    def __truediv__(self, other):
        a, b = self, lift(other, self)
        return Tensor(a.value / b.value,
                      [(a, lambda g: fit(g / b.value, a)),
                       (b, lambda g: fit(-g * a.value / (b.value * b.value),
                                         b))])

    def __rmul__(self, other):
        return lift(other, self) * self

    def __neg__(self):
        return Tensor(-self.value, [(self, lambda g: -g)])

    def __matmul__(self, other):
        a, b = self, other
        return Tensor(a.value @ b.value, [(a, lambda g: g @ b.value.T),
                                          (b, lambda g: a.value.T @ g)])

    def __gt__(self, other):
        return Tensor(self.value > lift(other, self).value)


def lift(value, like):
    """A Python number as a constant of `like`'s dtype, as PyTorch treats
    scalars; tensors as they are."""
    if isinstance(value, Tensor):
        return value
    return Tensor(np.asarray(value, dtype=like.dtype))


def fit(gradient, operand):
    """A broadcast result's gradient summed back to `operand`'s shape."""
    shape = operand.shape
    while gradient.ndim > len(shape):
        gradient = gradient.sum(axis=0)
    axes = tuple(i for i, d in enumerate(shape) if d == 1
                 and gradient.shape[i] != 1)
    return gradient.sum(axis=axes, keepdims=True) if axes else gradient


def tensor(value, dtype=None, requires_grad=False):
    value = np.array(value, dtype=dtype)
    return Tensor(value, requires_grad=requires_grad)


# -- elementwise -------------------------------------------------------------
def relu(x):
    return Tensor(np.maximum(x.value, 0).astype(x.dtype),
                  [(x, lambda g: g * (x.value > 0))])


def tanh(x):
    y = np.tanh(x.value)
    return Tensor(y, [(x, lambda g: g * (1 - y * y))])


def sigmoid(x):
    with np.errstate(over="ignore"):  # exp(-x) = inf gives 0, as it should
        y = 1 / (1 + np.exp(-x.value))
    return Tensor(y, [(x, lambda g: g * y * (1 - y))])


def exp(x):
    y = np.exp(x.value)
    return Tensor(y, [(x, lambda g: g * y)])


def log(x):
    return Tensor(np.log(x.value), [(x, lambda g: g / x.value)])


def sqrt(x):
    y = np.sqrt(x.value)
    return Tensor(y, [(x, lambda g: g / (2 * y))])


# -- reductions --------------------------------------------------------------
def axes_of(x, dim):
    if dim is None:
        return tuple(range(x.value.ndim))
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(sorted(d % x.value.ndim for d in dims))


def spread(g, x, axes, keepdim):
    """A reduction's gradient `g` broadcast back over `x`'s shape."""
    if not keepdim:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, x.shape)


def sum(x, dim=None, keepdim=False):
    axes = axes_of(x, dim)
    return Tensor(x.value.sum(axis=axes, keepdims=keepdim),
                  [(x, lambda g: spread(g, x, axes, keepdim))])


def mean(x, dim=None, keepdim=False):
    axes = axes_of(x, dim)
    count = int(np.prod([x.shape[a] for a in axes]))
    return Tensor(x.value.mean(axis=axes, keepdims=keepdim),
                  [(x, lambda g: spread(g, x, axes, keepdim) / count)])


def amax(x, dim=None, keepdim=False):
    """The maxima; like torch.amax, ties share the gradient evenly."""
    axes = axes_of(x, dim)
    y = x.value.max(axis=axes, keepdims=True)
    ties = x.value == y
    share = ties / ties.sum(axis=axes, keepdims=True)
    return Tensor(y if keepdim else np.squeeze(y, axes),
                  [(x, lambda g: spread(g, x, axes, keepdim) * share)])


def softmax(x, dim):
    shifted = x.value - x.value.max(axis=dim, keepdims=True)
    y = np.exp(shifted)
    y /= y.sum(axis=dim, keepdims=True)
    return Tensor(y, [(x, lambda g: y * (g - (g * y).sum(axis=dim,
                                                        keepdims=True)))])


def log_softmax(x, dim):
    shifted = x.value - x.value.max(axis=dim, keepdims=True)
    y = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return Tensor(y, [(x, lambda g: g - np.exp(y) * g.sum(axis=dim,
                                                          keepdims=True))])


# -- convolution and pooling over NCHW images --------------------------------
def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


class Windows:
    """The windows of [N, C, H, W] images as [N, C, Ho, Wo, kh, kw], as
    torch.nn.functional.unfold takes them, and the adjoint that sums window
    gradients back into the images."""

    def __init__(self, shape, kernel, stride, padding, dilation):
        (self.kh, self.kw), (sh, sw) = pair(kernel), pair(stride)
        (self.ph, self.pw), (dh, dw) = pair(padding), pair(dilation)
        n, c, self.h, self.w = shape
        ho = (self.h + 2 * self.ph - (self.kh - 1) * dh - 1) // sh + 1
        wo = (self.w + 2 * self.pw - (self.kw - 1) * dw - 1) // sw + 1
        rows = np.arange(ho)[:, None] * sh + np.arange(self.kh)[None, :] * dh
        cols = np.arange(wo)[:, None] * sw + np.arange(self.kw)[None, :] * dw
        self.index = (slice(None), slice(None), rows[:, None, :, None],
                      cols[None, :, None, :])
        self.padded = (n, c, self.h + 2 * self.ph, self.w + 2 * self.pw)

    def of(self, images, fill):
        padded = np.full(self.padded, fill, dtype=images.dtype)
        padded[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w] = images
        return padded[self.index]

    def adjoint(self, windows):
        padded = np.zeros(self.padded, dtype=windows.dtype)
        np.add.at(padded, self.index, windows)
        return padded[:, :, self.ph:self.ph + self.h, self.pw:self.pw + self.w]


def conv2d(x, weight, stride=1, padding=0, dilation=1):
    windows = Windows(x.shape, weight.shape[2:], stride, padding, dilation)
    patches = windows.of(x.value, 0)
    w = weight.value
    y = np.einsum("nchwij,ocij->nohw", patches, w)
    return Tensor(y, [
        (x, lambda g: windows.adjoint(np.einsum("nohw,ocij->nchwij", g, w))),
        (weight, lambda g: np.einsum("nohw,nchwij->ocij", g, patches))])


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """Each window's maximum; the gradient goes to its first maximum."""
    windows = Windows(x.shape, kernel_size, stride or kernel_size, padding,
                      dilation)
    patches = windows.of(x.value, -np.inf)
    flat = patches.reshape(patches.shape[:4] + (-1,))
    first = flat.argmax(axis=-1)[..., None]
    chosen = np.arange(flat.shape[-1]) == first

    def backward(g):
        routed = (chosen * g[..., None]).astype(g.dtype)
        return windows.adjoint(routed.reshape(patches.shape))
    return Tensor(flat.max(axis=-1), [(x, backward)])


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Each window's mean, padding counted (count_include_pad)."""
    windows = Windows(x.shape, kernel_size, stride or kernel_size, padding, 1)
    patches = windows.of(x.value, 0)
    count = windows.kh * windows.kw

    def backward(g):
        spread = np.broadcast_to(g[..., None, None] / count, patches.shape)
        return windows.adjoint(np.ascontiguousarray(spread))
    return Tensor(patches.mean(axis=(4, 5)), [(x, backward)])


# -- losses ------------------------------------------------------------------
def one_hot(labels, num_classes):
    """As torch's: integer rows, no gradient."""
    rows = np.zeros((len(labels.value), num_classes), dtype=np.int64)
    rows[np.arange(len(labels.value)), labels.value] = 1
    return Tensor(rows)


def cross_entropy(logits, labels):
    chosen = Tensor(one_hot(labels, logits.shape[1]).value.astype(logits.dtype))
    return -sum(log_softmax(logits, 1) * chosen) / len(labels.value)


def mse_loss(prediction, target):
    difference = prediction - target
    return mean(difference * difference)


nn = SimpleNamespace(functional=SimpleNamespace(
    cross_entropy=cross_entropy, mse_loss=mse_loss, one_hot=one_hot,
    conv2d=conv2d, max_pool2d=max_pool2d, avg_pool2d=avg_pool2d))


# -- optimizers, as torch.optim's step rules ----------------------------------
class Optimizer:
    def __init__(self, params, **options):
        self.params = list(params)
        self.options = options
        self.state = [{} for _ in self.params]
        self.steps = 0

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        self.steps += 1
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                p.value = p.value - self.update(p.grad.value, state)


class SGD(Optimizer):
    def update(self, g, state):
        lr, momentum = self.options["lr"], self.options.get("momentum", 0)
        if not momentum:
            return lr * g
        state["buffer"] = (g if "buffer" not in state
                           else momentum * state["buffer"] + g)
        if self.options.get("nesterov"):
            return lr * (g + momentum * state["buffer"])
        return lr * state["buffer"]


class Adagrad(Optimizer):
    def update(self, g, state):
        state["sum"] = state.get("sum", 0) + g * g
        return self.options["lr"] * g / (np.sqrt(state["sum"])
                                         + self.options["eps"])


class RMSprop(Optimizer):
    def update(self, g, state):
        alpha = self.options["alpha"]
        state["v"] = alpha * state.get("v", 0) + (1 - alpha) * g * g
        return self.options["lr"] * g / (np.sqrt(state["v"])
                                         + self.options["eps"])


class Adam(Optimizer):
    def update(self, g, state, beta1=0.9, beta2=0.999, eps=1e-8):
        state["m"] = beta1 * state.get("m", 0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0) + (1 - beta2) * g * g
        # In Python floats (f64) whatever the parameters' type, as PyTorch.
        correction1 = 1 - beta1 ** self.steps
        correction2 = (1 - beta2 ** self.steps) ** 0.5
        step = self.options["lr"] / correction1
        return step * state["m"] / (np.sqrt(state["v"]) / correction2 + eps)


optim = SimpleNamespace(SGD=SGD, Adagrad=Adagrad, RMSprop=RMSprop, Adam=Adam)


def set_num_threads(count):
    """NumPy's own threads do not change its results."""
