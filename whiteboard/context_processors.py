from django.conf import settings


def site(request):
    return {"allow_signup": settings.WHITEBOARD_ALLOW_SIGNUP}
