from django.urls import path

from leeway.alignment import views

app_name = "alignment"

urlpatterns = [
    path("charter/", views.charter_overview, name="charters"),
    path("departments/<int:department_id>/charter/new/", views.charter_publish, name="charter_publish"),
    path("charters/<int:charter_id>/sign/", views.charter_sign, name="charter_sign"),
    path("review/", views.review, name="review"),
    path("decisions/<uuid:decision_id>/", views.decision_review, name="decision"),
    path("decisions/<uuid:decision_id>/feedback/", views.feedback_give, name="feedback_give"),
    path("decisions/<uuid:decision_id>/concern/", views.concern_raise, name="concern_raise"),
    path("decisions/<uuid:decision_id>/reverse/", views.decision_reverse, name="decision_reverse"),
    path("feedback/", views.my_feedback, name="my_feedback"),
    path("feedback/<int:feedback_id>/dispute/", views.dispute_open, name="dispute_open"),
    path("disputes/<int:dispute_id>/resolve/", views.dispute_resolve, name="dispute_resolve"),
    path("proposals/", views.proposals, name="proposals"),
    path("proposals/<int:proposal_id>/answer/", views.proposal_answer, name="proposal_answer"),
    path("backing/", views.backing, name="backing"),
    path("backing/departments/<int:department_id>/", views.backing_department, name="backing_department"),
    path("backing/members/<int:member_id>/", views.backing_member, name="backing_member"),
    path("pulses/", views.pulses, name="pulses"),
    path("pulses/new/", views.pulse_schedule, name="pulse_schedule"),
    path("pulses/<int:pulse_id>/", views.pulse_answer, name="pulse_answer"),
    path("pulses/<int:pulse_id>/results/", views.pulse_results, name="pulse_results"),
]
