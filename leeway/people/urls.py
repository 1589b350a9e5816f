from django.urls import path

from leeway.people import views

app_name = "people"

urlpatterns = [
    path("home/", views.home_page, name="home"),
    path("organization/", views.organization_overview, name="organization"),
    path("teams/<int:team_id>/", views.team_detail, name="team"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    # Managing the organization (admins).
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_add, name="member_add"),
    path("members/import/", views.members_import_view, name="members_import"),
    path("members/invitations.csv", views.invitations_csv, name="invitations_csv"),
    path("members/<int:member_id>/", views.member_detail, name="member"),
    path("members/<int:member_id>/deactivate/", views.member_deactivate_view, name="member_deactivate"),
    path("members/<int:member_id>/reactivate/", views.member_reactivate_view, name="member_reactivate"),
    path("members/<int:member_id>/invitation/", views.member_invite_view, name="member_invite"),
    path("sites/new/", views.site_add, name="site_add"),
    path("sites/<int:site_id>/", views.site_edit, name="site_edit"),
    path("departments/new/", views.department_add, name="department_add"),
    path("departments/<int:department_id>/", views.department_edit, name="department_edit"),
    path("teams/new/", views.team_add, name="team_add"),
    path("teams/<int:team_id>/edit/", views.team_edit, name="team_edit"),
    # Where an invited member chooses their password (no login needed).
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
]
