"""Password policy by strength, not composition (identity.md; CNIL 2022-100, OWASP ASVS 5.0).

No rule forces a digit or a symbol: the estimated entropy of the password decides. The estimate
is deliberately conservative: the size of the alphabet actually used raised to the number of
characters, after collapsing runs of the same character and with sequences like ``abcd`` or
``1234`` counted once.
"""

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Long passphrases are welcome (ASVS: allow 64 characters and more); a cap only protects the
# hasher from megabyte-long inputs.
MAX_PASSWORD_LENGTH = 1024

_CLASSES = (
    (str.islower, 26),
    (str.isupper, 26),
    (str.isdigit, 10),
)


def _alphabet_size(password: str) -> int:
    size = 0
    for predicate, count in _CLASSES:
        if any(predicate(c) and c.isascii() for c in password):
            size += count
    if any(c.isascii() and not c.isalnum() for c in password):
        size += 33  # printable ASCII symbols, space included
    if any(not c.isascii() for c in password):
        size += 100  # accented letters and other scripts
    return size


def _effective_length(password: str) -> int:
    """Characters that add information: repeats (aaaa) and straight runs (abcd, 4321) count once."""
    length = 0
    previous: str | None = None
    step: int | None = None
    for char in password:
        if previous is not None:
            delta = ord(char) - ord(previous)
            if delta == 0 or (abs(delta) == 1 and step in (None, delta)):
                step = delta if delta else step
                previous = char
                continue
        step = None
        length += 1
        previous = char
    return length


def estimate_entropy_bits(password: str) -> float:
    size = _alphabet_size(password)
    if not password or size == 0:
        return 0.0
    return _effective_length(password) * math.log2(size)


class StrengthValidator:
    """Refuse passwords whose estimated entropy is below ``PASSWORD_MIN_ENTROPY_BITS``."""

    def __init__(self, min_bits: int | None = None):
        self.min_bits = min_bits

    @property
    def bits(self) -> int:
        return self.min_bits or settings.PASSWORD_MIN_ENTROPY_BITS

    def validate(self, password: str, user=None) -> None:
        if estimate_entropy_bits(password) < self.bits:
            raise ValidationError(
                _(
                    "Ce mot de passe est trop facile à deviner. Allongez-le : une phrase de "
                    "plusieurs mots, ou une douzaine de caractères variés."
                ),
                code="password_too_weak",
            )

    def get_help_text(self) -> str:
        return _(
            "Choisissez un mot de passe long plutôt que compliqué : une phrase de plusieurs "
            "mots convient très bien. Aucun caractère spécial n'est imposé."
        )


class MaximumLengthValidator:
    def validate(self, password: str, user=None) -> None:
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValidationError(
                _("Le mot de passe ne doit pas dépasser %(max)d caractères.")
                % {"max": MAX_PASSWORD_LENGTH},
                code="password_too_long",
            )

    def get_help_text(self) -> str:
        return ""
