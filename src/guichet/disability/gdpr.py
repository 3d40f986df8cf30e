"""The disability part of a person's GDPR export and erasure.

Export: the person's files (what they filed, the steps, their comments) and drafts; never the
pieces' content (they are the person's own documents, kept encrypted). Erasure: drafts and
their pieces are deleted (rows now, stored files after the commit). Filed files are records
of the house kept for their retention (``disability.purge``): the cases part detaches them
from the account (requester, contact details).
"""

from django.core.files.storage import default_storage
from django.db import transaction

from guichet.disability.models import DisabilityFile, FilingDraft, Piece


def export(user) -> dict:
    files = DisabilityFile.objects.filter(case__requester=user).select_related("case")
    return {
        "files": [
            {
                "reference": f.case.reference,
                "kind": f.kind,
                "filed_on": f.filed_on.isoformat(),
                "status": f.case.citizen_status_label,
                "person": f.person_name,
                "birth_date": f.person_birth_date.isoformat(),
                "rights": list(f.rights),
                "daily_life": f.daily_life,
                "schooling_or_work": f.schooling_or_work,
                "caregiver": f.caregiver,
                "plan_comment": f.plan_comment,
                "appeal_reason": f.appeal_reason,
                "pieces": [
                    {"kind": p.kind, "added_on": p.created_at.date().isoformat()}
                    for p in f.pieces.all()
                ],
            }
            for f in files
        ],
        "drafts": [
            {"updated_at": d.updated_at.isoformat(), "data": d.data}
            for d in FilingDraft.objects.filter(owner=user)
        ],
    }


def erase(user) -> None:
    names = list(Piece.objects.filter(draft__owner=user).values_list("storage_name", flat=True))
    FilingDraft.objects.filter(owner=user).delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
