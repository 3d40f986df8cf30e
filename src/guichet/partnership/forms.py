from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Année"),
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": _("Saisissez une année sur quatre chiffres, par exemple 2019."),
            "min_value": _("L'année doit être postérieure ou égale à 2000."),
            "max_value": _("L'année doit être antérieure ou égale à 2100."),
        },
    )

    @classmethod
    def from_query(cls, data) -> "YearForm":
        if "year" not in data:
            data = {"year": timezone.localdate().year}
        return cls(data)
