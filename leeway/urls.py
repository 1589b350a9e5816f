from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from leeway.api import api
from leeway.core import views as core_views
from leeway.people import views as people_views

urlpatterns = [
    # The API first: integrations call it far more often than people open pages, and Django tries
    # the patterns in order.
    path("api/v1/", api.urls),
    re_path(r"^api/", core_views.api_not_found),
    path("", people_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", people_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("language/", people_views.language_switch, name="language_switch"),
    path("people/", include("leeway.people.urls")),
    path("customers/", include("leeway.customers.urls")),
    path("value/", include("leeway.value.urls")),
    path("", include("leeway.decisions.urls")),
    path("policy/", include("leeway.policy.urls")),
    path("recognition/", include("leeway.recognition.urls")),
    path("alignment/", include("leeway.alignment.urls")),
    path("training/", include("leeway.training.urls")),
    path("integrations/", include("leeway.integrations.urls")),
    path("insights/", include("leeway.insights.urls")),
    path("reports/", include("leeway.reports.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "leeway.core.views.bad_request"
handler403 = "leeway.core.views.permission_denied"
handler404 = "leeway.core.views.page_not_found"
handler500 = "leeway.core.views.server_error"
