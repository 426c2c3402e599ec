"""The department sandbox: one FastAPI app, one router per department."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import text

from common.masking import configure_logging
from common.settings import Settings, load_settings
from sandbox import faults
from sandbox.database import Database
from sandbox.routers import appointments, cable_tv, complaints, hpf, hrss, population, traffic, utility


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    database = Database(settings.sandbox_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database.create_and_seed()
        yield
        database.engine.dispose()

    app = FastAPI(title="示例市 department sandbox", lifespan=lifespan)
    app.state.database = database
    for department in (population, utility, cable_tv, hrss, hpf, traffic, appointments, complaints):
        app.include_router(department.router)
    faults.install(app)

    @app.get("/health")
    def health() -> dict[str, str]:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "database": database.kind}

    return app


def main() -> None:
    import uvicorn

    settings = load_settings()
    configure_logging(settings.log_level)
    host, _, port = settings.sandbox_url.removeprefix("http://").partition(":")
    uvicorn.run(create_app(settings), host=host, port=int(port or 8100), log_config=None)


if __name__ == "__main__":
    main()
