"""Sign-in: repeated wrong passwords lock a username out, from that address (django-axes)."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def coder():
    return User.objects.create_user("coder", password=PASSWORD, is_staff=True)


def sign_in(client, password, username="coder", address="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_five_wrong_passwords_are_answered_then_the_account_is_locked(client, coder):
    for attempt in range(1, 5):
        response = sign_in(client, f"wrong {attempt}")
        assert response.status_code == 200, attempt
        assert "Please enter the correct username and password" in response.content.decode()
    # The fifth wrong password reaches the limit: it and everything after it is refused.
    assert sign_in(client, "wrong 5").status_code == 429
    sixth = sign_in(client, "wrong 6")
    assert sixth.status_code == 429
    assert "Account locked" in sixth.content.decode()
    # Now even the right password does not get in from this address...
    assert sign_in(client, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ...while the same coder from another address, and another user here, still can.
    other = User.objects.create_user("reviewer", password=PASSWORD, is_staff=True)
    assert sign_in(client, PASSWORD, username="reviewer").status_code == 302
    client.logout()
    assert sign_in(client, PASSWORD, address="198.51.100.9").status_code == 302
    assert int(client.session["_auth_user_id"]) == coder.pk != other.pk


def test_the_lockout_ends_after_the_cool_off(client, coder):
    for attempt in range(5):
        sign_in(client, f"wrong {attempt}")
    assert sign_in(client, PASSWORD).status_code == 429
    # Thirty minutes later (the default DJANGO_LOGIN_COOLOFF_MINUTES) the pair may try again.
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31))
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_successful_sign_in_resets_the_count(client, coder):
    for attempt in range(4):
        sign_in(client, f"wrong {attempt}")
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for attempt in range(4):
        assert sign_in(client, f"wrong again {attempt}").status_code == 200


def test_the_test_clients_login_still_works_without_a_request(client, coder):
    # authenticate() without a request has no client to lock out (see infra.signin).
    assert client.login(username="coder", password=PASSWORD)
    assert not client.login(username="coder", password="wrong")
