from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.core.models import TimeStampedModel


class Category(TimeStampedModel):
    """A kind of problem in public space, in a tree (roads > pothole).

    ``subject`` is the competence key routed by the territory's competence rules
    (``publicspace.roads.pothole`` is covered by a rule on ``publicspace.roads``). ``code`` is the
    Open311 ``service_code``. A category may give guidance instead of a form (``guidance_only``:
    "danger: call 112"). ``questions`` are its extra questions, in Open311 attribute form:
    ``{"code", "datatype", "required", "description", "datatype_description", "order",
    "values": [{"key", "name"}]}`` (see ``publicspace.questions``).
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("catégorie parente"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.SlugField(_("code (Open311)"), max_length=60, unique=True)
    subject = models.CharField(_("clé de compétence"), max_length=150, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("mots-clés"), max_length=300, blank=True)
    guidance = models.TextField(_("consigne affichée"), blank=True)
    guidance_only = models.BooleanField(
        _("consigne seulement (pas de signalement)"),
        default=False,
        help_text=_(
            "Affiche la consigne au lieu du formulaire (ex. : « danger : appelez le 112 »)."
        ),
    )
    questions = models.JSONField(_("questions complémentaires"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("catégorie de signalement")
        verbose_name_plural = _("catégories de signalement")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    @property
    def is_reportable(self) -> bool:
        """Leaves that are not guidance-only take reports."""
        return self.is_active and not self.guidance_only
