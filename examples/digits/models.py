"""The demo's two architectures, rebuilt from their saved weights."""

import numpy as np

from bq import model as bqm


def mlp_from(arrays):
    """64-128-64-10 MLP with ReLU."""
    return bqm.Sequential([
        bqm.Linear(arrays["layer0_weight"], arrays["layer0_bias"]), bqm.ReLU(),
        bqm.Linear(arrays["layer2_weight"], arrays["layer2_bias"]), bqm.ReLU(),
        bqm.Linear(arrays["layer4_weight"], arrays["layer4_bias"])])


def cnn_from(arrays):
    """conv 1->8, pool, conv 8->16, pool, linear 64->10 on 1x8x8 images."""
    return bqm.Sequential([
        bqm.Conv2d(arrays["layer0_weight"], arrays["layer0_bias"], padding=1),
        bqm.ReLU(), bqm.MaxPool2d(2),
        bqm.Conv2d(arrays["layer3_weight"], arrays["layer3_bias"], padding=1),
        bqm.ReLU(), bqm.MaxPool2d(2), bqm.Flatten(),
        bqm.Linear(arrays["layer7_weight"], arrays["layer7_bias"])])


def weight_matrices(net):
    """The K x N matrices bq-quantize-linalg quantizes, one per layer."""
    mats = []
    for layer in net.layers:
        if isinstance(layer, bqm.Linear):
            mats.append(np.ascontiguousarray(layer.weight.T))
        elif isinstance(layer, bqm.Conv2d):
            f = layer.weight.shape[0]
            mats.append(np.ascontiguousarray(layer.weight.reshape(f, -1).T))
    return mats
