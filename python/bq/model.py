"""Write linalg-on-tensors MLIR for MLPs and small CNNs from numpy weights.

The output is what torch-mlir or tosa-to-linalg produce for such models:
`linalg.matmul` / `linalg.conv_2d_nchw_fchw` with constant weights, bias
adds and activations as `linalg.generic`, pooling as `linalg.pooling_*`,
flattening as `tensor.collapse_shape`. The batch dimension is dynamic.

    net = Sequential([Linear(w1, b1), ReLU(), Linear(w2, b2)])
    text = net.to_mlir(input_shape=(64,))          # @forward(%x: tensor<?x64xf32>)

Weights use PyTorch's layouts: Linear weight (out, in), Conv2d weight
(out, in, kh, kw); scikit-learn's MLP coefs_ are (in, out): pass `.T`.
"""

import numpy as np


def _hex(array):
    data = np.ascontiguousarray(array, dtype=np.float32).tobytes()
    return f'dense<"0x{data.hex().upper()}">'


def _ttype(shape):
    dims = "x".join("?" if d is None else str(d) for d in shape)
    return f"tensor<{dims}xf32>"


class _Emitter:
    """Accumulates the body of @forward."""

    def __init__(self):
        self.lines = []
        self.counter = 0

    def fresh(self, stem="v"):
        self.counter += 1
        return f"%{stem}{self.counter}"

    def emit(self, line):
        self.lines.append("  " + line)

    def empty(self, shape, batch_value):
        """A tensor.empty of `shape` whose first dim may be dynamic."""
        name = self.fresh("e")
        dyn = f"({batch_value})" if shape[0] is None else "()"
        self.emit(f"{name} = tensor.empty{dyn} : {_ttype(shape)}")
        return name

    def filled(self, shape, batch_value, value):
        init = self.empty(shape, batch_value)
        cst = self.fresh("c")
        self.emit(f"{cst} = arith.constant {value} : f32")
        out = self.fresh("f")
        self.emit(f"{out} = linalg.fill ins({cst} : f32) outs({init} : "
                  f"{_ttype(shape)}) -> {_ttype(shape)}")
        return out


def _elementwise(em, operands, shape, batch, block_args, body, stem):
    """A parallel linalg.generic over `shape`: `operands` are (value, type,
    map results) triples; `body` are the region's lines, yielding a f32."""
    rank = len(shape)
    dims = ", ".join(f"d{i}" for i in range(rank))
    ident = f"affine_map<({dims}) -> ({dims})>"
    maps = [f"affine_map<({dims}) -> ({results})>"
            for _, _, results in operands] + [ident]
    init = em.empty(shape, batch)
    out = em.fresh(stem)
    parallel = ", ".join(['"parallel"'] * rank)
    values = ", ".join(v for v, _, _ in operands)
    types = ", ".join(t for _, t, _ in operands)
    em.emit(f"{out} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
            f"iterator_types = [{parallel}]}} ins({values} : {types}) "
            f"outs({init} : {_ttype(shape)}) {{")
    em.emit(f"^bb0({block_args}, %out: f32):")
    for line in body:
        em.emit("  " + line)
    em.emit(f"}} -> {_ttype(shape)}")
    return out


def _all_dims(shape):
    return ", ".join(f"d{i}" for i in range(len(shape)))


class Layer:
    def output_shape(self, shape):
        raise NotImplementedError

    def emit(self, em, x, shape, batch):
        raise NotImplementedError


class Linear(Layer):
    """y = x W^T + b, W of shape (out, in)."""

    def __init__(self, weight, bias=None):
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = None if bias is None else np.asarray(bias, np.float32)

    def output_shape(self, shape):
        if len(shape) != 2 or shape[1] != self.weight.shape[1]:
            raise ValueError(f"Linear{self.weight.shape[::-1]} cannot take "
                             f"input of shape {shape}")
        return (shape[0], self.weight.shape[0])

    def emit(self, em, x, shape, batch):
        out_shape = self.output_shape(shape)
        k, n = self.weight.shape[1], self.weight.shape[0]
        w = em.fresh("w")
        em.emit(f"{w} = arith.constant {_hex(self.weight.T)} : "
                f"{_ttype((k, n))}")
        acc = em.filled(out_shape, batch, "0.0")
        y = em.fresh("mm")
        em.emit(f"{y} = linalg.matmul ins({x}, {w} : {_ttype(shape)}, "
                f"{_ttype((k, n))}) outs({acc} : {_ttype(out_shape)}) -> "
                f"{_ttype(out_shape)}")
        if self.bias is not None:
            y = _bias_add(em, y, out_shape, self.bias, batch, channel_axis=1)
        return y, out_shape


def _bias_add(em, y, shape, bias, batch, channel_axis):
    b = em.fresh("b")
    em.emit(f"{b} = arith.constant {_hex(bias)} : {_ttype(bias.shape)}")
    return _elementwise(
        em, [(y, _ttype(shape), _all_dims(shape)),
             (b, _ttype(bias.shape), f"d{channel_axis}")],
        shape, batch, "%in: f32, %bias: f32",
        ["%sum = arith.addf %in, %bias : f32", "linalg.yield %sum : f32"],
        "ba")


class ReLU(Layer):
    def output_shape(self, shape):
        return shape

    def emit(self, em, x, shape, batch):
        out = _elementwise(
            em, [(x, _ttype(shape), _all_dims(shape))], shape, batch,
            "%in: f32",
            ["%zero = arith.constant 0.0 : f32",
             "%max = arith.maximumf %in, %zero : f32",
             "linalg.yield %max : f32"], "relu")
        return out, shape


class Conv2d(Layer):
    """NCHW convolution, weight (out, in, kh, kw), zero padding."""

    def __init__(self, weight, bias=None, stride=1, padding=0, dilation=1):
        self.weight = np.asarray(weight, dtype=np.float32)
        self.bias = None if bias is None else np.asarray(bias, np.float32)
        self.stride, self.padding, self.dilation = stride, padding, dilation

    def output_shape(self, shape):
        if len(shape) != 4 or shape[1] != self.weight.shape[1]:
            raise ValueError(f"Conv2d{self.weight.shape} cannot take input "
                             f"of shape {shape}")
        f, _, kh, kw = self.weight.shape
        h = (shape[2] + 2 * self.padding - self.dilation * (kh - 1) - 1) \
            // self.stride + 1
        w = (shape[3] + 2 * self.padding - self.dilation * (kw - 1) - 1) \
            // self.stride + 1
        return (shape[0], f, h, w)

    def emit(self, em, x, shape, batch):
        out_shape = self.output_shape(shape)
        p = self.padding
        if p:
            padded = (shape[0], shape[1], shape[2] + 2 * p, shape[3] + 2 * p)
            xp = em.fresh("pad")
            em.emit(f"{xp} = tensor.pad {x} low[0, 0, {p}, {p}] "
                    f"high[0, 0, {p}, {p}] {{")
            em.emit("^bb0(%i0: index, %i1: index, %i2: index, %i3: index):")
            em.emit("  %zero = arith.constant 0.0 : f32")
            em.emit("  tensor.yield %zero : f32")
            em.emit(f"}} : {_ttype(shape)} to {_ttype(padded)}")
            x, shape = xp, padded
        w = em.fresh("w")
        em.emit(f"{w} = arith.constant {_hex(self.weight)} : "
                f"{_ttype(self.weight.shape)}")
        acc = em.filled(out_shape, batch, "0.0")
        y = em.fresh("conv")
        em.emit(f"{y} = linalg.conv_2d_nchw_fchw {{strides = "
                f"dense<{self.stride}> : tensor<2xi64>, dilations = "
                f"dense<{self.dilation}> : tensor<2xi64>}} ins({x}, {w} : "
                f"{_ttype(shape)}, {_ttype(self.weight.shape)}) outs({acc} : "
                f"{_ttype(out_shape)}) -> {_ttype(out_shape)}")
        if self.bias is not None:
            y = _bias_add(em, y, out_shape, self.bias, batch, channel_axis=1)
        return y, out_shape


class _Pool2d(Layer):
    def __init__(self, kernel, stride=None):
        self.kernel = kernel
        self.stride = stride or kernel

    def output_shape(self, shape):
        if len(shape) != 4:
            raise ValueError(f"pooling needs NCHW input, got {shape}")
        h = (shape[2] - self.kernel) // self.stride + 1
        w = (shape[3] - self.kernel) // self.stride + 1
        return (shape[0], shape[1], h, w)

    def _pool(self, em, x, shape, batch, op, init_value):
        out_shape = self.output_shape(shape)
        window = em.fresh("win")
        em.emit(f"{window} = tensor.empty() : "
                f"{_ttype((self.kernel, self.kernel))}")
        acc = em.filled(out_shape, batch, init_value)
        y = em.fresh("pool")
        em.emit(f"{y} = linalg.{op} {{strides = dense<{self.stride}> : "
                f"tensor<2xi64>, dilations = dense<1> : tensor<2xi64>}} "
                f"ins({x}, {window} : {_ttype(shape)}, "
                f"{_ttype((self.kernel, self.kernel))}) outs({acc} : "
                f"{_ttype(out_shape)}) -> {_ttype(out_shape)}")
        return y, out_shape


class MaxPool2d(_Pool2d):
    def emit(self, em, x, shape, batch):
        return self._pool(em, x, shape, batch, "pooling_nchw_max",
                          "0xFF800000")


class AvgPool2d(_Pool2d):
    def emit(self, em, x, shape, batch):
        y, out_shape = self._pool(em, x, shape, batch, "pooling_nchw_sum",
                                  "0.0")
        out = _elementwise(
            em, [(y, _ttype(out_shape), _all_dims(out_shape))], out_shape,
            batch, "%in: f32",
            [f"%n = arith.constant {float(self.kernel * self.kernel)} : f32",
             "%mean = arith.divf %in, %n : f32", "linalg.yield %mean : f32"],
            "avg")
        return out, out_shape


class Flatten(Layer):
    """[N, d1, d2, ...] -> [N, d1 * d2 * ...] (row-major, like torch)."""

    def output_shape(self, shape):
        return (shape[0], int(np.prod(shape[1:])))

    def emit(self, em, x, shape, batch):
        out_shape = self.output_shape(shape)
        y = em.fresh("flat")
        rest = ", ".join(str(i) for i in range(1, len(shape)))
        em.emit(f"{y} = tensor.collapse_shape {x} [[0], [{rest}]] : "
                f"{_ttype(shape)} into {_ttype(out_shape)}")
        return y, out_shape


class Sequential:
    def __init__(self, layers):
        self.layers = list(layers)

    def to_mlir(self, input_shape, name="forward"):
        """MLIR text of @name(%x: tensor<?x{input_shape}xf32>)."""
        em = _Emitter()
        shape = (None,) + tuple(input_shape)
        em.emit("%c0 = arith.constant 0 : index")
        em.emit(f"%batch = tensor.dim %x, %c0 : {_ttype(shape)}")
        x = "%x"
        in_type = _ttype(shape)
        for layer in self.layers:
            x, shape = layer.emit(em, x, shape, "%batch")
        em.emit(f"return {x} : {_ttype(shape)}")
        body = "\n".join(em.lines)
        return (f"func.func @{name}(%x: {in_type}) -> {_ttype(shape)} {{\n"
                f"{body}\n}}\n")

    def forward(self, x):
        """The float model in numpy (for checking compiled results)."""
        x = np.asarray(x, dtype=np.float32)
        for layer in self.layers:
            x = _numpy_forward(layer, x)
        return x


def _numpy_forward(layer, x):
    if isinstance(layer, Linear):
        y = x @ layer.weight.T
        return y + layer.bias if layer.bias is not None else y
    if isinstance(layer, ReLU):
        return np.maximum(x, 0)
    if isinstance(layer, Flatten):
        return x.reshape(x.shape[0], -1)
    if isinstance(layer, Conv2d):
        p, s, d = layer.padding, layer.stride, layer.dilation
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        f, c, kh, kw = layer.weight.shape
        n, _, h, w = layer.output_shape(x.shape)
        out = np.zeros((x.shape[0], f, h, w), dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, :, i * d:i * d + s * (h - 1) + 1:s,
                           j * d:j * d + s * (w - 1) + 1:s]
                out += np.einsum("nchw,fc->nfhw", patch, layer.weight[:, :, i, j])
        if layer.bias is not None:
            out += layer.bias[None, :, None, None]
        return out
    if isinstance(layer, (MaxPool2d, AvgPool2d)):
        k, s = layer.kernel, layer.stride
        _, _, h, w = layer.output_shape(x.shape)
        windows = np.stack([x[:, :, i:i + s * (h - 1) + 1:s,
                              j:j + s * (w - 1) + 1:s]
                            for i in range(k) for j in range(k)])
        return windows.max(0) if isinstance(layer, MaxPool2d) \
            else windows.mean(0)
    raise TypeError(f"unknown layer {layer!r}")


def _im2col_nchw(x, kh, kw, stride, dilation):
    """Patches [N*Ho*Wo, C*kh*kw] of an NCHW input, (c, kh, kw) order,
    as bq-quantize-linalg builds them."""
    n, c, h, w = x.shape
    ho = (h - dilation * (kh - 1) - 1) // stride + 1
    wo = (w - dilation * (kw - 1) - 1) // stride + 1
    cols = np.empty((n, ho, wo, c, kh, kw), dtype=np.float32)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, :, :, i, j] = x[
                :, :, i * dilation:i * dilation + stride * (ho - 1) + 1:stride,
                j * dilation:j * dilation + stride * (wo - 1) + 1:stride
            ].transpose(0, 2, 3, 1)
    return cols.reshape(n * ho * wo, c * kh * kw), (n, ho, wo)


def reference_forward(net, x, weight_bits, act_bits, method="exact",
                      scale="lsq", granularity="tensor"):
    """`net` on `x` with every Linear and Conv2d quantized as
    `bq-quantize-linalg` does, computed by bq.reference (formula 1.3) in
    numpy: the oracle for compiled quantized models."""
    from . import reference as ref
    x = np.asarray(x, dtype=np.float32)
    for layer in net.layers:
        if isinstance(layer, Linear):
            codes, alpha, beta = ref.quantize(layer.weight.T, weight_bits,
                                              method, scale, granularity, 1)
            y, _ = ref.quantized_matmul(x, codes, alpha, beta, act_bits)
            x = y.astype(np.float32)
            if layer.bias is not None:
                x = x + layer.bias
        elif isinstance(layer, Conv2d):
            p = layer.padding
            xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
            f, c, kh, kw = layer.weight.shape
            patches, (n, ho, wo) = _im2col_nchw(xp, kh, kw, layer.stride,
                                                layer.dilation)
            codes, alpha, beta = ref.quantize(
                layer.weight.reshape(f, -1).T, weight_bits, method, scale,
                granularity, 1)
            y, _ = ref.quantized_matmul(patches, codes, alpha, beta,
                                        act_bits)
            x = y.astype(np.float32).reshape(n, ho, wo, f).transpose(0, 3, 1, 2)
            if layer.bias is not None:
                x = x + layer.bias[None, :, None, None]
        else:
            x = _numpy_forward(layer, x)
    return x
