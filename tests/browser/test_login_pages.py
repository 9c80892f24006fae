"""Logging in through a real browser, in both languages, with the role's navigation."""

import pytest

from tests.browser.conftest import screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-word-123"


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_supervisor_logs_in_and_sees_only_own_team_in_chinese(page, live_server, team_a, team_b):
    leader = UserFactory(role="supervisor", username="leader-browser", password=PASSWORD)
    team_a.leader = leader
    team_a.save()
    _log_in(page, live_server, "leader-browser")
    assert page.url.endswith("/dashboards/balance/")  # supervisors land on the balance dashboard
    page.goto(f"{live_server.url}/org/overview/")
    body = page.inner_text("main")
    assert "班组" in page.inner_text("header")  # the default language is Simplified Chinese
    assert team_a.name in body
    assert team_b.name not in body
    assert page.console_errors == []
    assert page.locator("h1").inner_text() == "班组"
    screenshot(page, "overview-zh")


def test_an_english_browser_gets_english_pages(browser, live_server, db):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Log in"
    context.close()


def test_language_switch_shows_english_and_keeps_the_page(page, live_server, team_a):
    leader = UserFactory(role="supervisor", username="leader-en", password=PASSWORD)
    team_a.leader = leader
    team_a.save()
    _log_in(page, live_server, "leader-en")
    page.goto(f"{live_server.url}/org/overview/")
    page.select_option("#language", "en")
    page.click("form.lang button")
    page.wait_for_load_state()
    assert "Active agents" in page.inner_text("main")
    assert page.url.endswith("/org/overview/")
    screenshot(page, "overview-en")


def test_wrong_password_shows_an_error(page, live_server, db):
    UserFactory(username="someone", password=PASSWORD)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "someone")
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    assert "/login/" in page.url


def test_agent_navigation_has_no_team_overview(page, live_server, agent_a):
    agent_a.user.set_password(PASSWORD)
    agent_a.user.save()
    _log_in(page, live_server, agent_a.user.username)
    nav = page.inner_text("header nav")
    assert "我的页面" in nav
    assert "班组" not in nav
    assert agent_a.employee_number in page.inner_text("main")
