from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from core import selectors
from core.deletion import DeletionRefused, deletion_preview, object_delete
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


def confirm_delete(request, obj, *, what: str, back_url: str, done_url: str):
    """GET: what deleting `obj` takes with it, or what stops it. POST: delete, then go to
    `done_url` saying what went. The calling view checks who may delete."""
    if request.method == "POST":
        try:
            preview = object_delete(obj)
        except DeletionRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(back_url)
        gone = ", ".join(f"{count} {name}" for name, count in preview.deleted)
        messages.success(request, f"Deleted {what}" + (f" and {gone}." if gone else "."))
        return redirect(done_url)
    context = {"what": what, "preview": deletion_preview(obj), "back_url": back_url}
    return render(request, "core/confirm_delete.html", context)
