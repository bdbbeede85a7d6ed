import numpy as np
import pytest

from bristol.periodic import order_values, periodic_extension


def test_cycling_and_dtype():
    out = periodic_extension([np.array([1.0, 2.0, 3.0]), np.arange(8.0)])
    assert out.shape == (2, 8)
    assert out[0].tolist() == [1, 2, 3, 1, 2, 3, 1, 2]
    assert periodic_extension([np.ones(2, np.float32)] * 3).dtype == np.float32
    assert periodic_extension([np.arange(3)], 5).tolist() == [[0, 1, 2, 0, 1]]


def test_orders():
    v = np.array([3.0, -1.0, 2.0])
    assert order_values(v).tolist() == [3, 2, -1]
    assert order_values(v, "ascending").tolist() == [-1, 2, 3]
    assert order_values(v, "solver").tolist() == [3, -1, 2]
    r1 = order_values(np.arange(20), "random", random_state=1)
    assert sorted(r1.tolist()) == list(range(20)) and r1.tolist() != list(range(20))
    assert np.array_equal(r1, order_values(np.arange(20), "random", random_state=1))


def test_bad_input():
    with pytest.raises(ValueError, match="order"):
        order_values([1.0], "largest")
    with pytest.raises(ValueError, match="empty"):
        periodic_extension([])
    with pytest.raises(ValueError, match="at least one value"):
        periodic_extension([np.array([])])
    with pytest.raises(ValueError, match="length"):
        periodic_extension([np.ones(2)], 0)


def test_sizes_beyond_memory_are_refused_up_front():
    with pytest.raises(ValueError, match=r"the periodic spectra needs 298023 GiB, more than the"):
        periodic_extension([np.ones(3)] * 4, 10**13)
