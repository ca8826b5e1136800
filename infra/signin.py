"""Sign-in lockout: django-axes counts wrong passwords per username and address."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check, for every sign-in that comes with an HTTP request (the admin's
    login page, DRF's token view). A call to authenticate() without a request (the test
    client's login(), the shell) has no remote client to lock out, so it is let through to
    the password check instead of failing as axes would."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
