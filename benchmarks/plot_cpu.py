#!/usr/bin/env python3
"""Plots cpu-matmul-bench's CSV: GOPS per kernel, one panel per shape, with
the popcount roofline of each bit width drawn as a tick.

Usage: plot_cpu.py results.csv out.png
"""

import csv
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    shapes = list(dict.fromkeys(r["shape"] for r in rows))
    fig, axes = plt.subplots(1, len(shapes), figsize=(6 * len(shapes), 5),
                             squeeze=False)
    for ax, shape in zip(axes[0], shapes):
        subset = [r for r in rows if r["shape"] == shape]
        names = [r["kernel"] for r in subset]
        gops = [float(r["gops"]) for r in subset]
        colors = ["tab:gray" if not n.startswith("bq") else
                  ("tab:blue" if "kernel" in n else "tab:orange")
                  for n in names]
        bars = ax.barh(range(len(names)), gops, color=colors)
        for i, r in enumerate(subset):
            m = re.match(r"bq W(\d)A(\d)", r["kernel"])
            if m:
                roof = float(r["roofline_gops_w1a1"]) / (int(m[1]) * int(m[2]))
                ax.plot([roof, roof], [i - 0.4, i + 0.4], color="black")
        ax.bar_label(bars, fmt="%.0f", padding=2)
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("GOPS (2*M*N*K / s), log scale; | = popcount roofline")
        ax.set_title(f"M x N x K = {shape}")
    fig.suptitle("bq CPU kernels vs OpenBLAS sgemm and MLIR f32 (1 thread)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=100)
    print(f"wrote {sys.argv[2]}")


if __name__ == "__main__":
    main()
