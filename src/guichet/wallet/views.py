"""The citizen's document wallet in "mon espace": the list, add, a document with its uses,
delete, download; and what a service's form posts for a file field that names a
``document_type`` (``wallet_pieces_posted``, read by ``cases.views.common.uploaded_files``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from guichet.accounts.selectors import dependants_of
from guichet.core.policies import PolicyDenied
from guichet.wallet import crypto
from guichet.wallet.forms import DocumentAddForm
from guichet.wallet.pieces import WalletKeep, WalletPick
from guichet.wallet.selectors import (
    wallet_document_get_for,
    wallet_documents_for,
    wallet_uses_for,
    wallet_uses_of_deleted,
    with_validity,
)
from guichet.wallet.services import (
    WalletInputError,
    wallet_document_add,
    wallet_document_content,
    wallet_document_delete,
)
from guichet.wallet.types import DOCUMENT_TYPES

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


def wallet_pieces_posted(request, field: dict, uploads: list) -> list:
    """The pieces a file field with a ``document_type`` received: the document chosen from
    the wallet (``f_<key>__wallet``), and the uploads, each to keep in the wallet when the
    person ticked ``f_<key>__keep`` (with ``__issued`` and ``__expires`` dates)."""
    name = f"f_{field['key']}"
    pieces: list = []
    choice = request.POST.get(f"{name}__wallet", "").strip()
    if choice:
        pieces.append(WalletPick(document_id=choice, owner=request.user))
    keep = f"{name}__keep" in request.POST
    for upload in uploads:
        if keep:
            pieces.append(
                WalletKeep(
                    upload=upload,
                    owner=request.user,
                    document_type=field["document_type"],
                    issued_on=request.POST.get(f"{name}__issued", ""),
                    expires_on=request.POST.get(f"{name}__expires", ""),
                )
            )
        else:
            pieces.append(upload)
    return pieces


@login_required
def document_list(request):
    documents = with_validity(wallet_documents_for(actor=request.user))
    return render(
        request,
        "wallet/list.html",
        {
            "rows": documents,
            "deleted_uses": list(wallet_uses_of_deleted(actor=request.user)[:50]),
        },
    )


@login_required
def document_add(request):
    dependants = list(dependants_of(request.user))
    form = DocumentAddForm(request.POST or None, request.FILES or None, dependants=dependants)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            dependant = next((d for d in dependants if str(d.pk) == data.get("dependant")), None)
            try:
                document = wallet_document_add(
                    actor=request.user,
                    document_type=data["document_type"],
                    title=data["title"],
                    issued_on=data["issued_on"],
                    expires_on=data["expires_on"],
                    upload=data["file"],
                    keep_health=data["keep_health"],
                    dependant=dependant,
                )
            except WalletInputError as exc:
                for key, message in exc.errors.items():
                    form.add_error(key if key in form.fields else None, message)
            else:
                messages.success(request, _("Document ajouté à votre porte-documents."))
                return redirect("wallet:document", pk=document.pk)
        status = 400
    return render(
        request,
        "wallet/add.html",
        {
            "form": form,
            "health_types": [t.code for t in DOCUMENT_TYPES.values() if t.health],
            "types": DOCUMENT_TYPES.values(),
        },
        status=status,
    )


@login_required
def document_detail(request, pk):
    document = wallet_document_get_for(actor=request.user, document_id=pk)
    row = with_validity([document])[0]
    return render(
        request,
        "wallet/document.html",
        {
            "row": row,
            "document": document,
            "mine": document.owner_id == request.user.pk,
            "uses": list(wallet_uses_for(actor=document.owner, document=document)[:100]),
        },
    )


@login_required
def document_delete(request, pk):
    document = wallet_document_get_for(actor=request.user, document_id=pk)
    if document.owner_id != request.user.pk:
        raise Http404("document")
    if request.method == "POST":
        wallet_document_delete(actor=request.user, document=document)
        messages.success(
            request,
            _("Document supprimé. L'historique de ses utilisations reste visible."),
        )
        return redirect("wallet:list")
    return render(request, "wallet/delete.html", {"document": document})


@login_required
def document_file(request, pk):
    document = wallet_document_get_for(actor=request.user, document_id=pk)
    try:
        content = wallet_document_content(actor=request.user, document=document)
    except PolicyDenied as exc:
        if exc.code == "not_found":
            raise Http404("document") from None
        raise PermissionDenied(_("Ce document n'a pas passé l'analyse antivirus.")) from None
    except (crypto.Undecryptable, crypto.KeyMissing):
        return render(request, "wallet/unreadable.html", {"document": document}, status=503)
    response = HttpResponse(content, content_type=document.content_type)
    extension = EXTENSIONS.get(document.content_type, "bin")
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
