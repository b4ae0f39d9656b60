"""Example views: publishing from Django code with `notify()`, and the gallery's demo controls."""
import json
import mimetypes
import re
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from lifeline_channels import notify
from lifeline_channels.auth import bearer_token, sign_token

SUBJECT = re.compile(r"^[\w.-]{1,64}$")


def _is_operator(request):
    """Stands in for your own permission check (staff user, service token …): here, the API key."""
    api_key = settings.LIFELINE.get("API_KEY")
    return bool(api_key) and bearer_token(request.headers.get("Authorization")) == api_key


@csrf_exempt
@require_POST
def announce(request):
    """`POST /example/announce {"text": …}`: an announcement on `broadcasts`, published from a view."""
    if not _is_operator(request):
        return JsonResponse({"error": "Authorization: Bearer <api key> required"}, status=401)
    try:
        text = json.loads(request.body)["text"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'Body must be {"text": "..."}'}, status=400)
    outcome = notify("broadcasts", "announcement", {"text": str(text)[:500]})
    return JsonResponse(outcome)


@csrf_exempt
@require_POST
def ship_order(request, order_id):
    """`POST /example/orders/<id>/ship?user=<sub>`: a business action that tells the buyer. The
    idempotency key makes a retried request (double click, proxy retry) notify once."""
    if not _is_operator(request):
        return JsonResponse({"error": "Authorization: Bearer <api key> required"}, status=401)
    user = request.GET.get("user", "")
    if not SUBJECT.match(user):
        return JsonResponse({"error": "user is required"}, status=400)
    outcome = notify(f"user:{user}", "order_shipped", {"order": order_id}, key=f"order-shipped-{order_id}")
    return JsonResponse(outcome)


@require_GET
def demo_token(request):
    """`GET /demo/token?sub=ada&roles=admin,mentor&ttl=60`: a development JWT, as the gallery expects."""
    sub = request.GET.get("sub", "")
    if not SUBJECT.match(sub):
        return JsonResponse({"error": 'sub must be 1-64 letters, digits, ".", "_" or "-"'}, status=400)
    roles = [role for role in request.GET.get("roles", "").split(",") if role]
    try:
        ttl = round(float(request.GET.get("ttl", "3600")))
    except ValueError:
        ttl = 3600
    token = sign_token(settings.LIFELINE.get("JWT_SECRET", "lifeline-dev-secret"), sub, roles, min(86_400, max(3, ttl)))
    return HttpResponse(token, content_type="text/plain", headers={"Cache-Control": "no-store"})


@csrf_exempt
def demo_faults(request):
    """Fault injection is a mock-server feature: this server reports every switch off and refuses changes."""
    faults = {"refuseWebSocket": False, "silenceWebSocket": False, "sseDelayMs": 0, "dropSse": False}
    if request.method == "GET":
        return JsonResponse(faults)
    return JsonResponse({"error": "Fault injection is only available with the mock server"}, status=501)


@csrf_exempt
def demo_revoke(request):
    return JsonResponse({"error": "Revocation is only available with the mock server"}, status=501)


def gallery_file(request, name):
    """The built gallery page (LIFELINE_GALLERY_DIR), so it talks to this server as its origin."""
    root = Path(settings.LIFELINE_GALLERY_DIR).resolve()
    path = (root / (name or "index.html")).resolve()
    if root not in path.parents and path != root or not path.is_file():
        if "." in Path(name).name:
            raise Http404(name)
        path = root / "index.html"
    content_type = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return FileResponse(open(path, "rb"), content_type=content_type)


def not_found(request, exception=None):
    return JsonResponse({"error": {"code": "NOT_FOUND", "message": f"No route for {request.method} {request.path}"}}, status=404)
