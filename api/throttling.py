"""Anonymous requests are throttled, at a rate read from settings at each request (so tests
and the schemathesis run can set it)."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE
