from django.urls import path

from leeway.insights import views

app_name = "insights"

urlpatterns = [
    path("roi/", views.roi, name="roi"),
    path("roi/method/", views.roi_method, name="roi_method"),
    path("roi/compute/", views.roi_compute, name="roi_compute"),
    path("interactions/", views.interactions, name="interactions"),
    path("interactions/import/", views.interactions_upload, name="interactions_upload"),
]
