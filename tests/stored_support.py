"""Fixtures shared by the stored-column tests (test_stored_evidence, test_stored_series,
test_stored_region): the API's small world, and a reviewer who may see restricted articles
and write claims, whose counts must come from the computed path, never the stored one."""

import pytest

from tests.api_data import build, user_with


@pytest.fixture
def d():
    return build()


@pytest.fixture
def reviewer():
    return user_with("rita", "view_restricted", "review_article", "change_article", "add_claim", "change_claim", "delete_claim")
