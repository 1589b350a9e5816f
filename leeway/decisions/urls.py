from django.urls import path

from leeway.decisions import views

app_name = "decisions"

urlpatterns = [
    path("console/", views.console, name="console"),
    path("console/customers/", views.customer_search, name="customer_search"),
    path("console/card/", views.customer_card, name="customer_card"),
    path("console/budget/", views.budget, name="budget"),
    path("console/requests/", views.console_requests, name="console_requests"),
    path("panel/", views.panel, name="panel"),
    path("queue/", views.queue, name="queue"),
    path("queue/items/", views.queue_items, name="queue_items"),
    path("decisions/", views.decision_list, name="list"),
    path("decisions/mine/", views.my_decisions, name="mine"),
    path("decisions/<uuid:decision_id>/", views.decision_detail, name="detail"),
    path("decisions/<uuid:decision_id>/approve/", views.decision_approve, name="approve"),
    path("decisions/<uuid:decision_id>/decline/", views.decision_decline, name="decline"),
]
