"""Notifications in the app (and by e-mail), the agent's own page, and the navigation by role."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agents.models import Notification
from agents.services import notify
from tests.factories import GrievanceFactory, KpiRecordFactory, QualityEvaluationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_stores_and_emails_after_commit(agent_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[agent_a.user], text="Hello", link="/org/me/")
    assert Notification.objects.get().text == "Hello"
    assert mail.outbox[0].to == [agent_a.user.email]
    assert "/org/me/" in mail.outbox[0].body


def test_a_user_without_an_email_address_gets_the_notification_in_the_app_only(
    team_a, django_capture_on_commit_callbacks
):
    user = UserFactory(role="agent", email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[user], text="Hello")
    assert Notification.objects.filter(user=user).exists()
    assert mail.outbox == []


def test_the_agents_page_shows_their_notifications_and_performance(client, agent_a, agent_b, quality_user):
    notify(users=[agent_a.user], text="Your grievance on contact C1 was upheld: abuse.", email=False)
    notify(users=[agent_b.user], text="Someone else's news", email=False)
    today = timezone.localdate()
    KpiRecordFactory(agent=agent_a, date=today - dt.timedelta(days=1), handled=50, handle_seconds=15000)
    QualityEvaluationFactory(agent=agent_a, evaluated_on=today, score=90)
    client.force_login(agent_a.user)
    page = client.get(reverse("agents:me")).content.decode()
    assert "Your grievance on contact C1 was upheld" in page
    assert "Someone else&#x27;s news" not in page and "Someone else's news" not in page
    assert "300" in page  # AHT 15000 / 50
    assert "90.0" in page


def test_marking_notifications_read(client, agent_a):
    notify(users=[agent_a.user], text="One", email=False)
    client.force_login(agent_a.user)
    assert 'class="unread"' in client.get(reverse("agents:notifications")).content.decode()
    client.post(reverse("agents:notifications"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_agent_page_of_a_team_leader_shows_performance_of_their_agents_only(client, leader_a, agent_a, agent_b):
    GrievanceFactory(contact__agent=agent_a)
    client.force_login(leader_a)
    assert "Recognition points" in client.get(reverse("agents:agent", args=["A001"])).content.decode()
    assert client.get(reverse("agents:agent", args=["B001"])).status_code == 404


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("agent", ["Grievances", "Praise", "Notifications"], ["Follow-up cases", "KPI records"]),
        ("supervisor", ["Follow-up cases", "Targets", "Quality evaluations"], ["KPI records"]),
        ("quality", ["Follow-up cases", "Grievances", "Praise"], ["KPI records"]),
        ("admin", ["KPI records", "Follow-up cases"], []),
    ],
)
def test_the_navigation_offers_each_role_its_pages(client, role, shown, hidden, team_a):
    client.force_login(UserFactory(role=role))
    nav = client.get(reverse("agents:notifications")).content.decode().split("</nav>")[0]
    for label in shown:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav
