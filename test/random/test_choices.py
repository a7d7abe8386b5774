"""Unit tests of the recorded decisions and the shrinker (choices.py)."""
import unittest

from choices import Choices, shrink


class ChoicesTest(unittest.TestCase):
    def test_replay_rebuilds_the_decisions(self):
        first = Choices(seed=5)
        drawn = [first.choice("abcdef"), first.randint(1, 6),
                 first.chance(0.5), first.below(1000)]
        again = Choices(replay=first.made)
        self.assertEqual(drawn, [again.choice("abcdef"), again.randint(1, 6),
                                 again.chance(0.5), again.below(1000)])

    def test_past_the_replay_every_decision_is_the_simplest(self):
        choices = Choices(replay=[3])
        self.assertEqual(choices.choice("abcd"), "d")
        self.assertEqual(choices.choice("abcd"), "a")
        self.assertFalse(choices.chance(0.99))
        self.assertEqual(choices.made, [3, 0, 0])

    def test_replayed_values_are_clamped_to_the_options(self):
        self.assertEqual(Choices(replay=[9]).choice("ab"), "b")

    def test_shrink_finds_the_smallest_failing_decisions(self):
        # Fails when some decision is at least 5 and the decisions add up
        # to at least 12: the smallest such sequences are two decisions
        # adding up to exactly 12.
        def fails(decisions):
            return max(decisions, default=0) >= 5 and sum(decisions) >= 12
        start = [3, 9, 0, 4, 8, 1, 6, 2, 7]
        smallest, calls = shrink(start, fails, budget=1000)
        self.assertTrue(fails(smallest))
        self.assertEqual(len(smallest), 2)
        self.assertEqual(sum(smallest), 12)
        self.assertLess(calls, 1000)

    def test_shrink_keeps_to_its_budget(self):
        calls = []

        def fails(decisions):
            calls.append(decisions)
            return True
        smallest, used = shrink(list(range(1, 40)), fails, budget=7)
        self.assertEqual(used, 7)
        self.assertEqual(len(calls), 7)
        self.assertTrue(fails(smallest))


if __name__ == "__main__":
    unittest.main()
