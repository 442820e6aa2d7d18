"""Random test data shared by the suites."""

DISTS = ["gaussian", "laplace", "uniform", "heavy", "tied"]


def sample(rng, dist, shape):
    """Weights from one of DISTS: bell-shaped, heavy-tailed or tied."""
    if dist == "gaussian":
        return rng.normal(0, 0.05, shape)
    if dist == "laplace":
        return rng.laplace(0, 0.05, shape)
    if dist == "uniform":
        return rng.uniform(-1, 1, shape)
    if dist == "heavy":
        return rng.standard_t(1.5, shape)
    return rng.integers(-2, 3, shape) * 0.25  # tied
