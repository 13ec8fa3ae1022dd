"""The decision core: what to say to a shopper, and whether to say it.

Stores and their policy, the catalogue every claim is checked against, incentives,
copy (templates or a language model's, cached), guardrails, the scenario engine, the
experiments (assignment, ledger, report) and :func:`nudges.decision.decide`. The
overlay route and the follow-up flows both speak through it. It depends on
:mod:`scorer` only; nothing here imports an edge (``overlay_api``, ``stream``, the CLI).
"""
