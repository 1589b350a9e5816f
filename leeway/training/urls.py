from django.urls import path

from leeway.training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="mine"),
    path("modules/<int:module_id>/", views.module_detail, name="module"),
    path("modules/<int:module_id>/start/", views.attempt_start, name="start"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("review/<int:card_id>/", views.review_answer, name="review"),
    path("manage/", views.manage, name="manage"),
    path("manage/modules/new/", views.module_new, name="module_new"),
    path("manage/modules/<int:module_id>/", views.module_edit, name="module_edit"),
    path("manage/modules/<int:module_id>/scenarios/", views.scenario_add, name="scenario_add"),
    path("manage/scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
    path("manage/waivers/", views.waive, name="waive"),
    path("manage/xapi.json", views.xapi_download, name="xapi"),
    path("eligible/", views.eligible, name="eligible"),
    path("eligible/<int:proposal_id>/", views.proposal_answer, name="proposal_answer"),
    path("settings/", views.training_settings, name="settings"),
]
