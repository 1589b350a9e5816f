from django.urls import path

from leeway.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("gestures/", views.gesture_list, name="gestures"),
    path("gestures/new/", views.gesture_create_view, name="gesture_create"),
    path("gestures/<int:gesture_id>/", views.gesture_edit, name="gesture_edit"),
    path("tiers/", views.tier_list, name="tiers"),
    path("tiers/<int:tier_id>/", views.tier_edit, name="tier_edit"),
    path("rules/", views.rules, name="rules"),
    path("budgets/", views.budget_list, name="budgets"),
    path("budgets/<int:budget_id>/", views.budget_edit, name="budget_edit"),
    path("budgets/<int:budget_id>/delete/", views.budget_delete_view, name="budget_delete"),
    path("settings/", views.settings_edit, name="settings"),
    path("rates/", views.rates, name="rates"),
    path("rates/<int:rate_id>/delete/", views.rate_delete_view, name="rate_delete"),
    path("publish/", views.publish, name="publish"),
    path("versions/", views.versions, name="versions"),
    path("versions/<int:number>/", views.version_detail, name="version"),
]
