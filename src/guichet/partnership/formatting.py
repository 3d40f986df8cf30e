from decimal import Decimal

#: The columns of a contributions table exported as CSV (the page's export and the command)
CONTRIBUTION_COLUMNS = [
    "insee",
    "commune",
    "population",
    "bracket",
    "offer",
    "status",
    "base_eur",
    "discount_pct",
    "amount_eur",
]


def plain_amount(value: Decimal) -> str:
    """``Decimal("9000.00")`` -> ``"9000"``, ``Decimal("12.50")`` -> ``"12.50"``."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.2f}"


def json_amount(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    return float(value)
