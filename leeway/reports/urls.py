from django.urls import path

from leeway.reports import views

app_name = "reports"

urlpatterns = [
    path("whatif/", views.whatif, name="whatif"),
    path("whatif/<slug:table>.csv", views.whatif_csv, name="whatif_csv"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<slug:table>.csv", views.dashboard_csv, name="dashboard_csv"),
]
