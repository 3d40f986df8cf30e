"""What every CSV export writes the same way."""


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula (text typed by citizens or agents);
    None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
