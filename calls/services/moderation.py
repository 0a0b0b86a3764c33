"""A supervisor's case-by-case public action on a call, recorded with who and why."""

from django.db import transaction

from calls.models import Call, PublicActionLog
from calls.services.public import public_cache_clear


@transaction.atomic
def call_set_public_action(*, call: Call, action: str, reason: str, user) -> Call:
    if action not in Call.PublicAction.values:
        raise ValueError(f"Unknown action {action!r}.")
    if not reason.strip():
        raise ValueError("Give a reason: it is kept with the action.")
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.public_action = action
    call.save(update_fields=["public_action", "updated_at"])
    PublicActionLog.objects.create(call=call, action=action, reason=reason.strip(), user=user)
    force = call.force
    transaction.on_commit(lambda: public_cache_clear(force=force))
    return call
