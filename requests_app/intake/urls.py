"""The law-enforcement portal, mounted at /le/."""

from django.urls import path
from django.views.generic import RedirectView

from requests_app.intake import views

app_name = "intake"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="intake:request_list"), name="index"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/new/check/", views.request_check, name="request_check"),
    path("drafts/<int:pk>/", views.draft_resume, name="draft_resume"),
    path("drafts/<int:pk>/discard/", views.draft_delete, name="draft_delete"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/messages/", views.message_create, name="message_create"),
    path("requests/<str:reference>/documents/", views.document_create, name="document_create"),
    path("requests/<str:reference>/documents/<int:pk>/", views.document_download, name="document_download"),
    path("requests/<str:reference>/receipts/<int:index>.json", views.receipt_download, name="receipt_download"),
    path("requests/<str:reference>/answer/", views.request_answer, name="request_answer"),
    path("requests/<str:reference>/withdraw/", views.request_withdraw_view, name="request_withdraw"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
