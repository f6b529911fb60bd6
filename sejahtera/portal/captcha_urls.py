"""The captcha's image under /publik/captcha/ (the name "captcha-image" is the one
django-simple-captcha's widget reverses). Only the image: no audio (no speech synthesiser on the
server), and a new captcha comes with a new page or from GET /api/v1/public/captcha."""

from django.urls import path

from . import views

urlpatterns = [path("<str:key>/", views.captcha_image, name="captcha-image")]
