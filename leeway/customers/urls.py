from django.urls import path

from leeway.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("imports/", views.imports, name="imports"),
    path("segments/", views.segments, name="segments"),
    path("imports/<str:kind>/upload/", views.import_upload, name="import_upload"),
    path("imports/jobs/<int:job_id>/", views.import_job, name="import_job"),
    path("<str:external_id>/", views.customer_detail, name="detail"),
]
