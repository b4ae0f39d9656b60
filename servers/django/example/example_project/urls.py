from django.conf import settings
from django.urls import path, re_path

from . import views

#: Unknown paths answer like the protocol's endpoints: `404 {"error":{"code":"NOT_FOUND",…}}`.
handler404 = "example_project.views.not_found"

urlpatterns = [
    path("example/announce", views.announce),
    path("example/orders/<int:order_id>/ship", views.ship_order),
]

if settings.LIFELINE_DEMO:
    urlpatterns += [
        path("demo/token", views.demo_token),
        path("demo/faults", views.demo_faults),
        path("demo/revoke", views.demo_revoke),
    ]

if settings.LIFELINE_GALLERY_DIR:
    urlpatterns.append(re_path(r"^(?P<name>.*)$", views.gallery_file))
