import os

from workers import WorkerEntrypoint

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello_site.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        from workers import wsgi

        return await wsgi.fetch(application, request.js_object, self.env)
