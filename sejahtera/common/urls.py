from django.urls import URLPattern, URLResolver

app_name = "common"
urlpatterns: list[URLPattern | URLResolver] = []
