from requests_app.permissions import officer_of


def portal_user(request):
    officer = officer_of(getattr(request, "user", None))
    return {
        "portal_officer": officer,
        "portal_is_staff": bool(officer and officer.is_staff_role and officer.can_act),
        "portal_is_supervisor": bool(officer and officer.is_supervisor and officer.can_act),
    }
