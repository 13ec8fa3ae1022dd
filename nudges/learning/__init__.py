"""Stage two: learn which nudge works for whom, and prove it before switching.

* :mod:`nudges.learning.uplift` — how simulated shoppers answer each incentive (every
  parameter named, with its source or marked assumed);
* :mod:`nudges.learning.bandit` — the learning policy (ε-greedy on exact ridge value estimates):
  picks an allowed incentive per context, explores within a bound, logs the propensity;
* :mod:`nudges.learning.decision_log` — decisions joined with their outcomes (delayed reward);
* :mod:`nudges.learning.offpolicy` — IPS, self-normalised IPS and doubly robust estimates;
* :mod:`nudges.learning.simulation` — policies side by side on the same simulated sessions.
"""
