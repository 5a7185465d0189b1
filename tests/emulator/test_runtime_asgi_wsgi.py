"""FastAPI through ``asgi.fetch`` and Django through ``workers.wsgi``: the patterns of
Cloudflare's published examples, unchanged, under the emulator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.worker_files import worker_emulator

pytest.importorskip("fastapi")
pytest.importorskip("django")

FASTAPI_WORKER = """
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.responses import StreamingResponse
    from workers import WorkerEntrypoint

    started = []

    @asynccontextmanager
    async def lifespan(app):
        started.append(1)
        yield

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def root():
        return {"message": "hello"}

    @app.get("/hi/{name}")
    async def say_hi(name: str, times: int = 1):
        return {"message": f"Hi, {name}!" * times}

    @app.get("/env")
    async def env(req: Request):
        return {"message": req.scope["env"].MESSAGE, "started": len(started) > 0}

    @app.post("/echo")
    async def echo(req: Request):
        return {"body": (await req.body()).decode(), "type": req.headers.get("content-type")}

    @app.get("/cookies")
    async def cookies():
        from fastapi.responses import Response
        r = Response("ok", status_code=201)
        r.set_cookie("a", "1")
        r.set_cookie("b", "2")
        return r

    @app.get("/stream")
    async def stream():
        async def chunks():
            for part in ("one,", "two,", "three"):
                yield part
        return StreamingResponse(chunks(), media_type="text/plain")

    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            {import_line}
            return await asgi.fetch(app, request.js_object, self.env)
"""


@pytest.fixture(params=["import asgi", "from workers import asgi"])
def fastapi_client(request, tmp_path: Path):
    source = FASTAPI_WORKER.replace("{import_line}", request.param)
    emu = worker_emulator(tmp_path, source, '[vars]\nMESSAGE = "from env"\n')
    with emu.test_client() as client:
        yield client


def test_fastapi_routes_path_params_and_query(fastapi_client) -> None:
    assert fastapi_client.get("/").json() == {"message": "hello"}
    r = fastapi_client.get("/hi/Ada?times=2")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"message": "Hi, Ada!Hi, Ada!"}
    assert fastapi_client.get("/nope").status_code == 404
    assert fastapi_client.post("/").status_code == 405


def test_fastapi_sees_env_in_the_scope_and_runs_lifespan(fastapi_client) -> None:
    assert fastapi_client.get("/env").json() == {"message": "from env", "started": True}


def test_fastapi_reads_the_request_body(fastapi_client) -> None:
    r = fastapi_client.post("/echo", content=b"payload", headers={"content-type": "text/x"})
    assert r.json() == {"body": "payload", "type": "text/x"}


def test_fastapi_status_and_repeated_headers_survive(fastapi_client) -> None:
    r = fastapi_client.get("/cookies")
    assert r.status_code == 201
    assert r.text == "ok"
    assert r.headers.get_list("set-cookie") == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]


def test_fastapi_streaming_response_streams_every_chunk(fastapi_client) -> None:
    r = fastapi_client.get("/stream")
    assert r.status_code == 200
    assert r.text == "one,two,three"
    assert r.headers["content-type"].startswith("text/plain")


DJANGO_SETTINGS = """
SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "hello_django.urls"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True
"""

DJANGO_URLS = """
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path


def hello(request):
    return HttpResponse("Hello from Django", status=200)


def greet(request, name):
    return JsonResponse({"name": name, "q": request.GET.get("q"), "method": request.method})


def post(request):
    return HttpResponse(request.body.upper(), status=202, content_type="text/x-upper")


def stream(request):
    return StreamingHttpResponse(iter([b"a", b"b", b"c"]))


urlpatterns = [
    path("", hello),
    path("greet/<str:name>", greet),
    path("post", post),
    path("stream", stream),
]
"""

DJANGO_ENTRY = """
    import os

    from workers import WorkerEntrypoint, wsgi

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hello_django.settings")

    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()


    class Default(WorkerEntrypoint):
        async def fetch(self, request):
            return await wsgi.fetch(application, request, self.env)
"""


@pytest.fixture
def django_client(tmp_path: Path):
    package = tmp_path / "src" / "hello_django"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "settings.py").write_text(DJANGO_SETTINGS, encoding="utf-8")
    (package / "urls.py").write_text(DJANGO_URLS, encoding="utf-8")
    # The Worker sets DJANGO_SETTINGS_MODULE in this process's environment: put it back after,
    # or a dev server started later by another test inherits it.
    saved = os.environ.get("DJANGO_SETTINGS_MODULE")
    try:
        emu = worker_emulator(tmp_path, DJANGO_ENTRY)
        with emu.test_client() as client:
            yield client
    finally:
        if saved is None:
            os.environ.pop("DJANGO_SETTINGS_MODULE", None)
        else:
            os.environ["DJANGO_SETTINGS_MODULE"] = saved


def test_django_hello_through_wsgi(django_client) -> None:
    r = django_client.get("/")
    assert (r.status_code, r.text) == (200, "Hello from Django")
    assert r.headers["content-type"] == "text/html; charset=utf-8"


def test_django_path_params_query_and_body(django_client) -> None:
    assert django_client.get("/greet/ada?q=1").json() == {"name": "ada", "q": "1", "method": "GET"}
    r = django_client.post("/post", content=b"shout")
    assert (r.status_code, r.text, r.headers["content-type"]) == (202, "SHOUT", "text/x-upper")
    assert django_client.get("/stream").text == "abc"
    assert django_client.get("/missing").status_code == 404
