from django.urls import path

from requests_app.production import views

app_name = "production"
urlpatterns = [
    path("requests/<str:reference>/", views.request_page, name="request"),
    path("requests/<str:reference>/start/", views.production_start, name="start"),
    path("requests/<str:reference>/ndo-lift/", views.ndo_lift, name="ndo_lift"),
    path("requests/<str:reference>/ndo/", views.ndo_record, name="ndo_record"),
    path("p/<int:pk>/progress/", views.production_progress, name="progress"),
    path("p/<int:pk>/download/", views.production_download, name="download"),
    path("p/<int:pk>/sign/", views.certificate_sign, name="certificate_sign"),
    path("holds/", views.holds_list, name="holds"),
    path("holds/<int:pk>/extend/", views.hold_extend, name="hold_extend"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("notices/", views.notices_list, name="notices"),
]
