"""Permission helpers shared by every app."""


def is_platform_admin(user) -> bool:
    """Platform admins are metropolis staff who run the platform (Django superusers)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


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
