"""KPI upload and import history (administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agents import selectors
from agents.forms import KpiUploadForm
from agents.models import Role
from agents.services import import_kpi_file
from satisfaction import scoping
from satisfaction.exceptions import ValidationFailed

HISTORY_LENGTH = 50


@login_required
def kpi_imports(request: HttpRequest) -> HttpResponse:
    scoping.require_role(request.user, Role.ADMIN)
    form = KpiUploadForm(request.POST or None, request.FILES or None)
    refused: ValidationFailed | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            history = import_kpi_file(upload.read(), filename=upload.name, imported_by=request.user)
        except ValidationFailed as exc:
            refused = exc
        else:
            messages.success(
                request,
                _("KPI records imported: %(c)s created, %(u)s replaced, %(n)s unchanged.")
                % {"c": history.created, "u": history.updated, "n": history.unchanged},
            )
            return redirect("agents:kpi_imports")
    context = {"form": form, "refused": refused, "history": selectors.import_history()[:HISTORY_LENGTH]}
    return render(request, "agents/kpi_imports.html", context, status=400 if refused else 200)


@login_required
def kpi_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scoping.require_role(request.user, Role.ADMIN)
    history = selectors.get_kpi_import(pk)
    return render(request, "agents/kpi_import_detail.html", {"history": history})
