"""The house's API: one file's summary for a named agent (``/api/v1/disability/``).

Anyone else gets the 404 of a missing file, recorded: an agent of another organisation, the
platform admin without a grant, and a token not meant for the API (a partner service's
sign-in token), which is read as its user without any power rather than refused with 403,
so that its attempt is recorded like every other.
"""

from django.http import Http404
from ninja import Router, Schema
from ninja.responses import Status

from guichet.disability.selectors import file_get_for_agent
from guichet.identity.api_auth import AgentOidcBearer, AgentSessionAuth, InsufficientScope

router = Router(tags=["disability"])


class _AgentOrRefusedBearer(AgentOidcBearer):
    def authenticate(self, request, token: str):
        try:
            return super().authenticate(request, token)
        except InsufficientScope:
            from guichet.core.permissions import second_factor_mark
            from guichet.identity.api_auth import access_token_user

            found = access_token_user(token)
            if found is None:
                return None
            user = found[0]
            second_factor_mark(user, passed=False)  # no power: the policy answers 404
            request.user = user
            return user


file_auth = [_AgentOrRefusedBearer(), AgentSessionAuth()]


class DisabilityError(Schema):
    code: str
    message: str


class FileOut(Schema):
    reference: str
    kind: str
    status: str
    status_label: str
    filed_on: str
    silence_date: str | None
    rights: list[str]


@router.get(
    "/files/{reference}",
    auth=file_auth,
    response={200: FileOut, 404: DisabilityError},
    summary="Un dossier MDMPH (agent nommé de la maison)",
)
def disability_file_detail(request, reference: str):
    try:
        file = file_get_for_agent(actor=request.auth, reference=reference, request=request)
    except Http404:
        return Status(404, {"code": "not_found", "message": "Dossier introuvable."})
    return {
        "reference": file.case.reference,
        "kind": file.kind,
        "status": file.case.status,
        "status_label": file.case.status_label,
        "filed_on": file.filed_on.isoformat(),
        "silence_date": file.silence_date.isoformat() if file.silence_date else None,
        "rights": list(file.rights),
    }
