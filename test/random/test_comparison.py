"""Unit tests of how the differential tester compares results
(differential.py's Comparison)."""
import unittest

import numpy as np

from differential import Comparison


class Model:
    optimizer = "momentum(lr = 0.05)"


def comparison(gradient, update):
    exact = {"forward": {"loss": np.float64(1.0)},
             "gradients": {"w": np.array(gradient)},
             "updates": {"w": np.array(update)}}
    return Comparison(Model(), exact, "f64")


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


if __name__ == "__main__":
    unittest.main()
