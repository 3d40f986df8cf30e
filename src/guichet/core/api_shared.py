"""What every app's ``api.py`` answers the same way: the error body and the page bounds."""

# The largest page any list operation returns, whatever ``limit`` asks.
MAX_LIMIT = 100


def api_error(code: str, message: str, errors: dict[str, str] | None = None) -> dict:
    """The body of every error answer: a stable ``code``, a French ``message`` and, for
    invalid input, the message of each field at fault."""
    return {"code": code, "message": message, "errors": errors}


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """``limit`` kept between 1 and MAX_LIMIT, ``offset`` at least 0."""
    return max(1, min(limit, MAX_LIMIT)), max(0, offset)
