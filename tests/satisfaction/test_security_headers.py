"""Security headers and the Content Security Policy (issue 9)."""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/s/unknown-token", "/api/docs/"])
def test_pages_carry_the_strict_policy(client, admin_user, path):
    client.force_login(admin_user)
    policy = _policy(client.get(path))
    for directive, value in STRICT.items():
        assert policy[directive] == value
    assert "unsafe-inline" not in " ".join(policy.values())


def test_only_redoc_may_use_inline_styles(client, admin_user):
    client.force_login(admin_user)
    policy = _policy(client.get("/api/redoc/"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == "'self'"


def test_other_security_headers_are_sent(client, db):
    response = client.get("/login/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_have_no_inline_script_style_or_handler():
    offenders = []
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    for template in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}")
    assert offenders == []


def test_a_nul_character_in_the_query_is_refused_not_a_server_error(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/api/v1/cases/?team=a%00b").status_code == 400
    assert client.get("/org/overview/?team=%00").status_code == 400
