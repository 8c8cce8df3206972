"""Human review of a dubbed version before paying for its generation: Airflow's ApprovalOperator,
showing a freshly signed Panjaya studio link to the reviewer.

The link is signed when the task runs (not at parse time, not from XCom), so it is valid for the whole
review window and is written only into the approval request shown to the reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk.exceptions import AirflowSkipException, DownstreamTasksSkipped

if TYPE_CHECKING:
    from video_localization.panjaya.hook import PanjayaHook

#: `PanjayaHook.default_conn_name`, spelled here so the DAG file's parse does not import the hook (and its
#: pydantic models); the hook is imported when a review runs.
PANJAYA_DEFAULT_CONN = "panjaya_default"

#: XCom key of a review's decision: `{"locale", "approved", "by", "at"}`.
DECISION_XCOM_KEY = "review_decision"

REVIEW_BODY = """\
Review the {locale} dub in Panjaya Dubbing Studio, fix what needs fixing, then approve to generate the
final video (generation is billed). Reject to skip this language.

[Open version {version_id} in the studio]({studio_url}) (link valid for {minutes} minutes)
"""


class PanjayaReviewOperator(ApprovalOperator):
    """Approve or reject one language's version; on reject its generation and download are skipped.

    `enabled` (templated, so a run's Param can switch it) set false skips the review itself, and the
    pipeline goes straight on to generation.

    :param version_id: the Panjaya version to review.
    :param locale: its language, shown to the reviewer.
    :param panjaya_conn_id: the Panjaya connection (default `panjaya_default`).
    :param link_minutes: how long the signed studio link (and the review) lasts.
    :param enabled: false skips the review (templated).

    Airflow's `ApprovalOperator` arguments apply (`subject`, `response_timeout`, ...).
    """

    template_fields: Sequence[str] = (*ApprovalOperator.template_fields, "version_id", "locale", "enabled")

    def __init__(
        self,
        *,
        version_id: str,
        locale: str,
        panjaya_conn_id: str = PANJAYA_DEFAULT_CONN,
        link_minutes: int = 24 * 60,
        enabled: bool | str = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("subject", "Review the dub before generation")
        kwargs.setdefault("response_timeout", timedelta(minutes=link_minutes))
        super().__init__(**kwargs)
        self.version_id = version_id
        self.locale = locale
        self.panjaya_conn_id = panjaya_conn_id
        self.link_minutes = link_minutes
        self.enabled = enabled

    @cached_property
    def hook(self) -> PanjayaHook:
        from video_localization.panjaya.hook import PanjayaHook

        return PanjayaHook(self.panjaya_conn_id)

    def execute(self, context: Any) -> Any:
        if str(self.enabled).lower() not in ("true", "1", "yes"):
            # Skipped, not failed: the generate step after it runs on `none_failed`.
            raise AirflowSkipException("human review was not requested for this run")
        studio_url = self.hook.create_studio_url(self.version_id, self.link_minutes)
        self.subject = f"Review the {self.locale} dub before generation"
        self.body = REVIEW_BODY.format(
            locale=self.locale, version_id=self.version_id, studio_url=studio_url, minutes=self.link_minutes
        )
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        result = super().execute_complete(context, event)
        map_index = context["ti"].map_index
        # Who decided and when, for the manifest: a rejected language is listed with this as its reason.
        # Pushed before any skip below, which ends the task without a return value.
        responder = result.get("responded_by_user") or {}
        responded_at = result.get("responded_at")
        context["ti"].xcom_push(
            key=DECISION_XCOM_KEY,
            value={
                "locale": self.locale,
                "approved": result["chosen_options"][0] != self.REJECT,
                "by": _who(responder),
                "at": responded_at.isoformat() if hasattr(responded_at, "isoformat") else responded_at,
            },
        )
        if result["chosen_options"][0] == self.REJECT and map_index != -1:
            # ApprovalOperator skips nothing from a mapped instance (Airflow leaves that to a dependency
            # check which never stops a `none_failed` generate): skip this language's own later steps.
            group = self.task_group.group_id if self.task_group else None
            later = [
                (task.task_id, map_index)
                for task in self.get_flat_relatives(upstream=False)
                if group and task.task_group is not None and task.task_group.group_id == group
            ]
            if later:
                raise DownstreamTasksSkipped(tasks=later)
        return result


def _who(responder: Any) -> str | None:
    """A reviewer's name (or id), whether Airflow answered it as a mapping or an object."""
    if isinstance(responder, dict):
        return responder.get("name") or responder.get("id")
    return getattr(responder, "name", None) or getattr(responder, "id", None)
