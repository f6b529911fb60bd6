"""Sign-in and sign-out: Django's auth views with our templates and a limit on failed attempts."""

from __future__ import annotations

import math
from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from sejahtera.common.ratelimit import LOGIN_LIMIT, login_ident


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it,
    # and a limit keyed on it could be dodged by sending a new value with every attempt.
    return request.META.get("REMOTE_ADDR", "") or "-"


class LoginForm(AuthenticationForm):
    # Django's Indonesian catalogue renders its own message as "nama pengguna nama pengguna".
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Huruf besar dan kecil dibedakan."),
    }


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def _ident(self) -> str:
        return login_ident(ip=client_ip(self.request), username=self.request.POST.get("username", ""))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = LOGIN_LIMIT.retry_after(self._ident())
        if wait:
            return self._refused(wait)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        LOGIN_LIMIT.record_failure(self._ident())
        return super().form_invalid(form)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        LOGIN_LIMIT.reset(self._ident())
        return super().form_valid(form)

    def _refused(self, wait: int) -> HttpResponse:
        minutes = math.ceil(wait / 60)
        message = ngettext(
            "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)d menit.",
            "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)d menit.",
            minutes,
        ) % {"minutes": minutes}
        context = self.get_context_data(form=self.get_form_class()(self.request), blocked_message=message)
        response = render(self.request, self.template_name, context, status=429)
        response["Retry-After"] = str(wait)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); the link in the header is a small form."""
