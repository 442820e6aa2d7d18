#!/usr/bin/env python3
"""Train the demo's float models on scikit-learn's handwritten digits and
export them (run by `make demo RETRAIN=1`; the outputs are committed).

- MLP 64-128-64-10 (ReLU), scikit-learn's MLPClassifier (Adam).
- CNN: conv 3x3 1->8 (pad 1), ReLU, max-pool 2, conv 3x3 8->16 (pad 1),
  ReLU, max-pool 2, flatten 64, linear 64->10; trained here in numpy (Adam,
  softmax cross-entropy), so no deep-learning framework is needed.

Writes, next to this file: mlp.npz, cnn.npz (weights in PyTorch layouts),
mlp.mlir, cnn.mlir (linalg on tensors, via bq.model) and test_split.npz (a
fixed 20% test split: 360 images, pixels scaled to [0, 1]).
"""

import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[1] / "python"), str(HERE)]

from bq import model as bqm  # noqa: E402
from models import cnn_from, mlp_from  # noqa: E402


def load_split(seed=0):
    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(y))
    test = order[:360]
    train = order[360:]
    return x[train], y[train], x[test], y[test]


def train_mlp(x, y):
    from sklearn.neural_network import MLPClassifier
    clf = MLPClassifier(hidden_layer_sizes=(128, 64), activation="relu",
                        solver="adam", alpha=1e-4, max_iter=400,
                        random_state=0)
    clf.fit(x, y)
    layers = []
    for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        layers.append(bqm.Linear(w.T, b))
        if i + 1 < len(clf.coefs_):
            layers.append(bqm.ReLU())
    return bqm.Sequential(layers)


# ----------------------------------------------------------------------------
# A small numpy CNN trainer (im2col convolutions)
# ----------------------------------------------------------------------------

def col2im(cols, shape, kh, kw):
    n, c, h, w = shape
    out = np.zeros(shape, dtype=np.float32)
    cols = cols.reshape(n, h - kh + 1, w - kw + 1, c, kh, kw)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i:i + h - kh + 1, j:j + w - kw + 1] += \
                cols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return out


class Conv:
    def __init__(self, rng, c, f):
        self.w = (rng.normal(size=(f, c, 3, 3)) * np.sqrt(2 / (9 * c))
                  ).astype(np.float32)
        self.b = np.zeros(f, np.float32)

    def forward(self, x):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        self.xp_shape = xp.shape
        self.cols, (n, h, w) = bqm._im2col_nchw(xp, 3, 3, 1, 1)
        out = self.cols @ self.w.reshape(len(self.b), -1).T + self.b
        return out.reshape(n, h, w, -1).transpose(0, 3, 1, 2)

    def backward(self, dout):
        f = len(self.b)
        d2 = dout.transpose(0, 2, 3, 1).reshape(-1, f)
        self.dw = (d2.T @ self.cols).reshape(self.w.shape)
        self.db = d2.sum(0)
        dcols = d2 @ self.w.reshape(f, -1)
        dxp = col2im(dcols, self.xp_shape, 3, 3)
        return dxp[:, :, 1:-1, 1:-1]

    def params(self):
        return [(self.w, "dw"), (self.b, "db")]


class Dense:
    def __init__(self, rng, k, n):
        self.w = (rng.normal(size=(n, k)) * np.sqrt(2 / k)).astype(np.float32)
        self.b = np.zeros(n, np.float32)

    def forward(self, x):
        self.x = x
        return x @ self.w.T + self.b

    def backward(self, dout):
        self.dw = dout.T @ self.x
        self.db = dout.sum(0)
        return dout @ self.w

    def params(self):
        return [(self.w, "dw"), (self.b, "db")]


class Relu:
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask

    def params(self):
        return []


class Pool:
    def forward(self, x):
        n, c, h, w = x.shape
        blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
        out = blocks.max(axis=(3, 5))
        self.mask = blocks == out[:, :, :, None, :, None]
        self.shape = x.shape
        return out

    def backward(self, dout):
        # Ties share the gradient.
        counts = self.mask.sum(axis=(3, 5), keepdims=True)
        d = self.mask * dout[:, :, :, None, :, None] / counts
        return d.reshape(self.shape)

    def params(self):
        return []


class Flat:
    def forward(self, x):
        self.shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.shape)

    def params(self):
        return []


def train_cnn(x, y, epochs=60, seed=0):
    rng = np.random.default_rng(seed)
    conv1, conv2 = Conv(rng, 1, 8), Conv(rng, 8, 16)
    dense = Dense(rng, 64, 10)
    net = [conv1, Relu(), Pool(), conv2, Relu(), Pool(), Flat(), dense]
    params = [(layer, p, g) for layer in net for p, g in layer.params()]
    m = [np.zeros_like(p) for _, p, _ in params]
    v = [np.zeros_like(p) for _, p, _ in params]
    lr, b1, b2, step = 2e-3, 0.9, 0.999, 0
    images = x.reshape(-1, 1, 8, 8)
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), 64):
            idx = order[start:start + 64]
            out = images[idx]
            for layer in net:
                out = layer.forward(out)
            logits = out - out.max(1, keepdims=True)
            prob = np.exp(logits)
            prob /= prob.sum(1, keepdims=True)
            grad = prob
            grad[np.arange(len(idx)), y[idx]] -= 1
            grad /= len(idx)
            for layer in reversed(net):
                grad = layer.backward(grad)
            step += 1
            for i, (layer, p, g) in enumerate(params):
                gp = getattr(layer, g) + 1e-4 * p
                m[i] = b1 * m[i] + (1 - b1) * gp
                v[i] = b2 * v[i] + (1 - b2) * gp * gp
                mh = m[i] / (1 - b1 ** step)
                vh = v[i] / (1 - b2 ** step)
                p -= (lr * mh / (np.sqrt(vh) + 1e-8)).astype(np.float32)
    return bqm.Sequential([
        bqm.Conv2d(conv1.w, conv1.b, padding=1), bqm.ReLU(), bqm.MaxPool2d(2),
        bqm.Conv2d(conv2.w, conv2.b, padding=1), bqm.ReLU(), bqm.MaxPool2d(2),
        bqm.Flatten(), bqm.Linear(dense.w, dense.b)])


def save(net, name, input_shape):
    arrays = {}
    for i, layer in enumerate(net.layers):
        if hasattr(layer, "weight"):
            arrays[f"layer{i}_weight"] = layer.weight
            if layer.bias is not None:
                arrays[f"layer{i}_bias"] = layer.bias
    np.savez_compressed(HERE / f"{name}.npz", **arrays)
    (HERE / f"{name}.mlir").write_text(
        f"// {name}: exported by examples/digits/train.py with bq.model.\n" +
        net.to_mlir(input_shape))


def main():
    xtr, ytr, xte, yte = load_split()
    np.savez_compressed(HERE / "test_split.npz", x=xte, y=yte)
    mlp = train_mlp(xtr, ytr)
    save(mlp, "mlp", (64,))
    mlp = mlp_from(np.load(HERE / "mlp.npz"))
    print("mlp float accuracy:",
          (mlp.forward(xte).argmax(1) == yte).mean())
    cnn = train_cnn(xtr, ytr)
    save(cnn, "cnn", (1, 8, 8))
    cnn = cnn_from(np.load(HERE / "cnn.npz"))
    print("cnn float accuracy:",
          (cnn.forward(xte.reshape(-1, 1, 8, 8)).argmax(1) == yte).mean())


if __name__ == "__main__":
    main()
