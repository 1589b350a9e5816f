from django.urls import path

from leeway.recognition import views

app_name = "recognition"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("decisions/<uuid:decision_id>/", views.decision_page, name="decision"),
    path("decisions/<uuid:decision_id>/kudos/", views.kudos_give, name="kudos"),
    path("decisions/<uuid:decision_id>/celebrate/", views.celebrate, name="celebrate"),
    path("decisions/<uuid:decision_id>/nominate/", views.nominate, name="nominate"),
    path("awards/", views.awards, name="awards"),
    path("awards/<int:award_id>/confirm/", views.award_confirm, name="award_confirm"),
    path("agents/<int:agent_id>/", views.agent_page, name="agent"),
    path("values/", views.values, name="values"),
    path("values/<int:value_id>/", views.value_edit, name="value_edit"),
    path("insights/", views.insights, name="insights"),
]
