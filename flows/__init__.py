"""Follow-up flows: when and where to speak to a shopper beyond the page.

Contacts and consent, flow definitions, the durable scheduler, channel adapters
(``flows.channels``), caps, quiet hours and one plan per shopper. What to *say* is
decided by the decision core (:mod:`nudges`); this package only decides when and where.
"""
