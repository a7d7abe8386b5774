"""Unit tests of how the differential tester compares results
(differential.py's Comparison)."""
import unittest

import numpy as np

from differential import Comparison


class Model:
    optimizer = "momentum(lr = 0.05)"


def results(gradient, update, loss):
    return {"forward": {"loss": np.float64(loss)},
            "gradients": {"w": np.array(gradient)},
            "updates": {"w": np.array(update)}}


def comparison(gradient, update, dtype="f64", loss=1.0, extended=None):
    exact = results(gradient, update, loss)
    # The f32 reference, where one is needed: exact here.
    return Comparison(Model(), exact, dtype, exact, extended)


class UpdateTest(unittest.TestCase):
    # scripts/fuzz.sh seed 4342703995: gradients within tolerance, and
    # start + update rounded to neighbouring doubles.
    START = np.array([0.2745552968316708])
    UPDATE = np.array([-3.1398069699761777e-09])

    def check(self, stepped):
        c = comparison(self.UPDATE / -0.05, self.UPDATE)
        c.check_update("w", self.START, np.array(stepped), self.UPDATE / -0.05)
        return c.problems

    def test_an_update_stored_one_ulp_away_is_accepted(self):
        stored = self.START + self.UPDATE
        self.assertEqual(self.check(stored + np.spacing(stored)), [])

    def test_an_update_ten_ulps_away_is_reported(self):
        stored = self.START + self.UPDATE
        problems = self.check(stored + 10 * np.spacing(stored))
        self.assertEqual(len(problems), 1)
        self.assertIn("f64 update w", problems[0])


class FlatModelTest(unittest.TestCase):
    # scripts/fuzz.sh seed 4342724047: a loss that does not depend on the
    # parameters; PyTorch's f32 gradient is exactly 0, gradc's is noise.
    LOSS = -20.704060293044137
    NOISE = [0.00014658040890935808]

    def problems(self, reference, got):
        c = comparison(reference, [0.0], "f32", self.LOSS)
        c.check("gradients", "w", np.array(got))
        return c.problems

    def test_rounding_noise_of_a_flat_model_is_accepted(self):
        self.assertEqual(self.problems([0.0], self.NOISE), [])

    def test_a_gradient_of_a_flat_model_is_reported(self):
        self.assertEqual(len(self.problems([0.0], [0.1])), 1)

    def test_the_same_noise_on_a_model_that_is_not_flat_is_reported(self):
        self.assertEqual(len(self.problems([1e-8], self.NOISE)), 1)

class NoiseTest(unittest.TestCase):
    # scripts/fuzz.sh seed 4342724047, shrunk: gradients 1e-8 of the loss
    # through two log_softmaxes of nearly equal columns; PyTorch's f64
    # gradient is 7.4e-15 from the extended-precision one.
    LOSS = 3.991366481160174
    TORCH = -1.3354513202454708e-08
    GRADC = -1.3354519222829416e-08

    def problems(self, extended):
        c = comparison([self.TORCH], [0.0], "f64", self.LOSS, extended)
        c.check("gradients", "w", np.array([self.GRADC]))
        return c.problems

    def test_within_what_pytorch_is_off_is_accepted(self):
        extended = results([self.TORCH + 7.4e-15], [0.0], self.LOSS)
        self.assertEqual(self.problems(extended), [])

    def test_without_the_extended_reference_it_is_reported(self):
        self.assertEqual(len(self.problems(None)), 1)

    def test_far_beyond_what_pytorch_is_off_is_reported(self):
        extended = results([self.TORCH + 1e-16], [0.0], self.LOSS)
        self.assertEqual(len(self.problems(extended)), 1)

if __name__ == "__main__":
    unittest.main()
