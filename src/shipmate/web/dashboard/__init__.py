"""The dashboard: server-rendered pages (Jinja2 templates in web/templates) on serve's app. Pages read through
`shipmate.ops` only; who may see and do what is web/auth.py (a session made at /login, CSRF on every form)."""

from __future__ import annotations

from starlette.routing import Route

from shipmate.web.dashboard import approval_pages, measure_pages, pages


def page_routes() -> list[Route]:
    return [
        Route("/", pages.overview_page, methods=["GET"]),
        Route("/login", pages.login_page, methods=["GET"]),
        Route("/services/{service}/history", pages.history_page, methods=["GET"]),
        Route("/services/{service}/report", measure_pages.report_page, methods=["GET"]),
        Route("/deployments/{deployment_id}", pages.deployment_page, methods=["GET"]),
        Route("/live/{service}/{environment}", pages.live_page, methods=["GET"]),
        Route("/approvals", approval_pages.approvals_page, methods=["GET"]),
        Route("/approvals/{approval_id}/decide", approval_pages.decide, methods=["POST"]),
    ]
