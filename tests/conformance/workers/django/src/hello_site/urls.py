from django.http import JsonResponse
from django.urls import path


def hello(request):
    return JsonResponse({"message": "Hello from Django", "method": request.method})


def item(request, number):
    return JsonResponse({"item": number, "q": request.GET.get("q")})


urlpatterns = [path("", hello), path("items/<int:number>/", item)]
