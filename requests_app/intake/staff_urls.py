"""Staff page for verifying agencies and officers (mounted at /legal/agencies/)."""

from django.urls import path, re_path

from requests_app.intake import views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_list, name="list"),
    path("<int:pk>/officers/", views.officer_list, name="officers"),
    re_path(r"^(?P<pk>\d+)/(?P<action>verify|suspend)/$", views.agency_action, name="agency_action"),
    re_path(r"^officers/(?P<pk>\d+)/(?P<action>verify|suspend)/$", views.officer_action, name="officer_action"),
]
