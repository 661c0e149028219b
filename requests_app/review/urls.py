"""The legal workspace, mounted at /legal/ (agency verification lives at /legal/agencies/)."""

from django.urls import path

from requests_app.review import views

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("views/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("requests/<str:reference>/notes/", views.note, name="note"),
    path("requests/<str:reference>/", views.request_detail, name="request"),
    path("requests/<str:reference>/audit/", views.audit, name="audit"),
    path("requests/<str:reference>/documents/<int:pk>/", views.document, name="document"),
    path("requests/<str:reference>/assign/", views.assign, name="assign"),
    path("requests/<str:reference>/dsa/", views.dsa_classify, name="dsa_classify"),
    path("requests/<str:reference>/start/", views.start, name="start"),
    path("requests/<str:reference>/verify/", views.verify, name="verify"),
    path("requests/<str:reference>/info/", views.request_info, name="info"),
    path("requests/<str:reference>/resume/", views.resume, name="resume"),
    path("requests/<str:reference>/reject/", views.reject, name="reject"),
    path("requests/<str:reference>/decide/", views.decide, name="decide"),
    path("requests/<str:reference>/decisions/<int:pk>/approve/", views.approve_decision, name="approve_decision"),
    path("requests/<str:reference>/approve/", views.approve, name="approve"),
    path("requests/<str:reference>/message/", views.message, name="message"),
    path("requests/<str:reference>/validation/", views.epoc_validation, name="epoc_validation"),
    path("requests/<str:reference>/enforcing/", views.enforcing_state, name="enforcing_state"),
    path("requests/<str:reference>/danger-over/", views.danger_over, name="danger_over"),
    path("requests/<str:reference>/notice-decision/", views.notice_decision, name="notice_decision"),
    path("requests/<str:reference>/ndo/", views.ndo, name="ndo"),
    path("requests/<str:reference>/decisions/change/", views.change_decision, name="change_decision"),
]
