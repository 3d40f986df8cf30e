"""Permission helpers shared by every app.

Second factor by role: an agent's or admin's powers over what an organisation holds are
granted only to an authentication that passed a second factor. The HTTP doors (the
``accounts.middleware.SecondFactorMiddleware`` for browser sessions, the API authenticators of
``identity.api_auth`` for bearer tokens) mark the user they authenticated with
``second_factor_mark``; ``powers_granted`` reads the mark, and every power
(``territory.selectors.agent_scope``, ``is_platform_admin``, ``services.permissions``, the
admin site) asks it. A user object that no HTTP door marked (management commands, tasks, tests
calling services) is trusted: only our code builds it.
"""

_SECOND_FACTOR_MARK = "_guichet_second_factor_passed"


def second_factor_mark(user, *, passed: bool) -> None:
    """Record on ``user`` (the request's) whether its authentication passed a second factor.

    Set on the user object itself so that every selector given ``request.user`` (or
    ``request.auth``) sees it; the cached agent scope is dropped, as it was read without it."""
    setattr(user, _SECOND_FACTOR_MARK, passed)
    from guichet.territory.selectors import forget_agent_scope

    forget_agent_scope(user)


def second_factor_marked(user) -> bool | None:
    """What an HTTP door marked: True/False, or None when no door marked ``user``."""
    return getattr(user, _SECOND_FACTOR_MARK, None)


def powers_granted(user) -> bool:
    """Whether ``user`` may use the powers its role gives (agent, designer, platform admin).

    False only for a user an HTTP door authenticated without a second factor: such a user is a
    citizen like any other until they pass one (sign in again, or ``mfa_reauthenticate``)."""
    return second_factor_marked(user) is not False


def is_platform_admin(user) -> bool:
    """Platform admins are metropolis staff who run the platform (Django superusers), signed
    in with a second factor (``powers_granted``)."""
    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.is_superuser
        and powers_granted(user)
    )


def admin_site_has_permission(request) -> bool:
    """The Django admin's gate (``AdminSite.has_permission``): active staff, and a second factor
    passed by this session like every other power."""
    user = request.user
    return bool(user.is_active and user.is_staff and powers_granted(user))


def platform_admin_required(view):
    """Anonymous -> login page; signed in but not a platform admin -> 403."""
    from functools import wraps

    from django.contrib.auth.views import redirect_to_login
    from django.core.exceptions import PermissionDenied

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_platform_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
