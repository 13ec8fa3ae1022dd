"""Users and what they may see: sign-up, sign-in sessions, roles per store and per agency, invitations.

Roles: an ``owner`` edits a store's settings and invites people; an ``analyst`` reads
everything and changes nothing. An agency's members hold a role in the agency, which is
their role on every client store of the agency (a store whose row names the agency),
and they see all those stores on the agency page — and no other store.

Secrets are kept only as hashes: passwords as argon2id (:mod:`accounts.passwords`),
session ids and invitation tokens as SHA-256 (random 256-bit values need no slow hash).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from accounts.models import (
    ANALYST, LANGUAGES, OWNER, ROLES, Agency, AgencyMember, DashboardSession, Invitation, StoreMember, StoreRecord, User,
)
from accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from accounts.store_settings import FieldError, SettingsRefused, StoreSettings

#: How long a sign-in lasts without signing in again.
SESSION_TTL_S = 12 * 3600
INVITATION_TTL_S = 7 * 24 * 3600
_SLUG = re.compile(r"[^a-z0-9]+")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normal_email(email: str) -> str:
    """The address as stored (validated, domain normalised, lower-cased); ValueError names the problem."""
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None


class NewStore(NamedTuple):
    """What sign-up asks for a new store; keys are generated, the rest is the file's defaults."""

    id: str
    origin: str
    locale: str = "en"
    currency: str = "TRY"

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "write_key": "wk_" + secrets.token_urlsafe(18),
            "secret_key": "sk_" + secrets.token_urlsafe(30),
            "allowed_origins": [self.origin],
            "locale": self.locale,
            "currency": self.currency,
        }


class Access(NamedTuple):
    """What one user may open: role per store, and the agencies they belong to with their role."""

    stores: dict[str, str]
    agencies: dict[str, str]

    def role(self, store_id: str) -> str | None:
        return self.stores.get(store_id)


class Accounts:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        store_settings: StoreSettings,
        *,
        clock: Callable[[], float] = time.time,
        session_ttl_s: int = SESSION_TTL_S,
    ) -> None:
        self._sessions = sessions
        self.store_settings = store_settings
        self._clock = clock
        self.session_ttl_s = session_ttl_s

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    # ---- users -----------------------------------------------------------------------------
    async def _new_user(self, db: AsyncSession, email: str, password: str, language: str | None) -> User:
        try:
            address = normal_email(email)
        except ValueError as exc:
            raise SettingsRefused([FieldError("email", str(exc))]) from None
        if problem := password_problem(password):
            raise SettingsRefused([FieldError("password", problem)])
        if (await db.execute(select(User).where(User.email == address))).scalar_one_or_none() is not None:
            raise SettingsRefused([FieldError("email", "an account with this address exists; sign in instead")])
        user = User(id="u_" + uuid.uuid4().hex, email=address, password_hash=hash_password(password),
                    created_ms=self._now_ms(), language=language if language in LANGUAGES else None)
        db.add(user)
        await db.flush()
        return user

    async def sign_up(
        self,
        email: str,
        password: str,
        *,
        store: NewStore | None = None,
        agency_name: str | None = None,
        invitation: str | None = None,
        language: str | None = None,
    ) -> tuple[User, dict[str, Any]]:
        """A new user who creates a store, creates an agency, or accepts an invitation (one of them).

        ``language``: the dashboard's language the sign-up page spoke (kept if it is one of
        :data:`~accounts.models.LANGUAGES`, else the browser's choice keeps applying).

        Returns the user and what was made (a new store's keys are shown once, here).
        Raises :class:`SettingsRefused` naming the field.
        """
        if sum(x is not None for x in (store, agency_name, invitation)) != 1:
            raise SettingsRefused([FieldError("$", "create a store, create an agency, or use an invitation")])
        made: dict[str, Any] = {}
        document = store.document() if store is not None else None
        if document is not None:  # refuse a bad store before the user exists
            self.store_settings.check_new(document)
        async with self._sessions.begin() as db:
            if invitation is not None:
                invite = await self._open_invitation(db, invitation)
            user = await self._new_user(db, email, password, language)
            if invitation is not None:
                await self._join(db, user, invite)
                made = {"store_id": invite.store_id, "agency_id": invite.agency_id, "role": invite.role}
            elif agency_name is not None:
                agency = await self._new_agency(db, agency_name)
                db.add(AgencyMember(user_id=user.id, agency_id=agency.id, role=OWNER))
                made = {"agency_id": agency.id, "role": OWNER}
        if document is not None:
            made = await self.add_store(user, document)
        return user, made

    async def add_store(self, user: User, document: dict[str, Any], agency_id: str | None = None) -> dict[str, Any]:
        """A new store owned by ``user`` (or, with ``agency_id``, a client of that agency)."""
        created = await self.store_settings.create(document, agency_id, user.id)
        if agency_id is None:
            async with self._sessions.begin() as db:
                db.add(StoreMember(user_id=user.id, store_id=created.id, role=OWNER))
        return {"store_id": created.id, "role": OWNER, "write_key": created.write_key,
                "secret_key": created.secret_key}

    async def _new_agency(self, db: AsyncSession, name: str) -> Agency:
        name = name.strip()
        if not 2 <= len(name) <= 120:
            raise SettingsRefused([FieldError("agency.name", "between 2 and 120 characters")])
        base = _SLUG.sub("-", name.lower()).strip("-")[:40] or "agency"
        agency_id = base
        while await db.get(Agency, agency_id) is not None:
            agency_id = f"{base}-{secrets.token_hex(2)}"
        agency = Agency(id=agency_id, name=name, created_ms=self._now_ms())
        db.add(agency)
        await db.flush()
        return agency

    async def ensure_user(self, email: str, password: str, store_ids: list[str], role: str = OWNER) -> User:
        """A user with this role on these stores, created if missing (the demo owner, the CLI).

        Servers started together all ensure the same owner: the one whose insert loses to
        another's reads the winner's row on a second try.
        """
        try:
            return await self._ensure_user(email, password, store_ids, role)
        except IntegrityError:
            return await self._ensure_user(email, password, store_ids, role)

    async def _ensure_user(self, email: str, password: str, store_ids: list[str], role: str) -> User:
        async with self._sessions.begin() as db:
            user = (await db.execute(select(User).where(User.email == normal_email(email)))).scalar_one_or_none()
            if user is None:
                user = await self._new_user(db, email, password, None)
            for store_id in store_ids:
                member = (await db.execute(select(StoreMember).where(
                    StoreMember.user_id == user.id, StoreMember.store_id == store_id))).scalar_one_or_none()
                if member is None:
                    db.add(StoreMember(user_id=user.id, store_id=store_id, role=role))
                else:
                    member.role = role
        return user

    async def authenticate(self, email: str, password: str) -> User | None:
        """The user if the password is right; the same work is done for an unknown address."""
        try:
            address = normal_email(email)
        except ValueError:
            address = ""
        async with self._sessions.begin() as db:
            user = (await db.execute(select(User).where(User.email == address))).scalar_one_or_none()
            if not verify_password(user.password_hash if user else None, password) or user is None:
                return None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
        return user

    async def set_language(self, user: User, language: str) -> None:
        """Keep the dashboard's language with the user, so every browser they sign in from speaks it."""
        if language not in LANGUAGES:
            raise SettingsRefused([FieldError("language", f"one of {', '.join(LANGUAGES)}")])
        async with self._sessions.begin() as db:
            row = await db.get(User, user.id)
            if row is not None:
                row.language = language
        user.language = language

    # ---- sessions --------------------------------------------------------------------------
    async def open_session(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        now = self._now_ms()
        async with self._sessions.begin() as db:
            await db.execute(delete(DashboardSession).where(DashboardSession.expires_ms < now))
            db.add(DashboardSession(id_hash=token_hash(token), user_id=user.id, created_ms=now,
                                    expires_ms=now + self.session_ttl_s * 1000))
        return token

    async def session_user(self, token: str) -> User | None:
        async with self._sessions() as db:
            row = await db.get(DashboardSession, token_hash(token))
            if row is None or row.expires_ms < self._now_ms():
                return None
            return await db.get(User, row.user_id)

    async def close_session(self, token: str) -> None:
        async with self._sessions.begin() as db:
            await db.execute(delete(DashboardSession).where(DashboardSession.id_hash == token_hash(token)))

    # ---- roles -----------------------------------------------------------------------------
    async def access(self, user: User) -> Access:
        """Every store the user may open with the role they have there (the higher role wins)."""
        async with self._sessions() as db:
            own = (await db.execute(select(StoreMember).where(StoreMember.user_id == user.id))).scalars().all()
            agencies = (await db.execute(select(AgencyMember).where(AgencyMember.user_id == user.id))).scalars().all()
            clients = (await db.execute(select(StoreRecord.id, StoreRecord.agency_id).where(
                StoreRecord.agency_id.in_([a.agency_id for a in agencies])))).all() if agencies else []
        stores: dict[str, str] = {}
        agency_role = {a.agency_id: a.role for a in agencies}
        grants = [(m.store_id, m.role) for m in own] + [(sid, agency_role[aid]) for sid, aid in clients]
        for store_id, role in grants:
            if stores.get(store_id) != OWNER:
                stores[store_id] = role
        return Access(stores, agency_role)

    async def agency_name(self, agency_id: str) -> str | None:
        async with self._sessions() as db:
            agency = await db.get(Agency, agency_id)
        return agency.name if agency else None

    async def agency_clients(self, agency_id: str) -> list[str]:
        async with self._sessions() as db:
            rows = (await db.execute(select(StoreRecord.id).where(StoreRecord.agency_id == agency_id))).scalars().all()
        return sorted(rows)

    # ---- invitations -----------------------------------------------------------------------
    async def invite(self, inviter: User, role: str, *, store_id: str | None = None, agency_id: str | None = None) -> str:
        """A one-time token that signs a new user up with ``role`` on the store or in the agency."""
        if role not in ROLES:
            raise SettingsRefused([FieldError("role", f"one of {', '.join(ROLES)}")])
        token = secrets.token_urlsafe(24)
        async with self._sessions.begin() as db:
            db.add(Invitation(token_hash=token_hash(token), store_id=store_id, agency_id=agency_id, role=role,
                              invited_by=inviter.id, expires_ms=self._now_ms() + INVITATION_TTL_S * 1000))
        return token

    async def _open_invitation(self, db: AsyncSession, token: str) -> Invitation:
        invite = await db.get(Invitation, token_hash(token))
        if invite is None or invite.accepted_ms is not None or invite.expires_ms < self._now_ms():
            raise SettingsRefused([FieldError("invitation", "unknown, used or expired; ask for a new one")])
        return invite

    async def _join(self, db: AsyncSession, user: User, invite: Invitation) -> None:
        invite.accepted_ms = self._now_ms()
        if invite.store_id is not None:
            db.add(StoreMember(user_id=user.id, store_id=invite.store_id, role=invite.role))
        if invite.agency_id is not None:
            db.add(AgencyMember(user_id=user.id, agency_id=invite.agency_id, role=invite.role))
        try:
            await db.flush()
        except IntegrityError:
            raise SettingsRefused([FieldError("invitation", "already a member")]) from None


__all__ = ["ANALYST", "OWNER", "Access", "Accounts", "NewStore", "normal_email"]
