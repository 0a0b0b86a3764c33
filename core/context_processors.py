from core.roles import roles_of


def roles(request) -> dict:
    user_roles = roles_of(request.user)
    return {
        "user_roles": user_roles,
        "is_manager": "manager" in user_roles,
        "is_officer": "officer" in user_roles,
        "is_commander": "commander" in user_roles,
    }
