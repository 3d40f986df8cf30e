import csv

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.pdf import PdfUnavailable, render_pdf
from guichet.core.permissions import platform_admin_required
from guichet.partnership.formatting import CONTRIBUTION_COLUMNS, plain_amount
from guichet.partnership.forms import YearForm
from guichet.partnership.selectors import (
    NoBracket,
    UnknownTariffYear,
    contribution_for_commune,
    contributions_for_year,
)
from guichet.territory.models import Organisation


@platform_admin_required
def contributions_table(request):
    form = YearForm.from_query(request.GET)
    table, error = None, None
    if form.is_valid():
        try:
            table = contributions_for_year(form.cleaned_data["year"])
        except (UnknownTariffYear, NoBracket) as exc:
            error = str(exc)
    if table is not None and request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="contributions-{table.year}.csv"'
        writer = csv.writer(response)
        writer.writerow(CONTRIBUTION_COLUMNS)
        for r in table.rows:
            writer.writerow(
                [
                    r.insee,
                    r.commune,
                    r.population,
                    r.bracket,
                    r.offer,
                    r.status,
                    plain_amount(r.base_eur),
                    plain_amount(r.discount_pct),
                    plain_amount(r.amount_eur),
                ]
            )
        writer.writerow(
            [
                "TOTAL",
                "",
                "",
                "",
                "",
                "",
                plain_amount(table.total_base_eur),
                "",
                plain_amount(table.total_eur),
            ]
        )
        return response
    status = 400 if not form.is_valid() else 200
    return render(
        request,
        "partnership/contributions.html",
        {"form": form, "table": table, "error": error},
        status=status,
    )


@platform_admin_required
def contribution_notice(request, year: int, insee: str):
    try:
        row = contribution_for_commune(year=year, insee=insee)
    except (UnknownTariffYear, NoBracket) as exc:
        raise Http404(str(exc)) from exc
    if row is None:
        raise Http404(_("Pas de participation pour cette commune cette année."))
    commune = Organisation.objects.get(pk=row.commune_id)
    agreement = commune.agreements.get(pk=row.agreement_id)
    context = {
        "row": row,
        "year": year,
        "commune": commune,
        "agreement": agreement,
        "issued_on": timezone.localdate(),
    }
    try:
        pdf = render_pdf("partnership/notice.html", context)
    except PdfUnavailable:
        return render(request, "partnership/pdf_unavailable.html", status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="participation-{year}-{insee}.pdf"'
    return response
