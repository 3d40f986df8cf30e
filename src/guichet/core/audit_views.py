"""The auditor's pages (/backoffice/audit/): who read what their organisation holds.

Signed in, then the auditor role with a passed second factor (``auditor_organisation_ids``):
anyone else gets the same 404 as a missing page. An auditor membership gives no agent powers
(``territory.selectors.agent_scope``): auditors read the log, not the cases. The records are
scoped to the auditor's organisations before any filter.
"""

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from guichet.core.access import AccessDoor, access_record, request_query
from guichet.core.exports import csv_cell
from guichet.core.forms import AccessFilterForm
from guichet.core.selectors import AccessFilters, access_records_for_auditor
from guichet.territory.selectors import auditor_organisation_ids, members_of

PAGE_SIZE = 50
#: Columns of the CSV export, in order: header, and the record's field (None: the date).
CSV_COLUMNS = {
    "date": None,
    "agent": "actor_label",
    "agent_id": "actor_id",
    "organisation_id": "organisation_id",
    "acces": "door",
    "type_objet": "object_type",
    "id_objet": "object_id",
    "reference_demande": "case_reference",
    "id_piece_jointe": "attachment_id",
    "recherche_ou_filtres": "query",
    "nombre_de_lignes": "count",
    "methode": "method",
    "chemin": "path",
    "adresse_ip": "ip_address",
}


def _auditor_organisations(request) -> set[int]:
    organisation_ids = auditor_organisation_ids(request.user)
    if not organisation_ids:
        raise Http404("not an auditor")
    return organisation_ids


def _filtered(request, organisation_ids: set[int]):
    form = AccessFilterForm(request.GET or None, agents=members_of(organisation_ids))
    if not request.GET:
        return form, AccessFilters(), True
    valid = form.is_valid()
    return form, form.filters() if valid else None, valid


@login_required
def access_log(request):
    """The access records of the auditor's organisations, filtered, 50 a page.

    No count: over millions of records it would cost more than the page; "next" is shown when
    one more row than the page exists."""
    organisation_ids = _auditor_organisations(request)
    form, filters, valid = _filtered(request, organisation_ids)
    records, has_next, page = [], False, 1
    if valid:
        page_param = request.GET.get("page", "1")
        page = int(page_param) if page_param.isdigit() and int(page_param) > 0 else 1
        start = (page - 1) * PAGE_SIZE
        qs = access_records_for_auditor(organisation_ids=organisation_ids, filters=filters)
        records = list(qs[start : start + PAGE_SIZE + 1])
        has_next = len(records) > PAGE_SIZE
        records = records[:PAGE_SIZE]
    return render(
        request,
        "core/audit/access_log.html",
        {
            "form": form,
            "records": records,
            "page": page,
            "has_next": has_next,
            "query": request_query(request, without=("page",)),
        },
        status=200 if valid else 400,
    )


class _Echo:
    """A file-like object whose write returns the line (csv.writer into a streaming body)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(records) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for r in records.iterator(chunk_size=2000):
        yield writer.writerow(
            csv_cell(
                getattr(r, field)
                if field
                else timezone.localtime(r.at).isoformat(timespec="seconds")
            )
            for field in CSV_COLUMNS.values()
        )


@login_required
def access_log_csv(request):
    """The filtered records as CSV, streamed (a year of reads does not fit a response in
    memory). The export is itself a read of personal data (agents' names, searches): it is
    recorded, with the filters and the number of rows."""
    organisation_ids = _auditor_organisations(request)
    form, filters, valid = _filtered(request, organisation_ids)
    if not valid:
        return render(
            request,
            "core/audit/access_log.html",
            {"form": form, "records": [], "page": 1, "has_next": False, "query": ""},
            status=400,
        )
    # The rows up to now: the export's own record, written next, is not among them.
    records = access_records_for_auditor(organisation_ids=organisation_ids, filters=filters).filter(
        at__lte=timezone.now()
    )
    access_record(
        actor=request.user,
        door=AccessDoor.AUDIT_EXPORT,
        organisation_ids=organisation_ids,
        request=request,
        query=request_query(request),
        count=records.count(),
    )
    response = StreamingHttpResponse(_csv_lines(records), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="journal-des-acces.csv"'
    return response
