from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from requests_app import views
from requests_app.intake import onboarding

admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "LE Request Portal — operator"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # set_language: the language switcher posts here (stores the choice in a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/pending/", onboarding.pending, name="account_pending"),
    path("accounts/", include("allauth.urls")),
    path("api/", include("requests_app.intake.api_urls")),
    path("le/", include("requests_app.intake.urls")),
    path("legal/agencies/", include("requests_app.intake.staff_urls")),
    path("legal/cybertipline/", include("requests_app.cybertipline.urls")),
    path("legal/", include("requests_app.review.urls")),
    path("production/", include("requests_app.production.urls")),
    path("transparency/", include("transparency.urls")),
]

# Plain error pages, JSON with a code under /api/; they read nothing from the database (requests_app.errors).
handler400 = "requests_app.errors.bad_request"
handler403 = "requests_app.errors.permission_denied"
handler404 = "requests_app.errors.page_not_found"
handler500 = "requests_app.errors.server_error"
