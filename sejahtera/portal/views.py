"""The public portal's pages: the home page and the check (cek bansos). No login; phone first.

The check: province → regency → district → village (htmx refills the next select; without
JavaScript a "Pilih" button reloads the page with the next level filled), the name as on the KTP
and the four-letter captcha; each captcha answer is accepted once. Refusals answer 400, limits
429 with Retry-After; the result shows masked names only (portal/selectors.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from captcha import views as captcha_views
from captcha.fields import CaptchaField
from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from sejahtera.regions.selectors import region_children

from .edge import CheckThrottled, check_guard, client_address
from .selectors import CheckRefused, check_search, name_check, village_check

# The other public services (portal.requests); a tile shows only once its page exists.
SERVICES = [
    ("/publik/usul/", _("Usul"), _("Usulkan keluarga yang layak dibantu.")),
    ("/publik/sanggah/", _("Sanggah"), _("Sanggah penerima yang tidak layak di desa Anda.")),
    ("/publik/pengaduan/", _("Pengaduan"), _("Sampaikan keluhan tentang bantuan sosial.")),
    ("/publik/lacak/", _("Lacak status"), _("Ikuti usulan, sanggahan atau pengaduan Anda.")),
]
SANGGAH_URL = "/publik/sanggah/isi/"  # portal.requests: the objection form for a result's ref


def _exists(url: str) -> bool:
    try:
        resolve(url)
    except Resolver404:
        return False
    return True


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    services = [{"url": u, "label": label, "help": help} for u, label, help in SERVICES if _exists(u)]
    return render(request, "portal/home.html", {"services": services})


class CheckForm(forms.Form):
    desa = forms.CharField(max_length=10, label=_("Desa/Kelurahan"))
    nama = forms.CharField(max_length=100, label=_("Nama PM sesuai KTP"))
    captcha = CaptchaField(
        label=_("Huruf kode"), error_messages={"invalid": _("Huruf kode salah; coba lagi.")}
    )


LEVELS = [
    ("prov", _("Provinsi"), 2),
    ("kab", _("Kabupaten/Kota"), 4),
    ("kec", _("Kecamatan"), 6),
    ("desa", _("Desa/Kelurahan"), 10),
]


@lru_cache(maxsize=16384)
def _children(parent: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of a region's children (provinces for ""): reference data, cached per process."""
    return tuple(region_children(parent_code=parent or None).values_list("code", "name"))


def _cascade(data: Any) -> list[dict[str, Any]]:
    """The four selects, each with its options and choice; a choice that does not lie inside the
    level above is dropped (with everything below it)."""
    levels: list[dict[str, Any]] = []
    parent = ""
    for i, (name, label, width) in enumerate(LEVELS):
        options = _children(parent) if (i == 0 or parent) else ()
        chosen = str(data.get(name, "") or "")
        chosen = chosen if chosen in dict(options) else ""
        below = [n for n, _label, _w in LEVELS[i + 1 :]]
        levels.append(
            {
                "name": name,
                "label": label,
                "options": options,
                "selected": chosen,
                "next_name": below[0] if below else "",
                "below": ",".join(f"id_{n}" for n in below[1:]),
                "width": width,
            }
        )
        parent = chosen
    return levels


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Cek bansos: the search form, and on POST the masked results or the reason for a refusal."""
    data = request.POST if request.method == "POST" else request.GET
    cascade = _cascade(data)
    context: dict[str, Any] = {"cascade": cascade, "searched": False}
    status, retry_after = 200, 0
    form = CheckForm(request.POST) if request.method == "POST" else CheckForm()
    if request.method == "POST":
        if form.is_valid():
            village, name = form.cleaned_data["desa"], form.cleaned_data["nama"]
            try:
                village_check(village)
                name_check(name)
                check_guard(address=client_address(request), village_code=village)
                context["results"] = check_search(village_code=village, name=name)
                context["village"] = village
                context["searched"] = True
            except CheckThrottled as exc:
                context["refusal"], status, retry_after = exc.message, exc.status_code, exc.retry_after
            except CheckRefused as exc:
                context["refusal"], status = exc.message, exc.status_code
            # Each captcha answer is used once: the next search gets a new one.
            form = CheckForm(initial={"nama": name})
        else:
            status = 400
    context["form"] = form
    # Another captcha image: the page again with the chosen region (never the name: not in URLs).
    context["new_captcha_query"] = urlencode({lv["name"]: lv["selected"] for lv in cascade if lv["selected"]})
    context["sanggah_url"] = SANGGAH_URL if context.get("results") and _exists(SANGGAH_URL) else ""
    response = render(request, "portal/check.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def region_options(request: HttpRequest) -> HttpResponse:
    """?parent=<code> → its children as <option> elements (the cascade's htmx partial); public
    reference data, cached by the browser for a day."""
    parent = "".join(ch for ch in request.GET.get("parent", "") if ch.isdigit())
    options = _children(parent) if len(parent) in (0, 2, 4, 6) else ()
    response = render(request, "portal/_options.html", {"options": options})
    patch_cache_control(response, public=True, max_age=86400)
    return response


@require_GET
def captcha_image(request: HttpRequest, key: str) -> HttpResponse:
    """The captcha's image, drawn by django-simple-captcha (its font ships in the package)."""
    response: HttpResponse = captcha_views.captcha_image(request, key, scale=1)
    return response
