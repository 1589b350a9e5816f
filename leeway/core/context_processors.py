from django.conf import settings

from leeway.core.navigation import items_for


def navigation(request):
    """The role's navigation and the languages for the switcher."""
    user = getattr(request, "user", None)
    nav = items_for(user) if user is not None and user.is_authenticated else []
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    for item in nav:
        item["current"] = item["name"] == current
    manage = [item for item in nav if item["group"] == "manage"]
    return {
        "nav_items": [item for item in nav if item["group"] != "manage"],
        "nav_manage": manage,
        "nav_manage_current": any(item["current"] for item in manage),
        "available_languages": settings.LANGUAGES,
    }
