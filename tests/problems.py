"""Small problems that several test modules differentiate."""

import numpy as np


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def logistic_problem(seed, m=30):
    """A random data set (X with a column of ones, 0/1 labels) and its mean logistic loss."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=(m, 2)), np.ones(m)])
    labels = (rng.uniform(size=m) < 0.5).astype(float)

    def loss(theta):
        z = theta @ X.T
        return np.mean(np.logaddexp(0, z) - labels * z, axis=-1)

    return rng, X, labels, loss
