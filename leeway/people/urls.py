from django.urls import path

from leeway.people import views

app_name = "people"

urlpatterns = [
    path("organization/", views.organization_overview, name="organization"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
