from django.urls import path

from transparency import log_views, views

app_name = "transparency"
urlpatterns = [
    path("", views.index, name="index"),
    path("methodology/", views.methodology, name="methodology"),
    path("key", views.public_key, name="key"),
    path("log/checkpoint", log_views.checkpoint, name="log_checkpoint"),
    path("log/key", log_views.key, name="log_key"),
    path("log/consistency", log_views.consistency, name="log_consistency"),
    path("log/inclusion", log_views.inclusion, name="log_inclusion"),
    path("key.pem", views.public_key_pem, name="key_pem"),
    path("index.json", views.index_json, name="index_json"),
    path("country/", views.country_pick, name="country_pick"),
    path("country/<str:code>/", views.country_page, name="country"),
    path("country/<str:code>/trends.csv", views.country_csv, name="country_csv"),
    path("manage/", views.manage, name="manage"),
    path("manage/<int:pk>/", views.draft, name="draft"),
    path("manage/<int:pk>/publish", views.publish, name="publish"),
    path("<str:period>/", views.report_page, name="report"),
    path("<str:period>/v<int:version>/", views.report_page, name="report_version"),
    path("<str:period>/v<int:version>/report.json", views.download_json, name="json"),
    path("<str:period>/v<int:version>/report.csv", views.download_csv, name="csv"),
    path("<str:period>/v<int:version>/report.pdf", views.download_pdf, name="pdf"),
    path("<str:period>/v<int:version>/dsa-art10.csv", views.download_dsa, name="dsa"),
]
