"""The bulk import page: upload a CSV in the import_claims format (or, as a second kind of
file, import_history's attribute periods), read the dry-run report, confirm. It calls
services.claims_import (services.history_import), the same validation the command runs.

Between the dry run and the confirmation the file's text waits in the session, with its
SHA-256 in the confirmation form: the confirm imports exactly the file the coder checked, and
refuses if the session holds another one (a second tab uploaded a different file)."""

import base64
import hashlib

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from registry.importing.rows import HEADER, ImportFailed
from registry.access.permissions import admin_requirement, satisfied
from ..services import HISTORY_HEADER, claims_import, history_import

SESSION_KEY = "registry_claims_import"
# The session keeps the file between the two steps; bigger files go through the command.
MAX_BYTES = 10 * 1024 * 1024


CLAIMS, HISTORY = "claims", "history"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=format_lazy(_("UTF-8, first line: {header}"), header=",".join(HEADER)))
    kind = forms.ChoiceField(
        label=_("The file holds"), required=False, initial=CLAIMS,
        choices=[(CLAIMS, _("coded claims (import_claims)")),
                 (HISTORY, format_lazy(_("enterprises' attributes in time (import_history: {header})"), header=",".join(HISTORY_HEADER)))],
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file has %(size)s bytes; the admin takes up to %(limit)s. Use manage.py import_claims.")
                % {"size": f"{upload.size:,}", "limit": f"{MAX_BYTES:,}"}
            )
        return upload


def import_view(model_admin):
    def view(request):
        if not satisfied(request.user, admin_requirement("registry.article", "import")):
            raise PermissionDenied
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": model_admin.model._meta,
            "title": _("Import coded claims from CSV"),
            "header": ",".join(HEADER),
        }
        if request.method == "POST" and "confirm" in request.POST:
            return _confirm(request, context)
        form = UploadForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read()
            context["file_name"] = upload.name
            if form.cleaned_data.get("kind") == HISTORY:
                return _check_history(request, context, upload.name, data)
            try:
                plan = claims_import(data=data, user=request.user, dry_run=True)
            except ImportFailed as failed:
                context["errors"] = failed.errors
            else:
                digest = hashlib.sha256(data).hexdigest()
                request.session[SESSION_KEY] = {"sha256": digest, "name": upload.name, "data": base64.b64encode(data).decode("ascii")}
                _report(context, plan, digest)
        return TemplateResponse(request, "admin/registry/article/import.html", context)

    return view


def _may_import_history(user):
    return satisfied(user, admin_requirement("registry.attributeperiod", "add"))


def _check_history(request, context, name, data):
    """The dry run of a history file: every row through history_import, then rolled back."""
    if not _may_import_history(request.user):
        raise PermissionDenied
    context["kind"] = HISTORY
    try:
        counts = history_import(data=data, user=request.user, dry_run=True)
    except ImportFailed as failed:
        context["errors"] = failed.errors
    else:
        digest = hashlib.sha256(data).hexdigest()
        request.session[SESSION_KEY] = {"sha256": digest, "name": name, "data": base64.b64encode(data).decode("ascii"), "kind": HISTORY}
        context.update(history_counts=counts, sha256=digest)
    return TemplateResponse(request, "admin/registry/article/import.html", context)


def _confirm_history(request, context, stored, data):
    if not _may_import_history(request.user):
        raise PermissionDenied
    try:
        counts = history_import(data=data, user=request.user)
    except ImportFailed as failed:
        context.update(errors=failed.errors, file_name=stored["name"], form=UploadForm(), kind=HISTORY)
        return TemplateResponse(request, "admin/registry/article/import.html", context)
    del request.session[SESSION_KEY]
    messages.success(request, _("Imported %(name)s: %(rows)s rows; created %(created)s periods, matched %(matched)s.") % {"name": stored["name"], **counts})
    return redirect("admin:registry_attributeperiod_changelist")


def _new_enterprises(plan):
    """The enterprises the file would create, each with the existing ones it may duplicate
    (found by the import's own duplicate guard: import_matching.flag_duplicates)."""
    return [{"name": e.name, "line": e.line, "similar": e.similar} for e in plan.new_enterprises]


def _report(context, plan, digest):
    context.update(
        counts=plan.counts(), sha256=digest, new_enterprises=_new_enterprises(plan),
        refined_enterprises=plan.refined_enterprises,
    )


def _confirm(request, context):
    stored = request.session.get(SESSION_KEY)
    if not stored or stored["sha256"] != request.POST.get("sha256"):
        messages.error(request, _("The checked file is no longer waiting here; upload it again."))
        return redirect("admin:registry_article_import")
    data = base64.b64decode(stored["data"])
    if hashlib.sha256(data).hexdigest() != stored["sha256"]:
        messages.error(request, _("The stored file does not match the one checked; upload it again."))
        return redirect("admin:registry_article_import")
    if stored.get("kind") == HISTORY:
        return _confirm_history(request, context, stored, data)
    accepted = request.POST.getlist("accept_new")
    try:
        plan = claims_import(data=data, user=request.user, dry_run=False, accept_new=accepted)
    except ImportFailed as failed:
        # A possible duplicate left unconfirmed, or the database changed since the dry run
        # (someone coded the same article meanwhile): the errors, and the report again.
        context.update(errors=failed.errors, file_name=stored["name"], form=UploadForm(), accepted=accepted)
        try:
            _report(context, claims_import(data=data, user=request.user, dry_run=True), stored["sha256"])
        except ImportFailed:
            pass
        return TemplateResponse(request, "admin/registry/article/import.html", context)
    del request.session[SESSION_KEY]
    c = plan.counts()
    messages.success(
        request,
        _("Imported %(name)s: %(rows)s rows; created %(articles_created)s articles, "
          "%(enterprises_created)s enterprises, %(claims_created)s claims; matched "
          "%(articles_matched)s articles, %(enterprises_matched)s enterprises, %(claims_matched)s claims")
        % {"name": stored["name"], **c}
        + (_("; refined %(count)s enterprises.") % {"count": c["enterprises_refined"]} if c["enterprises_refined"] else "."),
    )
    return redirect("admin:registry_article_changelist")
