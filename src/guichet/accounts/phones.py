"""Phone numbers: a small validator normalising to E.164 (French numbers by default)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PHONE_NUMBERS = 4
_SEPARATORS = re.compile(r"[\s.\-/()]")


def normalize_phone(raw: str) -> str:
    """Return ``raw`` in E.164 (``+33612345678``) or raise a French ``ValidationError``.

    Accepted: a French national number (10 digits starting with 0, not 00), ``+33``/``0033``
    followed by 9 digits, or any international number ``+<country><number>`` of 8 to 15 digits
    (E.164). Spaces, dots, dashes, slashes and brackets are ignored.
    """
    value = _SEPARATORS.sub("", raw or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+33") and value[3:4] == "0":
        value = "+33" + value[4:]  # "+33 (0)6 ..." written with the trunk zero
    if re.fullmatch(r"0[1-9]\d{8}", value):
        return "+33" + value[1:]
    if value.startswith("+33"):
        if re.fullmatch(r"\+33[1-9]\d{8}", value):
            return value
        raise ValidationError(
            _("Un numéro français compte 10 chiffres, par exemple 06 12 34 56 78."),
            code="invalid_phone",
        )
    if re.fullmatch(r"\+[1-9]\d{7,14}", value):
        return value
    raise ValidationError(
        _(
            "Numéro de téléphone invalide : saisissez 10 chiffres (06 12 34 56 78) ou le "
            "format international (+33 6 12 34 56 78)."
        ),
        code="invalid_phone",
    )
