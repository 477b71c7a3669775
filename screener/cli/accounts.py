"""Staff accounts from the command line: there are no default accounts or passwords."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..store import Therapist
from ..store import accounts as store
from ..store import audit as audit_log
from ..web import app_state, auth


def _find(session, email: str) -> Therapist | None:
    return session.scalars(select(Therapist).where(func.lower(Therapist.email) == email)).first()


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@contextmanager
def _account(email: str):
    """(session, account) in a transaction that commits on leaving; exits 1 when there is no
    account for `email`."""
    with app_state.get().sessionmaker.begin() as session:
        therapist = _find(session, email)
        if therapist is None:
            _fail(f"Error: no account for {email}.")
        yield session, therapist


def _unlock(therapist: Therapist) -> None:
    therapist.failed_logins = 0
    therapist.locked_until = None


@click.command("create-therapist")
@with_appcontext
@click.argument("email")
@click.option("--admin", is_flag=True, help="Can read the audit log.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input.",
)
def create_therapist(email, admin, password_stdin):
    """Create a therapist account. Prompts for the password twice unless --password-stdin."""
    email = auth.normalise_email(email)
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        _fail(f"Error: '{email}' is not an email address.")
    with app_state.get().sessionmaker() as session:
        if _find(session, email) is not None:
            _fail(f"Error: an account for {email} already exists.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        password_hash = auth.hash_password(password)
    except auth.PasswordTooShort as exc:
        _fail(f"Error: {exc}")
    with app_state.get().sessionmaker.begin() as session:
        if _find(session, email) is not None:
            _fail(f"Error: an account for {email} already exists.")
        session.add(
            Therapist(
                email=email,
                password_hash=password_hash,
                is_admin=admin,
                active=True,
                session_token=auth.new_session_token(),
            )
        )
        audit_log.record(
            session,
            "account_created",
            actor="cli",
            ip="cli",
            detail=email + (" (admin)" if admin else ""),
        )
    click.echo(f"Created {'admin ' if admin else ''}therapist {email}.")


@click.command("deactivate-therapist")
@with_appcontext
@click.argument("email")
def deactivate_therapist(email):
    """Deactivate an account: it can no longer sign in, and open sessions end."""
    email = auth.normalise_email(email)
    with _account(email) as (session, therapist):
        therapist.active = False
        therapist.session_token = auth.new_session_token()
        store.end_sessions(session, therapist.id)
        audit_log.record(session, "account_deactivated", actor="cli", ip="cli", detail=email)
    click.echo(f"Deactivated {email}. Open sessions have ended.")


@click.command("reset-two-factor")
@with_appcontext
@click.argument("email")
def reset_two_factor(email):
    """Forget an account's authenticator and recovery codes (e.g. the only admin lost their
    phone): its sessions end and it sets up an authenticator again at its next sign-in."""
    email = auth.normalise_email(email)
    with _account(email) as (session, therapist):
        store.reset_two_factor(session, therapist)
        store.end_sessions(session, therapist.id)
        audit_log.record(session, "two_factor_reset", actor="cli", ip="cli", detail=email)
    click.echo(f"Two-factor sign-in is reset for {email}; it enrols again at its next sign-in.")


@click.command("list-therapists")
@with_appcontext
def list_therapists():
    """List staff accounts (never their passwords)."""
    with app_state.get().sessionmaker() as session:
        rows = session.scalars(select(Therapist).order_by(Therapist.email)).all()
    if not rows:
        click.echo(
            "No therapist accounts yet. Create one with "
            "`flask --app screener create-therapist EMAIL`."
        )
        return
    width = max(len(t.email) for t in rows)
    for t in rows:
        state = "active" if t.active else "deactivated"
        role = "admin" if t.is_admin else "therapist"
        factor = "2FA" if t.totp_enrolled_at else "no 2FA"
        click.echo(
            f"{t.email:<{width}}  {role:<9}  {state:<11}  {factor:<6}  "
            f"created {t.created_at:%Y-%m-%d}"
        )


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("New password", hide_input=True, confirmation_prompt=True)


@click.command("reset-password")
@with_appcontext
@click.argument("email")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from the first line of standard input.",
)
def reset_password(email, password_stdin):
    """Set a new password for an account; its open sessions end and any lock is lifted."""
    email = auth.normalise_email(email)
    with app_state.get().sessionmaker() as session:
        if _find(session, email) is None:
            _fail(f"Error: no account for {email}.")
    try:
        password_hash = auth.hash_password(_read_password(password_stdin))
    except auth.PasswordTooShort as exc:
        _fail(f"Error: {exc}")
    with _account(email) as (session, therapist):
        therapist.password_hash = password_hash
        therapist.session_token = auth.new_session_token()
        store.end_sessions(session, therapist.id)
        _unlock(therapist)
        audit_log.record(session, "password_reset", actor="cli", ip="cli", detail=email)
    click.echo(f"New password set for {email}. Open sessions have ended.")


@click.command("unlock-therapist")
@with_appcontext
@click.argument("email")
def unlock_therapist(email):
    """Lift the lock after too many failed sign-ins, before it runs out."""
    email = auth.normalise_email(email)
    with _account(email) as (session, therapist):
        _unlock(therapist)
        audit_log.record(session, "account_unlocked", actor="cli", ip="cli", detail=email)
    click.echo(f"Unlocked {email}.")


@click.command("reactivate-therapist")
@with_appcontext
@click.argument("email")
def reactivate_therapist(email):
    """Let a deactivated account sign in again (with its existing password)."""
    email = auth.normalise_email(email)
    with _account(email) as (session, therapist):
        if therapist.active:
            click.echo(f"{email} is already active.")
            return
        therapist.active = True
        _unlock(therapist)
        audit_log.record(session, "account_reactivated", actor="cli", ip="cli", detail=email)
    click.echo(f"Reactivated {email}.")


COMMANDS = (
    create_therapist,
    deactivate_therapist,
    list_therapists,
    reset_two_factor,
    reset_password,
    unlock_therapist,
    reactivate_therapist,
)
