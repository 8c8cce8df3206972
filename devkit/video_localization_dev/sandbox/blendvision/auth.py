"""BlendVision One's api_token auth: `Authorization: Bearer <api_token>` plus `x-bv-org-id`.

A missing or unknown token is 401 UNAUTHENTICATED (16); a good token with a missing or foreign
organization id is 403 PERMISSION_DENIED (7).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from video_localization_dev.sandbox.blendvision.constants import (
    MISSING_ORG_ID_STATUS,
    ORG_HEADER,
    REASON_ORG_ID_MISMATCH,
    REASON_ORG_ID_MISSING,
    REASON_TOKEN_INVALID,
    REASON_TOKEN_MISSING,
    SANDBOX_API_TOKEN,
    SANDBOX_ORG_ID,
)
from video_localization_dev.sandbox.blendvision.rpc_errors import GrpcCode, RpcError

_MISSING_ORG_CODE = GrpcCode.PERMISSION_DENIED if MISSING_ORG_ID_STATUS == 403 else GrpcCode.INVALID_ARGUMENT


async def require_api_token(request: Request) -> None:
    """A router dependency: refuse the request unless it carries the sandbox's token and org id."""
    header = request.headers.get("authorization")
    if not header:
        raise RpcError(GrpcCode.UNAUTHENTICATED, "the authorization header is missing", REASON_TOKEN_MISSING)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise RpcError(
            GrpcCode.UNAUTHENTICATED,
            "the authorization header must be 'Bearer <api_token>'",
            REASON_TOKEN_INVALID,
        )
    if not hmac.compare_digest(token.strip().encode(), SANDBOX_API_TOKEN.encode()):
        raise RpcError(GrpcCode.UNAUTHENTICATED, "the api_token is invalid or expired", REASON_TOKEN_INVALID)
    org_id = request.headers.get(ORG_HEADER)
    if not org_id:
        raise RpcError(
            _MISSING_ORG_CODE,
            f"the {ORG_HEADER} header is required to invoke this API with an api_token",
            REASON_ORG_ID_MISSING,
            metadata={"header": ORG_HEADER},
        )
    if org_id != SANDBOX_ORG_ID:
        raise RpcError(
            GrpcCode.PERMISSION_DENIED,
            f"the api_token has no permission on organization {org_id!r}",
            REASON_ORG_ID_MISMATCH,
            metadata={"orgId": org_id},
        )
