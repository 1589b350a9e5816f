from django.urls import path

from leeway.value import views

app_name = "value"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("refresh/", views.refresh, name="refresh"),
    path("settings/", views.settings_update, name="settings"),
    path("runs/<int:run_id>/", views.run_detail, name="run"),
]
