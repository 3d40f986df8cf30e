"""Planning applications: the case engine's case plus what the Code de l'urbanisme adds (the
registration number, the instruction's dated events, the deadline and the decision)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RegistrationCounter(models.Model):
    """The last file number given in a commune for a year (A423-3): bumped in the filing's
    transaction, so numbers follow each other without gaps and are never shared."""

    commune_insee = models.CharField(max_length=5)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["commune_insee", "year"], name="urbanism_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune_insee} {self.year}: {self.last}"


class PlanningApplication(models.Model):
    class Decision(models.TextChoices):
        NONE = "", _("Pas encore de décision")
        APPROVAL = "approval", _("Accord")
        APPROVAL_PRESCRIPTIONS = "approval_prescriptions", _("Accord avec prescriptions")
        REFUSAL = "refusal", _("Refus")
        NON_OPPOSITION = "non_opposition", _("Non-opposition")
        OPPOSITION = "opposition", _("Opposition")
        TACIT = "tacit", _("Décision tacite")

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="planning")
    procedure = models.CharField(_("procédure"), max_length=10)
    commune = models.ForeignKey(
        "territory.Organisation", on_delete=models.PROTECT, related_name="planning_applications"
    )
    # the case's team, copied so that the queue walks one index in the order of the tacit
    # dates (kept equal to case.team by a signal, apps.py; the policy still asks case.team)
    team = models.ForeignKey(
        "territory.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "PC 069 149 26 00012"; empty for a DOC or DAACT, which carry their permit's number
    number = models.CharField(_("numéro d'enregistrement"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField(null=True, blank=True)
    permit_number = models.CharField(max_length=30, blank=True)
    filed_at = models.DateTimeField()
    filed_on = models.DateField(_("date de dépôt"))
    applicant_name = models.CharField(max_length=200)
    siret = models.CharField(max_length=14, blank=True)
    land_address = models.CharField(max_length=300, blank=True)
    parcels = models.JSONField(default=list)
    works_nature = models.TextField(blank=True)
    floor_area_created = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    flags = models.JSONField(default=list)
    # the engine's answer, recomputed after each event (deadlines.compute)
    ends_on = models.DateField(null=True, blank=True)
    decision_due_on = models.DateField(_("date de la décision tacite"), null=True, blank=True)
    tacit_outcome = models.CharField(max_length=30, blank=True)
    articles = models.CharField(max_length=200, blank=True)
    is_open = models.BooleanField(default=True)
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decision_text = models.TextField(blank=True)
    decision_signed_by = models.CharField(max_length=200, blank=True)
    display_started_on = models.DateField(_("premier jour d'affichage sur le terrain"), null=True)
    alerted_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="urbanism_number_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["commune", "is_open", "decision_due_on"], name="urbanism_queue_idx"
            ),
            models.Index(fields=["is_open", "decision_due_on"], name="urbanism_sweep_idx"),
            models.Index(
                fields=["team", "decision_due_on", "id"],
                condition=models.Q(is_open=True),
                name="urbanism_team_queue_idx",
            ),
            models.Index(fields=["commune", "filed_on"], name="urbanism_register_idx"),
        ]

    def __str__(self) -> str:
        return self.number or self.case.reference

    @property
    def is_granted_permit(self) -> bool:
        """A permit granted, expressly or tacitly: it may be modified or transferred."""
        granted = self.decision in ("approval", "approval_prescriptions") or (
            self.decision == "tacit" and self.tacit_outcome == "tacit_approval"
        )
        return granted and self.procedure in ("PCMI", "PC", "PA", "PD")


class InstructionEvent(models.Model):
    """A dated event of the instruction, as the engine reads them (``deadlines.Event``)."""

    application = models.ForeignKey(
        PlanningApplication, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=30)
    on = models.DateField()
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.on}"


class DecisionTemplate(models.Model):
    """The text of the decisions of a commune, which its planning team edits (Django template
    syntax on a fixed context: the file, the decision, the signatory)."""

    commune = models.OneToOneField(
        "territory.Organisation", on_delete=models.CASCADE, related_name="planning_template"
    )
    body = models.TextField()
    signatory = models.CharField(_("signataire (délégation du maire)"), max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.commune)


class TransferConsent(models.Model):
    """The holder of a granted permit agrees to transfer it to a new holder (Cerfa 13412 bears
    both): the new holder, signed in with this e-mail address, then files the transfer
    (``TR``), which uses the consent once."""

    token = models.UUIDField(unique=True)
    permit = models.ForeignKey(
        PlanningApplication, on_delete=models.CASCADE, related_name="transfer_consents"
    )
    new_holder_email = models.EmailField(_("adresse du nouveau titulaire"))
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    given_at = models.DateTimeField(auto_now_add=True)
    transfer = models.OneToOneField(
        PlanningApplication,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent",
    )

    def __str__(self) -> str:
        return f"{self.permit} → {self.new_holder_email}"
