"""The one API at /api/v1/: assembles every app's router."""

from __future__ import annotations

import sys
from typing import Any

from django.utils.translation import get_language
from ninja import NinjaAPI
from ninja.security import django_auth

from jijinan import __version__
from jijinan.accounts.api import router as accounts_router
from jijinan.accounts.auth import TokenAuth
from jijinan.audit.api import router as audit_router
from jijinan.cases.api import router as cases_router
from jijinan.cases.intake.api import router as cases_intake_router
from jijinan.cases.queues.api import router as cases_queue_router
from jijinan.cases.workflow.api import router as cases_workflow_router
from jijinan.core.apitools import install_error_handlers
from jijinan.core.calendar.api import router as calendar_router
from jijinan.core.deadlines.api import router as deadline_router
from jijinan.core.jobs.api import router as system_router
from jijinan.core.messaging.api import router as inbox_router
from jijinan.core.permissions import PUBLIC, requires
from jijinan.exchange.api import router as exchange_router
from jijinan.policy.api import router as policy_router
from jijinan.referrals.api import router as referrals_router
from jijinan.regions.api import router as regions_router
from jijinan.registry.api import router as registry_router
from jijinan.supervision.api import router as supervision_router
from jijinan.verification.api import router as verification_router


class JijinanAPI(NinjaAPI):
    """Builds the OpenAPI document once per process and language: it changes only with the code,
    and building it walks every operation (about 130 ms)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, str], Any] = {}

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, get_language() or "")
        if key not in self._schemas:
            self._schemas[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return self._schemas[key]

    def get_openapi_operation_id(self, operation: Any) -> str:
        """Operation ids belong to the API's contract (clients generate code from them), so they
        must not follow the code's folders: a module that moved keeps its ids by naming their
        prefix in ``OPERATION_ID_PREFIX``; otherwise the prefix is the module's path."""
        func = operation.view_func
        prefix = getattr(sys.modules[func.__module__], "OPERATION_ID_PREFIX", func.__module__.replace(".", "_"))
        return f"{prefix}_{func.__name__}"


api = JijinanAPI(
    title="救急难 Jijinan API",
    version=__version__,
    description=(
        "急难社会救助平台接口。错误统一返回 `{code, message, field_errors}`，message 按请求语言"
        "（Accept-Language）给出中文或英文。\n\n"
        "Emergency social assistance API. Every error body is `{code, message, field_errors}`; "
        "messages follow Accept-Language (Chinese by default)."
    ),
    urls_namespace="api",
    # A bearer token first: the session check refuses a POST without a CSRF token before a token
    # in the Authorization header would be looked at.
    auth=[TokenAuth(), django_auth],
    docs_decorator=requires(PUBLIC),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

api.add_router("/", system_router)
api.add_router("/", calendar_router)
api.add_router("/", deadline_router)
api.add_router("/", inbox_router)
api.add_router("/", accounts_router)
api.add_router("/", regions_router)
api.add_router("/", audit_router)
api.add_router("/", registry_router)
api.add_router("/", policy_router)
api.add_router("/", exchange_router)
api.add_router("/", verification_router)
# The queue paths (/cases/queue …) before the case paths (/cases/{case_id}).
api.add_router("/", cases_queue_router)
api.add_router("/", cases_intake_router)
api.add_router("/", cases_router)
api.add_router("/", cases_workflow_router)
api.add_router("/", referrals_router)
api.add_router("/", supervision_router)
