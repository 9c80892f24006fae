"""Pages of the agents app, one module per domain; ``agents.urls`` maps them."""

from agents.views.organisation import agent_detail, home, me, overview, team_detail

__all__ = ["agent_detail", "home", "me", "overview", "team_detail"]
