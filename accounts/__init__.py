"""The console's accounts: users, roles per store and per agency, sign-in sessions, store
settings kept in the database, and the audit log of every settings change.

Dependencies point down: ``overlay_api`` (the HTTP edge) and the CLI use this package;
it uses ``database`` and the decision core's stores rules (``nudges.stores``).
"""
