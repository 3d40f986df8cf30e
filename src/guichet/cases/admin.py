from django.contrib import admin

from guichet.cases.models import Case, PartnerApiKey
from guichet.core.admin import ReadOnlyAdmin

#: What the platform admin sees of a case: technical fields only. Running the platform is not
#: reading citizens' files: the form's answers, the requester, the messages, notes and
#: attachments are read in the back-office by the organisation in charge, where each read is
#: recorded (core.access); none of them is shown here.
CASE_ADMIN_FIELDS = [
    "reference",
    "uuid",
    "definition",
    "version",
    "channel",
    "status",
    "is_closed",
    "status_entered_at",
    "deadline",
    "closed_at",
    "commune",
    "organisation",
    "team",
    "created_at",
    "updated_at",
]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only and without content: cases change through the back-office and the API
    (services, history); their content is read there, recorded. Not deleted here either: the
    confirmation page would list the case's messages, notes and attachments (by file name);
    cases are erased through the GDPR services."""

    list_display = ["reference", "definition", "status", "organisation", "team", "created_at"]
    list_filter = ["channel", "is_closed", "organisation"]
    search_fields = ["reference"]
    fields = CASE_ADMIN_FIELDS


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "is_active", "last_used_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]

    def has_add_permission(self, request):
        return False  # keys are created by `guichet partner_key` (shown once)
