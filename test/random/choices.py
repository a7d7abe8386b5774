"""The random decisions that build a test case, recorded so that a failing
case can be shrunk by replaying fewer or smaller decisions, as Hypothesis
shrinks its choice sequences.

Every decision is an index into a list of options ordered from the simplest:
replaying index 0 picks the first option, and a replay that runs past its
recorded decisions makes every further decision 0. So deleting decisions or
lowering them only ever asks the generator for a simpler case, and the
generator needs no knowledge of the shrinking.
"""
import random


class Choices:
    def __init__(self, seed=None, replay=None):
        self.rng = random.Random(seed)
        self.replay = replay
        self.made = []

    def below(self, n):
        """An index in [0, n)."""
        if self.replay is None:
            value = self.rng.randrange(n)
        else:
            position = len(self.made)
            value = self.replay[position] if position < len(self.replay) else 0
            value = min(value, n - 1)
        self.made.append(value)
        return value

    def choice(self, options):
        return options[self.below(len(options))]

    def randint(self, low, high):
        return low + self.below(high - low + 1)

    def chance(self, probability):
        """True with `probability`; False for the decision 0."""
        return self.below(1000) >= 1000 - round(probability * 1000)


def shrink(decisions, fails, budget):
    """The shortest and smallest decisions found for which `fails` still
    holds, starting from failing `decisions` and calling `fails` at most
    `budget` times: chunks of decisions are deleted (largest first), then
    each left is lowered to 0, halved or decremented, until no change helps.
    """
    best = list(decisions)
    calls = 0
    tried = {tuple(best)}

    def attempt(candidate):
        nonlocal best, calls
        if calls >= budget or tuple(candidate) in tried:
            return False
        tried.add(tuple(candidate))
        calls += 1
        if fails(candidate):
            best = candidate
            return True
        return False

    improved = True
    while improved and calls < budget:
        improved = False
        for size in (8, 4, 2, 1):
            start = len(best) - size
            while start >= 0:
                if attempt(best[:start] + best[start + size:]):
                    improved = True
                start = min(start - 1, len(best) - size)
        for position in range(len(best)):
            value = best[position]
            for lower in dict.fromkeys((0, value // 2, value - 1)):
                if 0 <= lower < value and attempt(
                        best[:position] + [lower] + best[position + 1:]):
                    improved = True
                    break
    return best, calls
