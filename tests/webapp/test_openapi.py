"""The OpenAPI description matches the app: every JSON route, its parameters, and what it answers.

The conformance check sends each operation a bounded set of hostile and ordinary
values for every parameter and checks that the answer is one the description
lists, never a 5xx, and that errors have the documented shape.
"""

from __future__ import annotations

import itertools
import json

import pytest

from webapp import create_app

SAMPLE_PATH = {"lang": "nl", "plural": "partnerships", "local": "brasschaat-tarija", "seq": "1", "run": "x",
               "municipality": "tarija-bolivia", "exercise": "participation-radar"}
VALUES = ["", "x", "0", "-1", "99999999999999999999", "a" * 3000, "<script>alert(1)</script>", "%00",
          "\u0000", "Łódź", "sdg:13", "theme:water", "municipality:herent-belgium", "desc", "' OR 1=1 --"]


@pytest.fixture
def api(seeded_store):
    app = create_app({"TESTING": True, "STORE": seeded_store, "RATELIMIT_ENABLED": False})
    return app, app.test_client()


def operations(document: dict):
    for path, item in document["paths"].items():
        if "get" in item:
            yield path, item["get"]


def test_every_json_route_is_described_with_the_parameters_it_reads(api):
    app, client = api
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    described = {op["operationId"]: op for _, op in operations(document)}
    described.update({item["post"]["operationId"].removesuffix(".post"): item["post"]
                      for item in document["paths"].values() if "post" in item and "get" not in item})
    json_endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.rule.endswith(".json")}
    assert json_endpoints <= set(described)
    for endpoint in json_endpoints:
        declared = set(getattr(app.view_functions[endpoint], "query_params", ()))
        query = {p["name"] for p in described[endpoint]["parameters"] if p["in"] == "query"}
        assert query == declared, endpoint
    assert "429" in described["search.search"]["responses"] and "429" not in described["browse.node"]["responses"]


def check_error_shape(body: dict, status: int) -> None:
    error = body["error"]
    assert error["status"] == status and isinstance(error["title"], str) and isinstance(error["message"], str)


def test_every_operation_answers_only_what_it_documents(api):
    app, client = api
    document = client.get("/openapi.json").get_json()
    checked = 0
    for path, op in operations(document):
        url = path.format(**SAMPLE_PATH)
        names = [p["name"] for p in op["parameters"] if p["in"] == "query"]
        cases = [{}] + [{name: value} for name, value in itertools.product(names, VALUES)]
        for query in cases:
            response = client.get(url, query_string=query)
            where = f"GET {url} {query!r}: {response.status_code}"
            assert str(response.status_code) in op["responses"], where
            assert response.mimetype == "application/json", where
            body = json.loads(response.get_data(as_text=True), parse_constant=lambda c: pytest.fail(c))
            assert isinstance(body, dict), where
            documented = op["responses"][str(response.status_code)]
            if "$ref" in documented:
                assert isinstance(body.get("error"), dict), where
                check_error_shape(body, response.status_code)
            else:
                schema = documented["content"]["application/json"]["schema"]
                assert set(schema.get("required", ())) <= set(body), where
            checked += 1
    assert checked > 300
