from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core import selectors
from core.jobs import jobs_reap
from core.panels import commander_panels, manager_panels
from core.roles import COMMANDER, HOME_URL_NAMES, MANAGER, OFFICER, has_role, primary_role


def role_required(*roles: str):
    """Page access for the named roles; others get 403, anonymous users the login page."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


@login_required
def home(request):
    role = primary_role(request.user)
    if role is None:
        return render(request, "core/no_role.html", status=403)
    return redirect(HOME_URL_NAMES[role])


@role_required(MANAGER)
def manager_home(request):
    jobs = selectors.job_list(user=request.user)[:10]
    context = {"jobs": jobs, "panels": manager_panels(request)}
    return render(request, "core/home_manager.html", context)


@role_required(COMMANDER)
def commander_home(request):
    return render(request, "core/home_commander.html", {"panels": commander_panels(request)})


@role_required(MANAGER, OFFICER, COMMANDER)
def job_detail(request, pk: int):
    jobs_reap()
    job = get_object_or_404(selectors.job_list(user=request.user), pk=pk)
    return render(request, "core/job_detail.html", {"job": job})
