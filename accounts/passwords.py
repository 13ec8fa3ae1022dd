"""Passwords, kept only as argon2id hashes (argon2-cffi).

Why argon2-cffi and not passlib or pwdlib: passlib has had no release since 2020 and
breaks with current bcrypt; pwdlib is a thin wrapper whose argon2 backend *is*
argon2-cffi. argon2-cffi is the reference binding (kept by the hash's own ecosystem),
its ``PasswordHasher`` has RFC 9106's recommended parameters by default, verifies in
constant time and says when a stored hash's parameters are outdated
(``check_needs_rehash``), so raising the cost later needs no migration.

>>> hashed = hash_password("correct horse battery")
>>> hashed.startswith("$argon2id$")
True
>>> verify_password(hashed, "correct horse battery"), verify_password(hashed, "wrong")
(True, False)
"""

from __future__ import annotations

import functools
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER: Final = PasswordHasher()


@functools.cache
def _dummy() -> str:
    """Checked when the e-mail is unknown, so a wrong address takes as long as a wrong password
    (made on first use: importing the app should not cost a hash)."""
    return _HASHER.hash("cartcoach: no such user")

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 200


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """True if ``password`` matches; with ``hashed=None`` it spends the same time and says no."""
    try:
        return _HASHER.verify(hashed or _dummy(), password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _HASHER.check_needs_rehash(hashed)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Length is what makes a password strong."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    return None
