"""The Cerfa answers that matter for instruction, checked: cadastral parcels, SIRET, floor
area. Each checker returns the cleaned value or raises ValidationError with a French message."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Optional 3-digit prefix (former commune), section of 1-2 letters or digits with a letter at
# least, plan number of 1 to 4 digits: "AB 123", "0A 12", "000 AB 0123".
PARCEL_RE = re.compile(
    r"^(?:(?P<prefix>[0-9]{3})\s+)?(?P<section>[A-Z0-9]{1,2})\s*(?P<number>[0-9]{1,4})$"
)
MAX_PARCELS = 50
MAX_FLOOR_AREA = Decimal("1000000")


def parcels_clean(text: str) -> list[dict[str, str]]:
    """``"AB 123, AC 4"`` (commas, semicolons or lines) -> [{section, number, prefix}]."""
    items = [p.strip().upper() for p in re.split(r"[,;\n]+", text or "") if p.strip()]
    if not items:
        raise ValidationError(_("Indiquez au moins une référence cadastrale (ex. : AB 123)."))
    if len(items) > MAX_PARCELS:
        raise ValidationError(_("%s parcelles au plus.") % MAX_PARCELS)
    parcels = []
    for item in items:
        match = PARCEL_RE.match(re.sub(r"\s+", " ", item))
        section = match["section"] if match else ""
        if match is None or not re.search(r"[A-Z]", section) or int(match["number"]) == 0:
            raise ValidationError(
                _(
                    "« %s » n'est pas une référence cadastrale : une section de 1 ou 2 lettres "
                    "ou chiffres puis un numéro de 1 à 4 chiffres (ex. : AB 123)."
                )
                % item[:40]
            )
        parcels.append(
            {
                "prefix": match["prefix"] or "000",
                "section": section.rjust(2, "0"),
                "number": match["number"].rjust(4, "0"),
            }
        )
    return parcels


def parcel_label(parcel: dict[str, str]) -> str:
    return f"{parcel['section']} {parcel['number']}"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def siret_clean(value: str) -> str:
    """14 digits passing the Luhn key (spaces allowed). La Poste's SIRETs (SIREN 356000000)
    use another key (digit sum divisible by 5) and are accepted too."""
    digits = re.sub(r"\s+", "", value or "")
    if not re.fullmatch(r"[0-9]{14}", digits):
        raise ValidationError(_("Le SIRET a 14 chiffres."))
    la_poste = digits.startswith("356000000") and sum(int(c) for c in digits) % 5 == 0
    if not (luhn_valid(digits) or la_poste):
        raise ValidationError(_("Ce numéro SIRET n'est pas valide (clé de contrôle)."))
    return digits


def floor_area_clean(value) -> Decimal:
    """Square metres created: a number from 0, two decimals at most."""
    text = str(value if value is not None else "").strip().replace(",", ".").replace(" ", "")
    try:
        area = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            _("La surface de plancher créée doit être un nombre (en m²).")
        ) from None
    if not area.is_finite() or area < 0 or area > MAX_FLOOR_AREA:
        raise ValidationError(_("La surface de plancher créée doit être un nombre (en m²)."))
    return area.quantize(Decimal("0.01"))
