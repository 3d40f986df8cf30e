import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """One account for every public service of the territory; the e-mail is the login."""

    # Stable public identifier: the OpenID Connect ``sub``, never the database id.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("accès à l'administration"),
        default=False,
        help_text=_("Peut se connecter à l'administration technique."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


class Profile(models.Model):
    """What a citizen tells us about themselves, beyond the login (identity.md "Profile").

    The certified block comes from FranceConnect and is read-only once ``certified_at`` is set.
    """

    class Gender(models.TextChoices):
        FEMALE = "female", _("Femme")
        MALE = "male", _("Homme")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    # Postal address (French format; the point, when given, locates the commune of residence).
    address_line1 = models.CharField(_("numéro et voie"), max_length=200, blank=True)
    address_line2 = models.CharField(_("complément d'adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    country = models.CharField(_("pays"), max_length=80, blank=True, default="France")
    address_lat = models.FloatField(_("latitude de l'adresse"), null=True, blank=True)
    address_lon = models.FloatField(_("longitude de l'adresse"), null=True, blank=True)
    residence = models.ForeignKey(
        "territory.Organisation",
        verbose_name=_("commune de résidence"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        limit_choices_to={"kind": "commune"},
        related_name="+",
    )
    # Up to four numbers in E.164 (+33612345678), in the user's order of preference.
    phone_numbers = models.JSONField(_("numéros de téléphone"), default=list, blank=True)
    # Certified identity (FranceConnect).
    birth_last_name = models.CharField(_("nom de naissance"), max_length=150, blank=True)
    given_names = models.CharField(_("prénoms"), max_length=300, blank=True)
    gender = models.CharField(_("sexe"), max_length=10, blank=True, choices=Gender.choices)
    birthdate = models.DateField(_("date de naissance"), null=True, blank=True)
    birthplace = models.CharField(_("lieu de naissance (code INSEE)"), max_length=5, blank=True)
    birthcountry = models.CharField(_("pays de naissance (code INSEE)"), max_length=5, blank=True)
    certified_at = models.DateTimeField(_("identité certifiée le"), null=True, blank=True)
    certified_by = models.CharField(_("certifiée par"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("profil")
        verbose_name_plural = _("profils")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_certified(self) -> bool:
        return self.certified_at is not None

    @property
    def has_address(self) -> bool:
        return bool(self.address_line1 or self.postal_code or self.city)


class PhoneNumber(models.Model):
    """One of a profile's phone numbers as its E.164 digits without the ``+``
    (``33612345678``): what the support console finds a person by, an index range (the whole
    number or its beginning). Rewritten with ``Profile.phone_numbers`` by
    ``accounts.services.profile_update``; deleted with the account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="phone_index")
    digits = models.CharField(_("chiffres E.164"), max_length=15)

    class Meta:
        verbose_name = _("numéro de téléphone")
        verbose_name_plural = _("numéros de téléphone")
        indexes = [models.Index(fields=["digits"], name="accounts_phone_digits_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "digits"], name="accounts_phone_user_unique")
        ]

    def __str__(self) -> str:
        return f"+{self.digits}"


class FranceConnectIdentity(models.Model):
    """The link between a local account and a FranceConnect subject (``sub``)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="franceconnect")
    sub = models.CharField(max_length=255, unique=True)
    linked_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identité FranceConnect")
        verbose_name_plural = _("identités FranceConnect")

    def __str__(self) -> str:
        return f"FranceConnect {self.user_id}"


class Dependant(models.Model):
    """Someone the user acts for (identity.md): their minor child, an adult they represent
    under guardianship or curatorship, or a person they help (aidant).

    ``account`` optionally links the person's own account; it is set by a platform admin in
    the admin (a legal link to check on documents), never by the user, so that nobody can
    attach themselves to an account by typing its e-mail.
    """

    class Relationship(models.TextChoices):
        CHILD = "child", _("Enfant mineur")
        GUARDIANSHIP = "guardianship", _("Majeur sous tutelle")
        CURATORSHIP = "curatorship", _("Majeur sous curatelle")
        AIDED = "aided", _("Personne aidée")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dependants")
    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    birth_date = models.DateField(_("date de naissance"))
    relationship = models.CharField(_("lien"), max_length=20, choices=Relationship.choices)
    account = models.ForeignKey(
        User,
        verbose_name=_("compte de la personne"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="represented_by",
    )
    created_at = models.DateTimeField(_("ajoutée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("personne représentée")
        verbose_name_plural = _("personnes représentées")
        ordering = ["last_name", "first_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
