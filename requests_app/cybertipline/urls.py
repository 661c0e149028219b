"""The CyberTipline register, mounted at /legal/cybertipline/ (staff holding the dedicated role)."""

from django.urls import path

from requests_app.cybertipline import views

app_name = "cybertipline"
urlpatterns = [
    path("", views.register, name="register"),
    path("new/", views.new, name="new"),
    path("eu-annual.csv", views.eu_annual_csv, name="eu_annual"),
    path("reports/<str:reference>/", views.report_detail, name="report"),
    path("reports/<str:reference>/review/", views.review, name="review"),
    path("reports/<str:reference>/submit/", views.submit, name="submit"),
    path("reports/<str:reference>/retract/", views.retract, name="retract"),
    path("reports/<str:reference>/link/", views.link, name="link"),
    path("reports/<str:reference>/files/<int:pk>/", views.file_download, name="file"),
    path("reports/<str:reference>/holds/<int:pk>/extend/", views.hold_extend, name="hold_extend"),
]
