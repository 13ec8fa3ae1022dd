"""The accounts tables: agencies, stores, users, who may do what where, sessions, invitations, audit.

Why stores are rows here although the stores file exists: the dashboard edits settings
while the API runs, on every API instance at once, and keeps who changed what. A store
row holds the store's whole document in the stores file's own shape (``document``), so
it goes through exactly the file's validation and exports back to a file unchanged.
Times are milliseconds since the epoch, like every event in the project.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from database.base import Base

#: Roles on a store (or, for an agency's members, on every client store of the agency).
OWNER = "owner"
ANALYST = "analyst"
ROLES = (OWNER, ANALYST)
#: The dashboard's languages (overlay_api/static/dashboard/i18n.js).
LANGUAGES = ("en", "tr")


class Agency(Base):
    """A CRO agency: its members see every client store on one page."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    created_ms: Mapped[int] = mapped_column(BigInteger)


class StoreRecord(Base):
    """One store's settings as the stores file would hold them (JSON text of that document)."""

    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The agency that runs this store for its owner (None: the owner's own).
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    document: Mapped[str] = mapped_column(Text)
    updated_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class User(Base):
    """Someone who signs in to the dashboard; the password is kept only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: Lower-cased, as typed otherwise (one account per address).
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_ms: Mapped[int] = mapped_column(BigInteger)
    #: The dashboard's language for this user, one of :data:`LANGUAGES`, on every browser they
    #: sign in from; None until they pick one (the browser's own choice applies meanwhile).
    language: Mapped[str | None] = mapped_column(String(8), default=None)


class StoreMember(Base):
    """A user's role on one store."""

    __tablename__ = "store_members"
    __table_args__ = (UniqueConstraint("user_id", "store_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))


class AgencyMember(Base):
    """A user's role in an agency, which is their role on each of its client stores."""

    __tablename__ = "agency_members"
    __table_args__ = (UniqueConstraint("user_id", "agency_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))


class Invitation(Base):
    """An invitation to join a store or an agency with a role; only its token's hash is kept."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str | None] = mapped_column(String(64))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    invited_by: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    expires_ms: Mapped[int] = mapped_column(BigInteger)
    accepted_ms: Mapped[int | None] = mapped_column(BigInteger)


class DashboardSession(Base):
    """A signed-in browser; the cookie carries the id, only its hash is kept (a leaked
    table signs nobody in). Sign-out deletes the row, so a copied cookie dies with it."""

    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    expires_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class SettingsChange(Base):
    """The audit log: one row per changed field of one save, with who, when, before and after."""

    __tablename__ = "settings_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    #: None for a change that came from ``cartcoach stores import``.
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    #: The field as the stores file names it, e.g. ``policy.max_coupon_pct``.
    field: Mapped[str] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
