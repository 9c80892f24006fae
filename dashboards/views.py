"""Dashboard pages: parse the filters, scope and read through ``dashboards.selectors``, render."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from agents.models import Role
from dashboards import charts, exports, selectors
from dashboards.filters import CSAT_BANDS, DashboardFilters
from satisfaction import pagecache, scoping
from satisfaction.audit import AuditAction, record_audit
from satisfaction.exceptions import NotFound
from surveys.models import Answer, Channel
from surveys.pulse_selectors import COPC_VISION_TARGET_PCT

# Who reads the team dashboards (balance, customer, operations); agents have their own page.
DASHBOARD_ROLES = (Role.ADMIN, Role.HR, Role.SUPERVISOR, Role.QUALITY)


def _round_id(request: HttpRequest) -> int | None:
    """The ``round`` query parameter as a number, or None."""
    value = request.GET.get("round", "")
    return int(value) if value.isdigit() else None


def _balance(request: HttpRequest, filters: DashboardFilters) -> selectors.BalanceDashboard:
    scoping.require_role(request.user, *DASHBOARD_ROLES)
    return selectors.balance_dashboard(request.user, filters)


def _customer(request: HttpRequest, filters: DashboardFilters) -> selectors.CustomerDashboard:
    scoping.require_role(request.user, *DASHBOARD_ROLES)
    return selectors.customer_dashboard(request.user, filters)


def _operations(request: HttpRequest, filters: DashboardFilters) -> selectors.OperationsDashboard:
    scoping.require_role(request.user, *DASHBOARD_ROLES)
    return selectors.operations_dashboard(request.user, filters)


def _employee(request: HttpRequest, filters: DashboardFilters) -> selectors.EmployeeDashboard:
    return selectors.employee_dashboard(request.user, filters, round_id=_round_id(request))


def _me(request: HttpRequest, filters: DashboardFilters) -> selectors.AgentDashboard:
    return selectors.agent_dashboard(request.user, filters)


PAGES: dict[str, Callable[[HttpRequest, DashboardFilters], Any]] = {
    "balance": _balance,
    "customer": _customer,
    "operations": _operations,
    "employee": _employee,
    "me": _me,
}


# The pages' titles; the customer page adds the name of the group it shows.
PAGE_TITLES = {
    "balance": _("Balance"),
    "customer": _("Customers"),
    "employee": _("Employees"),
    "operations": _("Operations"),
    "me": _("My scores"),
}


def _cache_parts(request: HttpRequest, kind: str, filters: DashboardFilters, *more: str) -> tuple:
    """What a kept page or export depends on besides the data: who, what, which period, which language."""
    return (kind, *more, request.user.pk, translation.get_language(), filters.query(), request.GET.urlencode())


def _render_page(request: HttpRequest, page: str, filters: DashboardFilters, extra: dict[str, Any]) -> dict[str, str]:
    """The page's title and body (everything under the top bar), rendered."""
    data = PAGES[page](request, filters)
    context = {
        "data": data,
        "filters": filters,
        "page": page,
        "export_query": request.GET.urlencode(),
        **selectors.filter_options(request.user, filters),
        **extra,
    }
    chart_builder = {
        "balance": charts.balance_charts,
        "customer": charts.customer_charts,
        "employee": lambda d: charts.employee_charts(d, copc_target=COPC_VISION_TARGET_PCT),
        "me": charts.agent_charts,
    }.get(page)
    context["charts"] = chart_builder(data) if chart_builder else []
    title = str(PAGE_TITLES[page])
    if page == "customer":
        title = f"{title} · {data.name}"
    return {"title": title, "body": render_to_string(f"dashboards/_{page}_body.html", context, request=request)}


def _page(request: HttpRequest, page: str, **extra: Any) -> HttpResponse:
    """A dashboard page: its body kept rendered per user and filters until its data changes."""
    filters = DashboardFilters.from_query(request.GET)
    payload = pagecache.cached(
        _cache_parts(request, "page", filters, page), lambda: _render_page(request, page, filters, extra)
    )
    return render(request, "dashboards/page.html", payload)


@login_required
def balance(request: HttpRequest) -> HttpResponse:
    return _page(request, "balance")


@login_required
def customer(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        "customer",
        cut_filters=True,
        channel_options=Channel.choices,
        sentiment_options=Answer.Sentiment.choices,
        csat_bands=list(CSAT_BANDS),
    )


@login_required
def operations(request: HttpRequest) -> HttpResponse:
    return _page(request, "operations")


@login_required
def employee(request: HttpRequest) -> HttpResponse:
    return _page(request, "employee")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    return _page(request, "me")


@login_required
def contact(request: HttpRequest, external_id: str) -> HttpResponse:
    detail = selectors.contact_detail(request.user, external_id)
    record_audit(actor=request.user, action=AuditAction.PERSONAL_DATA_VIEWED, obj=detail.contact, request=request)
    return render(request, "dashboards/contact.html", {"detail": detail})


# Tables with a row per contact or case (customers' comments, agents' grievances): exports are audited.
PERSONAL_TABLES = frozenset({"contacts", "mismatches", "tickets", "cases", "hidden", "comments"})


@login_required
def export(request: HttpRequest, page: str, table: str, fmt: str) -> HttpResponse:
    """One table of a page as CSV or Excel, with the page's filters, scoping and anonymity."""
    if page not in PAGES or fmt not in exports.FORMATS:
        raise NotFound()
    filters = DashboardFilters.from_query(request.GET)

    def build() -> tuple[bytes, str, int]:
        tables = PAGES[page](request, filters).tables
        if table not in tables:
            raise NotFound()
        return (*exports.table_file(tables[table], fmt=fmt), len(tables[table].rows))

    content, content_type, rows = pagecache.cached(_cache_parts(request, "export", filters, page, table, fmt), build)
    if table in PERSONAL_TABLES:
        # Every download is recorded, kept or not.
        record_audit(
            actor=request.user,
            action=AuditAction.PERSONAL_DATA_EXPORTED,
            object_type="dashboards.export",
            object_id=f"{page}/{table}.{fmt}",
            detail={"rows": rows, "query": request.GET.urlencode()},
            request=request,
        )
    return exports.file_response(content, content_type, filename=f"{page}-{table}-{filters.start}-{filters.end}.{fmt}")
