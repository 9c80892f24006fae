"""A customer answers the web survey in a real browser, by keyboard, with JavaScript off."""

import pytest

from surveys.models import Answer
from tests.browser.conftest import screenshot
from tests.factories import InvitationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_answers_by_keyboard_without_javascript_and_resumes(browser, live_server):
    invitation = InvitationFactory(language="zh-hans")
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    url = f"{live_server.url}/s/{invitation.token}"
    page.goto(url)
    assert "您对本次通话总体满意吗" in page.inner_text("legend")
    assert page.locator("progress").get_attribute("value") == "1"
    screenshot(page, "survey-web-question-zh")
    # Keyboard only: choose the first option, arrow to the fourth, tab to the button, press Enter.
    page.focus("#choice-1")
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert Answer.objects.get(item="csat").value == 4.0
    assert page.locator("progress").get_attribute("value") == "2"
    context.close()
    # A new visit later resumes at the second question.
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(url + "?lang=en")
    assert "Before the call" in page.inner_text("legend")
    page.check("#choice-6")
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert Answer.objects.filter(response__contact=invitation.contact).count() == 2
    screenshot(page, "survey-web-question-en")
    context.close()
