from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel
from workers import WorkerEntrypoint

app = FastAPI()
items: dict[int, str] = {}


class Item(BaseModel):
    name: str


@app.get("/")
async def root():
    return {"message": "FastAPI on a Python Worker"}


@app.get("/greet/{name}")
async def greet(name: str, request: Request, shout: bool = False):
    text = f"{request.scope['env'].GREETING}, {name}!"
    return {"message": text.upper() if shout else text}


@app.post("/items/{item_id}", status_code=201)
async def create(item_id: int, item: Item):
    items[item_id] = item.name
    return {"id": item_id, "name": item.name}


@app.get("/items/{item_id}")
async def read(item_id: int):
    if item_id not in items:
        raise HTTPException(status_code=404, detail="no such item")
    return {"id": item_id, "name": items[item_id]}


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        import asgi

        return await asgi.fetch(app, request.js_object, self.env)
