"""Staff accounts from the command line."""

from __future__ import annotations

from screener.web import auth
from tests.staff_helpers import (
    PASSWORD,
    audit_rows,
    fast_hashing,  # noqa: F401  (fixture)
    login,
    therapist,
)


def create(runner, *args, input=PASSWORD + "\n"):
    return runner.invoke(args=["create-therapist", *args, "--password-stdin"], input=input)


def test_create_with_password_stdin_then_sign_in(app, runner, client):
    result = create(runner, "New.Person@Example.com")
    assert result.exit_code == 0, result.output
    assert "Created therapist new.person@example.com." in result.output
    stored = therapist(app, "new.person@example.com")
    assert stored.password_hash.startswith("$argon2")
    assert PASSWORD not in stored.password_hash
    assert stored.is_admin is False and stored.active is True and stored.session_token
    # the first sign-in enrols an authenticator, then shows the recovery codes once
    first = login(client, email="new.person@example.com")
    assert first.status_code == 200 and "Save your recovery codes" in first.text
    assert client.get("/staff/").status_code == 200
    assert audit_rows(app, "account_created")[-1].detail == "new.person@example.com"


def test_create_admin(app, runner):
    result = create(runner, "boss@example.com", "--admin")
    assert result.exit_code == 0 and "Created admin therapist" in result.output
    assert therapist(app, "boss@example.com").is_admin is True


def test_prompts_twice_without_password_stdin(app, runner):
    result = runner.invoke(
        args=["create-therapist", "p@example.com"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") >= 1 and "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output
    assert auth.check_password(therapist(app, "p@example.com").password_hash, PASSWORD)


def test_prompt_mismatch_asks_again(app, runner):
    result = runner.invoke(
        args=["create-therapist", "m@example.com"],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "match" in result.output.lower()


def test_too_short_password_is_refused(app, runner):
    result = create(runner, "short@example.com", input="elevenchars\n")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output
    result = runner.invoke(args=["list-therapists"])
    assert "short@example.com" not in result.output


def test_duplicate_is_refused(app, runner):
    assert create(runner, "dup@example.com").exit_code == 0
    result = create(runner, "DUP@example.com")
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_not_an_email_is_refused(app, runner):
    result = create(runner, "not-an-email")
    assert result.exit_code == 1 and "is not an email address" in result.output


def test_deactivate_ends_sessions_and_blocks_sign_in(app, runner, client):
    create(runner, "leaver@example.com")
    login(client, email="leaver@example.com")
    assert client.get("/staff/").status_code == 200
    result = runner.invoke(args=["deactivate-therapist", "leaver@example.com"])
    assert result.exit_code == 0 and "Deactivated leaver@example.com" in result.output
    assert client.get("/staff/").status_code == 302
    assert login(client, email="leaver@example.com").status_code == 400
    result = runner.invoke(args=["deactivate-therapist", "nobody@example.com"])
    assert result.exit_code == 1 and "no account for nobody@example.com" in result.output


def test_list_therapists(app, runner):
    assert "No therapist accounts yet" in runner.invoke(args=["list-therapists"]).output
    create(runner, "b@example.com", "--admin")
    create(runner, "a@example.com")
    runner.invoke(args=["deactivate-therapist", "a@example.com"])
    lines = runner.invoke(args=["list-therapists"]).output.splitlines()
    assert lines[0].split()[:3] == ["a@example.com", "therapist", "deactivated"]
    assert lines[1].split()[:3] == ["b@example.com", "admin", "active"]
    assert "argon2" not in "\n".join(lines)


def test_reset_two_factor_from_the_command_line(app, runner, client):
    """For the only admin who lost their phone: the account enrols again, sessions end."""
    from tests.staff_helpers import make_therapist

    make_therapist(app, email="boss@example.com", admin=True)
    assert login(client, email="boss@example.com").status_code == 303
    result = runner.invoke(args=["reset-two-factor", "Boss@Example.com"])
    assert result.exit_code == 0 and "Two-factor sign-in is reset" in result.output
    assert client.get("/staff/").status_code == 302  # signed out
    stored = therapist(app, "boss@example.com")
    assert stored.totp_secret_enc is None and stored.totp_enrolled_at is None
    assert audit_rows(app, "two_factor_reset")[-1].actor == "cli"
    missing = runner.invoke(args=["reset-two-factor", "nobody@example.com"])
    assert missing.exit_code == 1 and "no account for nobody@example.com" in missing.output
