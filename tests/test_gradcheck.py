"""The finite-difference checker must accept right gradients and reject wrong ones."""
import numpy as np
import pytest

from rnncourse.gradcheck import numerical_gradient, relative_error


def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4))
    A = rng.normal(size=(4, 2))
    dout = rng.normal(size=(3, 2))
    num = numerical_gradient(lambda: np.tanh(x @ A), x, dout)
    exact = (dout * (1 - np.tanh(x @ A) ** 2)) @ A.T
    assert relative_error(num, exact) < 1e-8
    wrong = (dout * (1 - (x @ A) ** 2)) @ A.T  # derivative taken at the pre-activation
    assert relative_error(num, wrong) > 1e-2
    np.testing.assert_array_equal(x, x.copy())  # x restored


def test_scalar_function_and_restores_input():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    g = numerical_gradient(lambda: float(np.sum(x ** 3)), x)
    np.testing.assert_allclose(g, 3 * before ** 2, rtol=1e-7)
    np.testing.assert_array_equal(x, before)


def test_relative_error_and_errors():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([1.0 + 1e-9])) < 1e-9
    with pytest.raises(ValueError, match=r"b: expected shape \(2,\) like a, got \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="x: expected a float ndarray"):
        numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(ValueError, match="dout: expected the shape"):
        numerical_gradient(lambda: np.zeros(2), np.zeros(2), dout=np.zeros(3))
