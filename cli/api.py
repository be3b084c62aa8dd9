"""`medflow api [--port 8080] [--triton-url host:port]` serves the gateway; `medflow api token` mints a
local development token. Heavy imports stay inside the commands so `medflow --help` stays fast."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

app = typer.Typer(help="Realtime FastAPI gateway.")


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    port: int | None = typer.Option(None, help="Port to listen on (default MEDFLOW_API_PORT or 8080)"),
    host: str | None = typer.Option(None, help="Bind address (default MEDFLOW_API_HOST or 127.0.0.1)"),
    triton_url: str | None = typer.Option(None, help="Triton gRPC host:port (default MEDFLOW_TRITON_URL)"),
) -> None:
    """Serve the gateway with uvicorn until SIGTERM/SIGINT, then drain in-flight requests."""
    if ctx.invoked_subcommand is not None:
        return
    import logging

    from api.app import create_app
    from api.log_config import gateway_log_config
    from api.server import serve as serve_gateway
    from medflow.settings import get_settings

    overrides = {"api_port": port, "api_host": host, "triton_url": triton_url}
    settings = get_settings().model_copy(update={k: v for k, v in overrides.items() if v is not None})
    logging.captureWarnings(True)  # library warnings (spaCy, Presidio) as log lines, not bare stderr text
    serve_gateway(
        create_app(settings),
        settings,
        log_config=gateway_log_config(settings.log_format, settings.api_audit_log_file),
        log_level="info",
    )


def print_token(scopes: list[str], subject: str, ttl_s: int) -> None:
    """Print an HS256 development token signed with MEDFLOW_JWT_SECRET (stdout gets the token only). The
    gateway accepts it when started with MEDFLOW_JWT_DEV_HS256=true."""
    from api.auth import ALL_SCOPES, dev_secret_problem, mint_dev_token
    from medflow.settings import get_settings

    settings = get_settings()
    if settings.jwt_secret is None or not settings.jwt_secret.get_secret_value():
        typer.echo("MEDFLOW_JWT_SECRET is not set: cannot sign a development token", err=True)
        raise typer.Exit(2)
    if problem := dev_secret_problem(settings.jwt_secret.get_secret_value()):
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    if ttl_s > settings.jwt_max_lifetime_s:
        typer.echo(f"--ttl {ttl_s} is longer than MEDFLOW_JWT_MAX_LIFETIME_S ({settings.jwt_max_lifetime_s})", err=True)
        raise typer.Exit(2)
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        typer.echo(f"unknown scope(s) {unknown}; known: {list(ALL_SCOPES)}", err=True)
        raise typer.Exit(2)
    token = mint_dev_token(
        settings.jwt_secret.get_secret_value(),
        subject=subject,
        scopes=scopes,
        ttl_s=ttl_s,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    sys.stdout.write(token + "\n")


@app.command("token")
def token(
    scope: list[str] = typer.Option(["classify"], "--scope", help="Scope to grant (repeatable)"),
    subject: str = typer.Option("local-dev", help="Token subject (shows in the audit log)"),
    ttl_s: int = typer.Option(3600, "--ttl", help="Lifetime in seconds"),
) -> None:
    """Print a development token signed with MEDFLOW_JWT_SECRET."""
    print_token(scope, subject, ttl_s)


@app.command("openapi")
def openapi(
    output: Path | None = typer.Option(None, "--output", help="Write the document here (default: stdout)"),
) -> None:
    """Print or write the gateway's OpenAPI contract for the default settings (docs/openapi.json)."""
    import json

    from api.app import published_contract

    document = json.dumps(published_contract(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document)
