"""Rate limit of the token endpoint: failed requests, per source IP and per client.

allauth's rate limiter (``allauth.core.internal.ratelimit``, the one behind
``ACCOUNT_RATE_LIMITS``) with its settings style: ``IDP_OIDC_RATE_LIMITS["token_failed"]``,
e.g. ``"30/m/ip,60/m/key"`` where the key is the client id the request names. Its counters
live in the Django cache, so they are shared by every process when ``REDIS_URL`` is set (and
per process with the local-memory cache).

Only failed requests count (a wrong client secret, an unknown or replayed code or refresh
token): a partner's server refreshing its users' tokens is never slowed, while guessing a
secret or a code is. Once a limit is reached, every token request from that IP (or for that
client) is answered 429 until the window has passed.
"""

from allauth.core.internal import ratelimit
from allauth.idp.oidc import app_settings

APP = "allauth.idp.oidc"
ACTION = "token_failed"
DEFAULT = "30/m/ip,60/m/key"


def _config() -> dict[str, str]:
    return {ACTION: DEFAULT, **app_settings.RATE_LIMITS}


def token_retry_after(request, *, client_id: str) -> int | None:
    """Seconds to wait before asking again when the failures of this IP or this client have
    reached a limit; None when the request may go ahead (nothing is counted here)."""
    config = _config()
    usage = ratelimit.consume(
        request, app=APP, action=ACTION, key=client_id or "-", config=config, dry_run=True
    )
    if usage is not None:
        return None
    rates = ratelimit.get_rates(app=APP, action=ACTION, config=config)
    return max((int(rate.duration) for rate in rates), default=60)


def token_failure_record(request, *, client_id: str) -> None:
    """Count a failed token request against this IP and this client."""
    ratelimit.consume(request, app=APP, action=ACTION, key=client_id or "-", config=_config())
