#!/usr/bin/python3
"""gradc's training step against PyTorch and a hand-written Eigen step, and
its CNNs against PyTorch's.

Runs every contender on every model in each round, alternating them so that
machine noise hits all alike, and reports the median over rounds of each
contender's median step time, with ratios. Not a test: no thresholds here.

Usage: bench.py BUILD_DIR MODELS_DIR [--rounds N]
"""
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

MODELS = [  # name, batch, layer sizes, steps per measurement
    ("mlp_big", 100, [784, 1000, 1000, 10], 30),
    ("mlp_fmnist", 100, [784, 200, 200, 10], 100),
    ("mlp_small", 32, [784, 128, 10], 300),
]


def measure(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, **(env or {})})
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    values = dict(re.findall(r"^(\w+) ([\d.]+)$", result.stdout, re.M))
    return {k: float(v) for k, v in values.items()}


def main():
    build, models = Path(sys.argv[1]), Path(sys.argv[2])
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    gradc = str(build / "compiler" / "gradc")
    eigen = str(build / "test" / "eigen_step")
    torch = str(Path(__file__).parent / "bench_torch.py")
    contenders = {
        "gradc": lambda m, b, s, n: [gradc, "bench", str(models / f"{m}.grad"),
                                     "--steps", str(n)],
        "gradc 1 thread": lambda m, b, s, n: [gradc, "bench", str(models / f"{m}.grad"),
                                              "--steps", str(n), "--threads", "1"],
        "torch": lambda m, b, s, n: ["/usr/bin/python3", torch, str(b),
                                     *map(str, s), "--steps", str(n)],
        "torch passive": lambda m, b, s, n: ["/usr/bin/python3", torch, str(b),
                                             *map(str, s), "--steps", str(n)],
        "eigen": lambda m, b, s, n: [eigen, str(b), *map(str, s), "--steps", str(n)],
    }
    environments = {"torch passive": {"OMP_WAIT_POLICY": "PASSIVE"}}
    times = {(m, c): [] for m, *_ in MODELS for c in contenders}
    compile_ms = {m: [] for m, *_ in MODELS}
    for round_ in range(rounds):
        print(f"round {round_ + 1}/{rounds}", file=sys.stderr)
        for name, batch, sizes, steps in MODELS:
            for contender, command in contenders.items():
                values = measure(command(name, batch, sizes, steps),
                                 environments.get(contender))
                times[name, contender].append(values["step_ms_median"])
                if contender == "gradc":
                    compile_ms[name].append(values["compile_ms"])

    arenas = {}
    for name, *_ in MODELS:
        report = subprocess.run([gradc, "dump", str(models / f"{name}.grad"), "--memory"],
                                capture_output=True, text=True, check=True).stdout
        step = report[report.index(f"== {name}_step"):]
        arenas[name] = re.search(r"arena (\d+) bytes; every buffer apart: (\d+) bytes",
                                 step).groups()

    print(f"median ms per training step (forward + backward + SGD update), "
          f"{rounds} rounds, 2 threads unless noted")
    header = ["model"] + list(contenders) + ["vs best torch", "vs eigen", "compile ms",
                                             "arena bytes", "naive bytes"]
    print("  ".join(f"{h:>14}" for h in header))
    for name, *_ in MODELS:
        median = {c: statistics.median(times[name, c]) for c in contenders}
        best_gradc = min(median["gradc"], median["gradc 1 thread"])
        best_torch = min(median["torch"], median["torch passive"])
        row = [name] + [f"{median[c]:.3f}" for c in contenders]
        row += [f"{best_gradc / best_torch:.2f}x", f"{best_gradc / median['eigen']:.2f}x",
                f"{statistics.median(compile_ms[name]):.0f}", *arenas[name]]
        print("  ".join(f"{cell:>14}" for cell in row))

    convolutional(gradc, models, build, rounds)


CNNS = [  # name, steps per measurement, warm-up steps
    ("lenet5", 100, 10),
    ("cnn_fmnist", 30, 5),
    ("resnet_small", 20, 3),
    ("vgg16", 3, 1),
]


def convolutional(gradc, models, build, rounds):
    """The CNNs against the same networks in PyTorch (bench_torch_cnn.py,
    oneDNN convolutions), with each step's GFLOP/s beside the FMA peak."""
    torch = str(Path(__file__).parent / "bench_torch_cnn.py")
    peak = measure([str(build / "test" / "fma_peak")])["fma_peak_gflops"]
    times = {(m, c): [] for m, *_ in CNNS for c in ("gradc", "torch")}
    compile_ms, gflop = {m: [] for m, *_ in CNNS}, {}
    for round_ in range(rounds):
        print(f"CNN round {round_ + 1}/{rounds}", file=sys.stderr)
        for name, steps, warmup in CNNS:
            values = measure([gradc, "bench", str(models / f"{name}.grad"),
                              "--steps", str(steps), "--warmup", str(warmup)])
            times[name, "gradc"].append(values["step_ms_median"])
            compile_ms[name].append(values["compile_ms"])
            values = measure(["/usr/bin/python3", torch, name, "--steps",
                              str(steps)])
            times[name, "torch"].append(values["step_ms_median"])
            gflop[name] = values["step_gflop"]
    print(f"\nmedian ms per CNN training step, {rounds} rounds, 2 threads; "
          f"FMA peak {peak:.0f} GFLOP/s (fma_peak, all cores)")
    header = ["model", "gradc", "torch", "vs torch", "gradc GFLOP/s",
              "of peak", "compile ms"]
    print("  ".join(f"{h:>14}" for h in header))
    for name, *_ in CNNS:
        gradc_ms = statistics.median(times[name, "gradc"])
        torch_ms = statistics.median(times[name, "torch"])
        rate = gflop[name] / (gradc_ms / 1000)
        row = [name, f"{gradc_ms:.2f}", f"{torch_ms:.2f}",
               f"{gradc_ms / torch_ms:.2f}x", f"{rate:.0f}",
               f"{rate / peak:.0%}", f"{statistics.median(compile_ms[name]):.0f}"]
        print("  ".join(f"{cell:>14}" for cell in row))


if __name__ == "__main__":
    main()
