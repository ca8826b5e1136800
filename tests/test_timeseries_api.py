"""/api/v1/timeseries/: the same numbers as the service and the command, JSON and CSV."""

import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command

from registry.series.timeseries import compute, parse_params

from .timeseries_data import build

pytestmark = pytest.mark.django_db

URL = "/api/v1/timeseries/"


@pytest.fixture
def world():
    return build()


def test_json_for_the_headline_comparison(client, world):
    response = client.get(URL, {"regions": "Pyongyang,Chongjin", "activity": "production,investment", "max_code": "3"})
    assert response.status_code == 200
    data = response.json()
    assert data["periods"] == ["2015", "2016", "2017", "2018"]
    assert data["groups"] == ["Pyongyang", "Chongjin"]
    assert data["values"] == {"Pyongyang": [1, 1, 0, 0], "Chongjin": [1, 0, 0, 1]}
    assert data["left_out"] == {"Pyongyang": 0, "Chongjin": 0}


def test_csv_is_long_format_with_left_out_in_a_header(client, world):
    response = client.get(URL, {"regions": "Pyongyang;North Hamgyong", "interval": "quarter", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "period,group,value,flag"
    assert len(lines) == 1 + 2 * 16
    assert "2015-Q3,North Hamgyong,1," in lines
    assert response["X-Left-Out"] == "Pyongyang=1; North Hamgyong=1"


def test_service_command_and_api_give_the_same_numbers(client, world):
    params = {"regions": "Sadong;Chongjin;North Hamgyong", "activity": "investment", "interval": "quarter",
              "bands": "1", "start": "2015", "end": "2018-06"}
    service = compute(parse_params(params)).to_csv()
    out = io.StringIO()
    call_command("export_timeseries", "--regions", params["regions"], "--activity", "investment",
                 "--interval", "quarter", "--bands", "--start", "2015", "--end", "2018-06",
                 stdout=out, stderr=io.StringIO())
    api = client.get(URL, {**params, "format": "csv"}).content.decode()
    assert service == out.getvalue() == api
    # a2 (2015-08, facility 2) is the only public investment claim in Chongjin before July 2018.
    assert "2015-Q3,Chongjin ≤2,1," in api.splitlines()
    assert "2015-Q3,Chongjin ≤1,0," in api.splitlines()


def test_repeated_parameters_are_a_list(client, world):
    data = client.get(URL + "?regions=Pyongyang&regions=Chongjin").json()
    assert data["groups"] == ["Pyongyang", "Chongjin"]


def test_anonymous_users_get_public_counts_and_readers_everything(client, world):
    params = {"regions": "Pyongyang", "start": "2018", "end": "2018"}
    assert client.get(URL, params).json()["values"] == {"Pyongyang": [0]}
    reader = User.objects.create_user("reader", password="pw")
    reader.user_permissions.add(Permission.objects.get(codename="view_restricted"))
    client.force_login(reader)
    assert client.get(URL, params).json()["values"] == {"Pyongyang": [1]}  # a5, restricted


@pytest.mark.parametrize(
    "params, errors",
    [
        ({"regions": "Atlantis"}, "regions"),
        ({"start": "2015-02-30"}, "start"),
        ({"max_code": "9"}, "max_code"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, params, errors):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [errors]
    # Errors are JSON even when CSV was asked for, as on every other endpoint.
    csv = client.get(URL, {**params, "format": "csv"})
    assert csv.status_code == 400 and csv["Content-Type"].startswith("application/json")
    assert list(csv.json()["errors"]) == [errors]


def test_query_count_does_not_grow_with_bands(client, world, django_assert_num_queries):
    # Resolving the place (name, then the row), then one UNION of GROUP BYs; the data's
    # stamp: the public's last change and counts, one read of the version row where the
    # triggers keep them (registry/stored/dataversion.py); the coverage ranges of the sources in scope.
    with django_assert_num_queries(5):
        response = client.get(URL, {"regions": "Chongjin"})
    assert response.status_code == 200
    # Public Chongjin articles per year, every activity: a1, a2 (2015); a4, a6 (2018).
    assert response.json()["values"] == {"Chongjin": [2, 0, 0, 2]}
    with django_assert_num_queries(5):
        response = client.get(URL, {"regions": "Chongjin", "bands": "1", "interval": "month"})
    assert response.status_code == 200
    data = response.json()
    assert len(data["groups"]) == 5 and len(data["periods"]) == 45  # 2015-03 … 2018-11
    assert sum(data["values"]["Chongjin ≤5"]) == 4 and sum(data["values"]["Chongjin ≤1"]) == 0


def test_the_endpoint_is_in_the_schema_with_its_error_answer(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/timeseries/"]["get"]
    assert "max_code" in [p["name"] for p in operation["parameters"]]
    assert "400" in operation["responses"]


def test_options_with_format_csv_answers_json(client):
    response = client.options(URL + "?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
