"""Staff voice: ideas sent openly or anonymously, followed, answered and adopted."""

import re

import pytest
from django.db import IntegrityError

from surveys.models import Suggestion
from tests.factories import SuggestionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

IDEA = {"topic": "process", "title": "Golden idea", "body": "Show the caller's last contacts on screen."}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_open_idea_keeps_its_author_and_team(client, agent_a):
    client.force_login(agent_a.user)
    reply = client.post("/pulse/voice/", IDEA, follow=True)
    assert "Golden idea" in reply.content.decode()
    suggestion = Suggestion.objects.get()
    assert (suggestion.author, suggestion.team_code, suggestion.site_code) == (agent_a.user, "team-a", "site-a")
    assert suggestion.status == "submitted"


def test_an_anonymous_idea_keeps_no_author_and_is_followed_by_its_code(client, agent_a):
    client.force_login(agent_a.user)
    reply = client.post("/pulse/voice/", {**IDEA, "anonymous": "on"})
    code = re.search(r"<code>([^<]+)</code>", reply.content.decode()).group(1)
    suggestion = Suggestion.objects.get()
    assert (suggestion.author, suggestion.team_code, suggestion.site_code) == (None, "", "")
    assert code not in suggestion.tracking_hash
    # The author's own list holds only open ideas: nothing ties this one to them.
    assert "Golden idea" not in client.get("/pulse/voice/").content.decode()
    found = client.post("/pulse/voice/track/", {"code": code}).content.decode()
    assert "Golden idea" in found
    assert "Submitted" in found
    assert "No idea has this code." in client.post("/pulse/voice/track/", {"code": "guess"}).content.decode()


def test_hr_answers_and_adopts_an_idea_and_it_appears_on_the_adopted_page(client, hr_user, agent_a):
    suggestion = SuggestionFactory(author=agent_a.user, title="Golden idea")
    client.force_login(hr_user)
    client.post(f"/pulse/voice/{suggestion.pk}/", {"status": "adopted", "response": "Live from next month."})
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.responded_by) == ("adopted", hr_user)
    assert suggestion.adopted_on is not None
    client.force_login(agent_a.user)
    assert "Live from next month." in client.get("/pulse/voice/").content.decode()
    adopted = client.get("/pulse/voice/adopted/").content.decode()
    assert "Golden idea" in adopted
    assert agent_a.user.username in adopted


def test_adopting_or_declining_needs_an_answer(client, hr_user):
    suggestion = SuggestionFactory()
    client.force_login(hr_user)
    assert client.post(f"/pulse/voice/{suggestion.pk}/", {"status": "declined", "response": ""}).status_code == 400
    suggestion.refresh_from_db()
    assert suggestion.status == "submitted"


def test_a_team_leader_answers_open_ideas_of_their_own_teams_only(client, leader_a, site_b):
    own = SuggestionFactory(title="From my team", team_code="team-a")
    other = SuggestionFactory(title="From team B", team_code="team-b", site_code="site-b")
    anonymous = SuggestionFactory(title="Anonymous idea", anonymous=True, author=None, team_code="", site_code="")
    client.force_login(leader_a)
    inbox = client.get("/pulse/voice/inbox/").content.decode()
    assert "From my team" in inbox
    assert "From team B" not in inbox
    assert "Anonymous idea" not in inbox
    assert client.get(f"/pulse/voice/{other.pk}/").status_code == 404
    assert client.get(f"/pulse/voice/{anonymous.pk}/").status_code == 404
    client.post(f"/pulse/voice/{own.pk}/", {"status": "reviewing", "response": "Looking into it."})
    own.refresh_from_db()
    assert own.status == "reviewing"


def test_hr_sees_every_idea_anonymous_ones_included(client, hr_user):
    SuggestionFactory(title="Anonymous idea", anonymous=True, author=None, team_code="", site_code="")
    SuggestionFactory(title="Open idea", team_code=TeamFactory(code="team-z").code)
    client.force_login(hr_user)
    inbox = client.get("/pulse/voice/inbox/").content.decode()
    assert "Anonymous idea" in inbox
    assert "Open idea" in inbox


def test_agents_have_no_inbox(client, agent_a):
    client.force_login(agent_a.user)
    assert client.get("/pulse/voice/inbox/").status_code == 403
    assert client.get(f"/pulse/voice/{SuggestionFactory().pk}/").status_code == 404


def test_an_anonymous_idea_cannot_be_stored_with_an_author(db):
    with pytest.raises(IntegrityError, match="anonymous_suggestion_has_no_author"):
        SuggestionFactory(anonymous=True, author=UserFactory(username="named"))
