"""The PDF documents of a planning application (WeasyPrint, ``core.pdf``), made on demand from
the recorded file: they say the same thing whenever they are downloaded."""

from __future__ import annotations

from django.template import Context, Template

from guichet.core.pdf import render_pdf
from guichet.urbanism import deadlines
from guichet.urbanism.models import PlanningApplication
from guichet.urbanism.procedures import procedure_get


def _context(application: PlanningApplication) -> dict:
    procedure = procedure_get(application.procedure)
    return {
        "application": application,
        "procedure": procedure,
        "commune": application.commune,
        "parcels": ", ".join(f"{p['section']} {p['number']}" for p in application.parcels),
    }


def at_filing(application: PlanningApplication) -> deadlines.Computation:
    """The deadline as it stood on filing (no event yet): what the récépissé states (R423-4)."""
    return deadlines.compute(
        procedure_get(application.procedure), filed_on=application.filed_on, flags=set()
    )


def aee_pdf(application: PlanningApplication) -> bytes:
    """Accusé d'enregistrement électronique: the file was received, when, under which number."""
    return render_pdf("urbanism/pdf/aee.html", _context(application))


def recepisse_pdf(application: PlanningApplication) -> bytes:
    """Récépissé (R423-3 to R423-5): number, date a tacit decision arises, the warnings."""
    result = at_filing(application)
    return render_pdf(
        "urbanism/pdf/recepisse.html",
        {
            **_context(application),
            "result": result,
            "outcome_label": deadlines.outcome_label(result.outcome),
        },
    )


def decision_text(application: PlanningApplication) -> str:
    from guichet.urbanism.decision_templates import decision_template_get

    template = decision_template_get(application.commune)
    return Template(template.body).render(
        Context(
            {
                "commune": application.commune.name,
                "procedure": procedure_get(application.procedure).name,
                "number": application.number,
                "filed_on": application.filed_on.strftime("%d/%m/%Y"),
                "applicant": application.applicant_name,
                "works": application.works_nature,
                "decision": application.get_decision_display(),
                "text": application.decision_text,
            },
            autoescape=False,
        )
    )


def decision_pdf(application: PlanningApplication) -> bytes:
    return render_pdf(
        "urbanism/pdf/decision.html",
        {**_context(application), "body": decision_text(application)},
    )


def tacit_certificate_pdf(application: PlanningApplication) -> bytes:
    """Certificate of a tacit decision (R424-13), on request."""
    from guichet.urbanism.progress import application_compute

    result = application_compute(application)
    return render_pdf(
        "urbanism/pdf/tacit_certificate.html",
        {
            **_context(application),
            "result": result,
            "outcome_label": deadlines.outcome_label(result.outcome),
        },
    )
