"""schemathesis against the project's own OpenAPI schema (issue 9): no 5xx, responses as documented.

Every operation gets a bounded number of generated requests, authenticated as an administrator's
integration token, through the WSGI application in-process.
"""

import pytest
import schemathesis
from django.test.client import ClientHandler
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from satisfaction.tokens import create_api_token

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


_handler: list[ClientHandler] = []


def wsgi_app(environ, start_response):
    """The project as a WSGI app that, like Django's test client, leaves the test's connection open."""
    if not _handler:
        _handler.append(ClientHandler(enforce_csrf_checks=False))
    response = _handler[0](environ)
    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
    return [response.content]


# The schema /api/schema/ serves, generated without a request so that collection needs no database.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = wsgi_app


@pytest.fixture
def bearer(admin_user, team_a, agent_a) -> dict[str, str]:
    _token, secret = create_api_token(name="schemathesis", kind="other", created_by=admin_user)
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_schema_and_never_answers_5xx(case, bearer):
    response = case.call(headers=bearer)
    case.validate_response(response, checks=CHECKS)
