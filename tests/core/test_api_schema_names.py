"""The OpenAPI document has one schema per name: ninja names a component after its class, so
two classes of the same name (portal's and localinfo's ``NewsOut``) made one overwrite the
other in ``components`` and an operation was documented with the wrong fields."""

from collections import defaultdict

import pydantic

import guichet.api  # noqa: F401  (mounts every app's router, importing its schemas)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_api_schemas_share_a_name():
    by_name = defaultdict(set)
    for model in _subclasses(pydantic.BaseModel):
        if model.__module__.startswith("guichet."):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    shared = {name: sorted(paths) for name, paths in by_name.items() if len(paths) > 1}
    assert not shared, f"schemas sharing a name in the OpenAPI document: {shared}"


def test_the_openapi_document_declares_every_error_answer(client):
    document = client.get("/api/v1/openapi.json").json()
    assert "ApiError" in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403", "404", "422", "429"):
                assert status in operation["responses"], (method, path, status)
