from django import forms
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Dependant, Profile, User
from guichet.accounts.phones import MAX_PHONE_NUMBERS, normalize_phone
from guichet.territory.models import Organisation


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class NamesForm(forms.Form):
    """A person's first and last names (sign-up, profile)."""

    first_name = forms.CharField(
        label=_("Prénom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Nom"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )


class SignupExtraForm(NamesForm):
    """The names asked at sign-up, next to allauth's e-mail and password."""

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"].strip()
        user.last_name = self.cleaned_data["last_name"].strip()
        user.save(update_fields=["first_name", "last_name"])


class ProfileForm(NamesForm):
    """The editable part of the profile. Names are locked once FranceConnect certified them."""

    address_line1 = forms.CharField(
        label=_("Numéro et voie"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label=_("Complément d'adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.RegexField(
        label=_("Code postal"),
        regex=r"^\s*\d{5}\s*$",
        required=False,
        error_messages={"invalid": _("Le code postal compte 5 chiffres, par exemple 69600.")},
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    city = forms.CharField(
        label=_("Ville"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    address_lat = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    address_lon = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )
    residence = forms.ModelChoiceField(
        label=_("Commune de résidence"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— Je n'habite pas la métropole / je ne précise pas —"),
        help_text=_("Elle personnalise votre tableau de bord et les informations locales."),
    )

    def __init__(self, *args, profile: Profile, **kwargs):
        super().__init__(*args, **kwargs)
        from guichet.territory.selectors import communes

        self.profile = profile
        self.fields["residence"].queryset = communes().order_by("name")
        for index in range(1, MAX_PHONE_NUMBERS + 1):
            self.fields[f"phone_{index}"] = forms.CharField(
                label=_("Téléphone %(n)d") % {"n": index},
                max_length=30,
                required=False,
                widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            )
        if profile.is_certified:
            for name in ("first_name", "last_name"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Certifié par FranceConnect, non modifiable.")

    def _clean_phone(self, index: int) -> str:
        raw = self.cleaned_data.get(f"phone_{index}", "")
        return normalize_phone(raw) if raw.strip() else ""

    def clean(self):
        cleaned = super().clean()
        for index in range(1, MAX_PHONE_NUMBERS + 1):
            try:
                cleaned[f"phone_{index}"] = self._clean_phone(index)
            except forms.ValidationError as error:
                self.add_error(f"phone_{index}", error)
        if (cleaned.get("address_lat") is None) != (cleaned.get("address_lon") is None):
            raise forms.ValidationError(_("La position de l'adresse est incomplète."))
        return cleaned

    def phone_numbers(self) -> list[str]:
        numbers = []
        for index in range(1, MAX_PHONE_NUMBERS + 1):
            number = self.cleaned_data.get(f"phone_{index}")
            if number and number not in numbers:
                numbers.append(number)
        return numbers


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe, pour confirmer"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        required=False,
    )
    confirm = forms.BooleanField(
        label=_("Je comprends que mon compte et mes données seront définitivement supprimés."),
        required=True,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.has_usable_password():
            self.fields["password"].required = True

    def clean_password(self) -> str:
        password = self.cleaned_data.get("password", "")
        if self.user.has_usable_password() and not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."))
        return password


# What the citizen reads: the parent of a minor child, the legal representative of an adult
# under guardianship or curatorship, or an aidant.
RELATIONSHIP_LABELS = [
    (Dependant.Relationship.CHILD, _("parent d'un enfant mineur")),
    (Dependant.Relationship.GUARDIANSHIP, _("tuteur ou tutrice d'un majeur sous tutelle")),
    (Dependant.Relationship.CURATORSHIP, _("curateur ou curatrice d'un majeur sous curatelle")),
    (Dependant.Relationship.AIDED, _("aidant ou aidante d'une personne")),
]


class DependantForm(forms.Form):
    """Someone the user acts for; the rules are the service's (``dependant_problems``)."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    birth_date = forms.DateField(
        label=_("Date de naissance"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Saisissez une date valide (jour, mois, année).")},
    )
    relationship = forms.ChoiceField(
        label=_("Vous agissez pour cette personne en tant que…"),
        choices=[("", "—")] + [(v, label) for v, label in RELATIONSHIP_LABELS],
    )

    def add_service_errors(self, error) -> None:
        """Show the service's ValidationError (field -> message) on the form's fields."""
        for field, messages in error.message_dict.items():
            self.add_error(None if field == "__all__" else field, messages)
