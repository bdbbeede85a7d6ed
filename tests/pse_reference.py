"""Reference d_layers from np.histogram member by member (shared by test_pse and test_cpse)."""
import numpy as np

from bristol.ergodicity import symmetric_kl_distance


def histogram_d_layers(periodic):
    """d_layers on the members' own grids (bristol 0.2.14) with np.histogram, no bristol binning."""
    n_layers, size = periodic.shape
    omegas = []
    for layers in range(1, n_layers):
        mean = np.histogram(periodic[:layers])[0] / layers  # pooled range of layers 1..layers
        omegas.append(sum((np.histogram(row)[0] - mean) ** 2 for row in periodic[:layers]) / layers / size)
    return [symmetric_kl_distance(omegas[i], omegas[i - 1]) for i in range(1, len(omegas))]
