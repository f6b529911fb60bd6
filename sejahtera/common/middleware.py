"""Turns a DomainError that escaped a view into a plain 4xx answer with its message."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation

from .errors import DomainError, NotInJurisdiction


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotInJurisdiction):
            raise Http404(exception.message)
        if isinstance(exception, DomainError):
            return render(
                request, "common/error.html", {"message": exception.message}, status=exception.status_code
            )
        return None


class IndonesianFirstLocaleMiddleware(LocaleMiddleware):
    """Indonesian unless the user chose another language (the language cookie set by the switch).
    The browser's Accept-Language is not followed: a shared office computer with an English
    browser still opens in Indonesian."""

    def process_request(self, request: HttpRequest) -> None:
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if lang not in dict(settings.LANGUAGES):
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()
