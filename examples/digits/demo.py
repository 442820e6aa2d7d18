#!/usr/bin/env python3
"""bq demo: quantize, compile and run two trained digit classifiers.

For the MLP (64-128-64-10) and the small CNN trained on scikit-learn's
handwritten digits (examples/digits/train.py; weights and a fixed test
split of 360 images are committed), the demo compiles the float model and,
through `bq-quantize-linalg` + `bq-cpu-pipeline`, every combination of
method (uniform, exact, mean) and bit widths (W1A8, W2A8, W2A2, W3A3,
W4A4); runs each on the test split with bq's compiled code (MLIR
ExecutionEngine); checks its predictions against bq.reference's numpy
computation of the same quantized model; and prints accuracy, packed weight
size, the entropy of the weight codes and the latency of one batch.

Usage: demo.py [--build-dir build] [--out DIR] [--reps N] [--quick]
Writes DIR/results.json and DIR/accuracy.png (DIR: <build-dir>/demo).
--quick runs only the MLP at W2A8 and W2A2 (the test suite's smoke run).
"""

import argparse
import json
import pathlib
import sys
import time

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]

def _build_dir():
    for i, arg in enumerate(sys.argv):
        if arg == "--build-dir" and i + 1 < len(sys.argv):
            return pathlib.Path(sys.argv[i + 1]).resolve()
        if arg.startswith("--build-dir="):
            return pathlib.Path(arg.split("=", 1)[1]).resolve()
    return ROOT / "build"


sys.path[:0] = [str(ROOT / "python"), str(_build_dir() / "python"),
                str(HERE)]

import bq  # noqa: E402
from models import cnn_from, mlp_from, weight_matrices  # noqa: E402

METHODS = ["uniform", "exact", "mean"]
BITS = [(1, 8), (2, 8), (2, 2), (3, 3), (4, 4)]


def latency_ms(module, x, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        module.invoke("forward", x)
        times.append(time.perf_counter() - start)
    return 1e3 * sorted(times)[len(times) // 2]


def weight_summary(net, bits, method):
    """Packed bytes (codes + per-tensor alpha, beta) and the mean entropy of
    the codes over the quantized layers, by bq's C++ quantizer."""
    total_bytes, entropies = 0, []
    for w in weight_matrices(net):
        codes, alpha, beta = bq.quantize(w, bits, method)
        entropies.append(bq.stats(w, codes, alpha, beta, bits)
                         ["entropy_bits"][0])
        total_bytes += (w.size * bits + 7) // 8 + 8
    return total_bytes, float(np.mean(entropies))


def agree(pred, reference_logits):
    """Predictions equal the reference's, except where the reference itself
    is a tie within float rounding."""
    ref_pred = reference_logits.argmax(1)
    top2 = np.sort(reference_logits, axis=1)[:, -2:]
    tie = (top2[:, 1] - top2[:, 0]) < 1e-4
    return int(np.sum((pred == ref_pred) | tie)), int(np.sum(pred == ref_pred))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    out = pathlib.Path(args.out or pathlib.Path(args.build_dir) / "demo")
    out.mkdir(parents=True, exist_ok=True)

    split = np.load(HERE / "test_split.npz")
    x, y = split["x"], split["y"]
    models = {
        "mlp": (mlp_from(np.load(HERE / "mlp.npz")), x, (64,)),
        "cnn": (cnn_from(np.load(HERE / "cnn.npz")),
                x.reshape(-1, 1, 8, 8), (1, 8, 8)),
    }
    methods, bits_list = METHODS, BITS
    if args.quick:
        models = {"mlp": models["mlp"]}
        methods, bits_list = ["uniform", "exact"], [(2, 8), (2, 2)]
    total = len(models) * (1 + len(methods) * len(bits_list))
    print(f"bq demo: {len(y)} test digits, {total} compiled variants "
          f"({len(models)} models x float + {len(methods)} methods x "
          f"{len(bits_list)} bit widths)", flush=True)

    results = {"float_accuracy": {}, "runs": []}
    step = 0
    failures = []
    for name, (net, inputs, shape) in models.items():
        text = (HERE / f"{name}.mlir").read_text()
        step += 1
        module = bq.compile(text, "bq-cpu-pipeline")
        acc = float((module.invoke("forward", inputs).argmax(1) == y).mean())
        float_bytes = sum(4 * w.size for w in weight_matrices(net))
        lat = latency_ms(module, inputs, args.reps)
        results["float_accuracy"][name] = acc
        results["runs"].append(dict(
            model=name, method="float", weight_bits=32, act_bits=32,
            accuracy=acc, reference_accuracy=float(
                (net.forward(inputs).argmax(1) == y).mean()),
            weight_bytes=float_bytes, entropy_bits=None, latency_ms=lat))
        print(f"  [{step:2}/{total}] {name} float: {100 * acc:.1f}% "
              f"({lat:.2f} ms/batch)", flush=True)
        for method in methods:
            for wbits, abits in bits_list:
                step += 1
                pipeline = (f"bq-quantize-linalg{{weight-bits={wbits} "
                            f"act-bits={abits} method={method}}},"
                            "bq-cpu-pipeline")
                module = bq.compile(text, pipeline)
                logits = module.invoke("forward", inputs)
                pred = logits.argmax(1)
                ref_logits = bq.model.reference_forward(
                    net, inputs, wbits, abits, method)
                agreeing, exact = agree(pred, ref_logits)
                if agreeing != len(y):
                    failures.append(f"{name} {method} W{wbits}A{abits}: "
                                    f"{len(y) - agreeing} predictions differ")
                nbytes, entropy = weight_summary(net, wbits, method)
                run = dict(
                    model=name, method=method, weight_bits=wbits,
                    act_bits=abits, accuracy=float((pred == y).mean()),
                    reference_accuracy=float(
                        (ref_logits.argmax(1) == y).mean()),
                    weight_bytes=nbytes, entropy_bits=entropy,
                    latency_ms=latency_ms(module, inputs, args.reps),
                    predictions_equal_reference=exact)
                results["runs"].append(run)
                print(f"  [{step:2}/{total}] {name} {method:7} "
                      f"W{wbits}A{abits}: {100 * run['accuracy']:5.1f}% "
                      f"(reference {100 * run['reference_accuracy']:.1f}%, "
                      f"{exact}/{len(y)} predictions equal)", flush=True)

    print_table(results)
    (out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\nresults: {out / 'results.json'}")
    if not args.quick:
        plot(results, out / "accuracy.png")
    if failures:
        sys.exit("demo: compiled predictions differ from bq.reference:\n  " +
                 "\n  ".join(failures))


def print_table(results):
    print(f"\n{'model':5} {'method':8} {'bits':6} {'accuracy':>9} "
          f"{'reference':>9} {'weight bytes':>13} {'entropy':>8} "
          f"{'ms/batch':>9}")
    for r in results["runs"]:
        bits = ("f32" if r["method"] == "float"
                else f"W{r['weight_bits']}A{r['act_bits']}")
        entropy = ("-" if r["entropy_bits"] is None
                   else f"{r['entropy_bits']:.2f}")
        print(f"{r['model']:5} {r['method']:8} {bits:6} "
              f"{100 * r['accuracy']:8.1f}% {100 * r['reference_accuracy']:8.1f}% "
              f"{r['weight_bytes']:13,} {entropy:>8} {r['latency_ms']:9.2f}")


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (scripts/install-deps.sh "
              "--demo installs it)")
        return
    labels = [f"W{w}A{a}" for w, a in BITS]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, name in zip(axes, ["mlp", "cnn"]):
        for method, marker in zip(METHODS, "osD"):
            acc = [100 * next(r["accuracy"] for r in results["runs"]
                              if r["model"] == name and r["method"] == method
                              and (r["weight_bits"], r["act_bits"]) == wa)
                   for wa in BITS]
            ax.plot(labels, acc, marker=marker, label=method)
        ax.axhline(100 * results["float_accuracy"][name], color="gray",
                   linestyle="--", label="float")
        ax.set_title(f"{name}: test accuracy, compiled by bq")
        ax.set_xlabel("weight / activation bits")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("accuracy (%)")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"plot: {path}")


if __name__ == "__main__":
    main()
