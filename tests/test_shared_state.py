"""Throttles counted in the "throttles" cache (infra/throttling.py): Redis with REDIS_URL, shared
by every server (tests/replication/test_shared_state.py proves it with two gunicorns and a real
Redis); here the counting itself, on the cache abstraction, with a clock the test moves."""

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from infra.throttling import AnonThrottle, UserThrottle


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    caches["throttles"].clear()
    clock = Clock(6000.0)  # the start of a minute
    monkeypatch.setattr(AnonThrottle, "timer", clock)
    monkeypatch.setattr(UserThrottle, "timer", clock)
    yield clock
    caches["throttles"].clear()


def anonymous(address="10.0.0.1"):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/api/v1/sources/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def allowed(throttle_class, request, times):
    return [throttle_class().allow_request(request, None) for _ in range(times)]


@override_settings(API_ANON_THROTTLE_RATE="4/minute")
def test_the_fifth_request_in_a_minute_is_refused_and_told_how_long_to_wait(clock):
    assert allowed(AnonThrottle, anonymous(), 5) == [True, True, True, True, False]
    throttle = AnonThrottle()
    clock.now += 15
    assert throttle.allow_request(anonymous(), None) is False
    assert throttle.wait() == 45  # until this window ends
    # Another address has its own count.
    assert allowed(AnonThrottle, anonymous("10.0.0.2"), 1) == [True]


@override_settings(API_ANON_THROTTLE_RATE="4/minute")
def test_the_window_slides_the_previous_minute_weighs_what_it_still_covers(clock):
    assert allowed(AnonThrottle, anonymous(), 4) == [True] * 4
    # A quarter into the next minute: 4 x 0.75 = 3 of the last 60 s still count, so one more
    # request is let through (3 + 1 = 4), not four (a fixed window's burst at the boundary).
    clock.now += 75
    assert allowed(AnonThrottle, anonymous(), 2) == [True, False]
    # Three quarters in: 4 x 0.25 = 1 of the previous minute, plus the 1 of this one.
    clock.now += 30
    assert allowed(AnonThrottle, anonymous(), 3) == [True, True, False]


@override_settings(API_ANON_THROTTLE_RATE="2/minute")
def test_refused_requests_do_not_count_against_later_ones(clock):
    assert allowed(AnonThrottle, anonymous(), 10) == [True, True] + [False] * 8
    clock.now += 120  # two minutes on: both windows gone
    assert allowed(AnonThrottle, anonymous(), 3) == [True, True, False]


@pytest.mark.django_db
@override_settings(API_USER_THROTTLE_RATE="3/minute", API_ANON_THROTTLE_RATE="1/minute")
def test_a_token_holder_is_counted_per_user_not_per_address(clock):
    from tests.admin_support import make_user

    user = make_user("coder", "throttled-coder")
    requests = []
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        request = anonymous(address)
        request.user = user
        requests.append(request)
    assert [UserThrottle().allow_request(r, None) for r in requests] == [True, True, True, False]
    # Their requests are not the anonymous throttle's.
    assert allowed(AnonThrottle, requests[0], 3) == [True] * 3


@override_settings(API_USER_THROTTLE_RATE="")
def test_without_a_user_rate_signed_in_requests_are_not_throttled(clock):
    request = anonymous()
    request.user = type("U", (), {"is_authenticated": True, "pk": 1})()
    assert allowed(UserThrottle, request, 50) == [True] * 50
