"""PDF documents from HTML templates (WeasyPrint)."""

from django.template.loader import render_to_string


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load its system libraries (Pango)."""


def render_pdf(template_name: str, context: dict, *, base_url: str | None = None) -> bytes:
    try:
        from weasyprint import HTML  # imported late: it loads Pango through ctypes
    except OSError as exc:  # pragma: no cover - depends on the machine
        raise PdfUnavailable(str(exc)) from exc
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=base_url).write_pdf()
