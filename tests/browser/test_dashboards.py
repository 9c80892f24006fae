"""The dashboards in Chromium: every role's pages, charts drawn, drill-down, filters and exports."""

import csv
import io
import re
from pathlib import Path

import pytest

from tests.browser.conftest import screenshot
from tests.dashboards.centre import PASSWORD, build_centre

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The pages each role opens, with the screenshot name of each.
ROLE_PAGES = {
    "admin": ["balance", "customer", "operations", "employee"],
    "hr": ["balance", "employee"],
    "quality": ["balance", "customer", "operations"],
    "leader": ["balance", "customer", "operations", "employee"],
    "agent": ["me"],
}


@pytest.fixture
def centre(transactional_db):
    return build_centre()


@pytest.fixture
def locale() -> str:
    return "en-GB"


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _charts_drawn(page) -> None:
    """Every chart placeholder was drawn by ECharts into a canvas."""
    charts = page.locator("[data-chart]")
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("data-drawn") == "true"
        assert chart.locator("canvas").count() >= 1


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_opens_its_pages_without_errors(page, live_server, centre, role):
    _log_in(page, live_server, centre.users[role].username)
    if role != "agent":
        assert page.url.endswith("/dashboards/balance/")  # the landing page
    for name in ROLE_PAGES[role]:
        page.goto(f"{live_server.url}/dashboards/{name}/")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").count() == 1
        _charts_drawn(page)
        screenshot(page, f"dashboard-{name}-{role}")
    assert page.console_errors == []


def test_balance_plane_has_every_team_and_the_link(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    assert page.locator("[data-chart]").count() == 2
    _charts_drawn(page)
    assert "goes with" in page.inner_text("#link")
    page.click('section[data-table="ranking"] a:text("Team Bravo")')
    page.wait_for_load_state()
    assert "team=team-b" in page.url
    assert "Team Bravo" in page.locator("h1").inner_text()
    assert page.console_errors == []


def test_balance_page_on_a_tablet_in_chinese(browser, live_server, centre):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _log_in(page, live_server, centre.users["leader"].username)
    page.wait_for_load_state("networkidle")
    _charts_drawn(page)
    assert "Team Bravo" not in page.inner_text("main")
    screenshot(page, "dashboard-balance-tablet-zh")
    context.close()
    assert errors == []


def test_drill_down_from_the_centre_to_one_contact(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/")
    page.click('section[data-table="children"] a:text("Site A")')
    page.click('section[data-table="children"] a:text("Team Alpha")')
    agent = centre.agents["team-a"][0]
    page.click(f'section[data-table="children"] a:text("{agent.name}")')
    page.wait_for_load_state("networkidle")
    assert f"agent={agent.employee_number}" in page.url
    _charts_drawn(page)
    screenshot(page, "dashboard-customer-agent")
    page.click(f'section[data-table="contacts"] a:text("{centre.contact_a}")')
    page.wait_for_load_state()
    assert centre.contact_a in page.locator("h1").inner_text()
    assert "+86*******5678" in page.inner_text("#contact-facts")
    assert page.locator("#answers tbody tr").count() >= 3
    assert page.locator("#timeline li").count() >= 2
    screenshot(page, "dashboard-contact")
    assert page.console_errors == []


def test_a_filter_change_shows_in_the_url_and_the_figures(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a&start={centre.months[-1]}")
    assert page.inner_text('[data-figure="n_responses"]') == "18"
    page.select_option("#f-granularity", "week")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "granularity=week" in page.url
    assert "team=team-a" in page.url
    assert page.inner_text('[data-figure="n_responses"]') == "6"
    _charts_drawn(page)
    assert page.console_errors == []


def test_an_export_downloads_a_file_whose_totals_match_the_page(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?site=site-a")
    shown = int(page.inner_text('[data-figure="n_responses"]'))
    with page.expect_download() as info:
        page.click('section[data-table="children"] a[data-export="csv"]')
    download = info.value
    assert re.fullmatch(r"customer-children-.*\.csv", download.suggested_filename)
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert sum(int(r["n_responses"]) for r in rows) == shown
    with page.expect_download() as info:
        page.click('section[data-table="children"] a[data-export="xlsx"]')
    assert info.value.suggested_filename.endswith(".xlsx")


def test_the_customer_page_draws_the_csat_distribution_and_expectation_against_experience(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a2")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page)
    for name in ("distribution", "expectation"):
        chart = page.locator(f'[data-chart-name="{name}"]')
        assert chart.get_attribute("data-drawn") == "true", name
        assert chart.locator("canvas").count() >= 1, name
    counts = page.locator('section[data-table="distribution"] td[data-key="responses"]').all_inner_texts()
    assert counts == ["0", "6", "6", "6", "0"]
    screenshot(page, "dashboard-customer-distribution")
    assert page.console_errors == []


def test_a_channel_filter_shows_in_the_url_and_changes_the_figures(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a2")
    assert page.inner_text('[data-figure="n_responses"]') == "18"
    page.select_option("#f-channel", "web")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "channel=web" in page.url
    assert page.inner_text('[data-figure="n_responses"]') == "6"
    assert page.inner_text('[data-figure="csat_pct"]') == "0.0"
    _charts_drawn(page)
    screenshot(page, "dashboard-customer-channel-web")
    # The drill-down keeps the channel.
    agent = centre.agents["team-a2"][0]
    page.click(f'section[data-table="children"] a:text("{agent.name}")')
    page.wait_for_load_state("networkidle")
    assert "channel=web" in page.url and f"agent={agent.employee_number}" in page.url
    assert page.inner_text('[data-figure="n_responses"]') == "1"
    assert page.console_errors == []


def test_the_customer_page_draws_the_kano_chart_and_lists_hidden_dissatisfaction(page, live_server, centre):
    _log_in(page, live_server, centre.users["admin"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a&start={centre.months[-1]}")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page)
    chart = page.locator('[data-chart-name="kano"]')
    assert chart.get_attribute("data-drawn") == "true"
    assert chart.locator("canvas").count() >= 1
    kano = page.locator('section[data-table="kano"] td[data-key="kano_category"]').all_inner_texts()
    assert kano == ["must-be", "indifferent"]
    hidden = page.locator('section[data-table="hidden"] td[data-key="contact"] a')
    assert hidden.count() == 3
    screenshot(page, "dashboard-customer-kano-hidden")
    hidden.first.click()
    page.wait_for_load_state()
    assert "/dashboards/contacts/TEAM-A-" in page.url
    assert page.console_errors == []


def test_the_kano_chart_in_chinese(browser, live_server, centre):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _log_in(page, live_server, centre.users["leader"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a&start={centre.months[-1]}")
    page.wait_for_load_state("networkidle")
    _charts_drawn(page)
    assert "必备型" in page.inner_text('section[data-table="kano"]')
    assert "TEAM-B-" not in page.inner_text("main")
    screenshot(page, "dashboard-customer-kano-zh")
    context.close()
    assert errors == []


def test_comment_filters_go_into_the_url_and_narrow_the_comments(page, live_server, centre):
    _log_in(page, live_server, centre.users["leader"].username)
    page.goto(f"{live_server.url}/dashboards/customer/?team=team-a&start={centre.months[-1]}")
    comments = page.locator('section[data-table="comments"] td[data-key="comment"]')
    assert comments.count() == 4
    page.select_option("#f-sentiment", "negative")
    page.select_option("#f-csat", "4-5")
    page.click("#dash-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "sentiment=negative" in page.url and "csat=4-5" in page.url
    assert comments.all_inner_texts() == ["Waited far too long", "The line kept dropping"]
    assert "Awful hold music" not in page.inner_text("main")
    _charts_drawn(page)
    screenshot(page, "dashboard-customer-comments-negative")
    assert page.console_errors == []
