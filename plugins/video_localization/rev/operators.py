"""Rev operators: upload media, order captions (once per task instance) and wait, download every format.

Each pushes the ids the next step needs (never media, never secrets) and waits in the triggerer when
deferrable. An order is placed once per task instance: `submit_once` keeps its number in the durable
task state store, and every order carries `client_ref` = the task instance's idempotency reference, so
a retry after a crash finds the order at Rev (`GET /orders?clientRef=`) instead of paying twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException

from video_localization.core import secret_source
from video_localization.core.abandon import recorded_job_id, with_cancel_on_failure
from video_localization.core.captions.formats import CAPTIONS_FOLDER, FORMATS, CaptionFormat, caption_filename
from video_localization.core.errors import InvalidInputError, VendorError, VendorJobFailed
from video_localization.core.lineage import DeliveryLineageMixin
from video_localization.core.mp4 import probe_mp4_file
from video_localization.core.operators import VendorJobOperator
from video_localization.core.storage import StoredFile, as_storage_path, require_mp4, require_text
from video_localization.core.submit_once import STATE_RETENTION_DAYS, idempotency_reference, submit_once
from video_localization.rev.hook import RevHook, truthy
from video_localization.rev.links import ORDER_XCOM_KEY, RevOrderLink
from video_localization.rev.models import (
    VENDOR,
    AttachmentKind,
    AutomatedCaptionOptions,
    Notification,
    OrderInput,
    OrderRequest,
    OrderStatus,
)
from video_localization.rev.triggers import RevOrderTrigger, order_outcome
from video_localization.rev.validation import CaptionOrderPlan, validate_caption_order

ORDER_STATE_KEY = "rev_order_number"
#: The input (`urn:rev:inputmedia:...`) an earlier try sent, with the source it holds.
INPUT_STATE_KEY = "rev_input"
BURNED_IN_SUFFIX = "burned-in.mp4"


def _is_url(source: str) -> bool:
    return str(source).startswith(("http://", "https://"))


def media_length_seconds(source: str) -> int | None:
    """An MP4's length "in seconds rounded up", read from its headers (Rev asks for it above 10 MB)."""
    if _is_url(source):
        return None
    with as_storage_path(source).open("rb") as stream:
        facts = probe_mp4_file(stream)
    if facts is None or facts.duration_seconds <= 0:
        return None
    return max(1, math.ceil(facts.duration_seconds - 1e-6))


def upload_source(hook: RevHook, source: str, content_type: str | None = None) -> str:
    """An input URN for `source`: Rev fetches an http(s) URL itself; a path or storage URI is streamed."""
    if _is_url(source):
        return hook.upload_input_url(source, content_type=content_type)
    return hook.upload_input_file(source, content_type=content_type)


class _RevOperatorMixin:
    rev_conn_id: str

    @cached_property
    def hook(self) -> RevHook:
        return RevHook(self.rev_conn_id)


class RevUploadInputOperator(_RevOperatorMixin, BaseOperator):
    """Send media to Rev (`POST /inputs`): a path or object-storage URI is streamed, a URL is fetched by
    Rev. Returns `{"input_uri": "urn:rev:inputmedia:..."}`; inputs cost nothing until ordered.

    :param source: an http(s) URL Rev fetches, or a path / object-storage URI streamed to Rev.
    :param content_type: the media type (default: guessed from the name).
    :param rev_conn_id: the Rev connection (default `rev_default`).
    """

    template_fields: Sequence[str] = ("source", "content_type")

    def __init__(
        self,
        *,
        source: str,
        content_type: str | None = None,
        rev_conn_id: str = RevHook.default_conn_name,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.source = source
        self.content_type = content_type
        self.rev_conn_id = rev_conn_id

    def execute(self, context: Any) -> dict[str, str]:
        source = secret_source.resolve(self.source, context)
        urn = upload_source(self.hook, source, self.content_type or None)
        return {"input_uri": urn}


class RevCaptionOrderOperator(_RevOperatorMixin, VendorJobOperator):
    """Order AI captions of one video in one language, once, and wait until the order is Complete.

    The media is `source` (an http(s) URL Rev fetches, or a path / storage URI streamed to Rev) or an
    `input_uri` from `RevUploadInputOperator`. `sandbox_mode` and `notification_url` default to the
    connection's extras. Returns `{"order_number", "locale", "status": "Complete", "reused"}`; a
    Cancelled order fails the task with Rev's comments. Killing the task cancels the order while Rev
    still allows it, and so does a final failure (`cancel_on_failure`, see `core.abandon`): a wait
    that timed out on the last try leaves no order working for nobody.

    :param locale: the captions' language (a project tag).
    :param formats: the caption formats to order.
    :param source: the media (URL, path or storage URI), unless `input_uri` is given.
    :param input_uri: an input from `RevUploadInputOperator`.
    :param burned_in: also order a video with the captions drawn in.
    :param notification_url: where Rev posts status notifications (default: the connection's extra).
    :param notification_level: Rev's notification level.
    :param video_length_seconds: the media's length (Rev needs it above 10 MB; read from an MP4 when
        possible).
    :param sandbox_mode: place a sandbox order (default: the connection's extra).
    :param wait: False returns right after the order is placed.
    :param rev_conn_id: the Rev connection (default `rev_default`).

    It also takes the wait arguments of `VendorJobOperator` (`deferrable`, `wait_timeout`, `poll_interval`,
    `max_poll_interval`, `poll_backoff`).
    """

    vendor = VENDOR
    operator_extra_links = (RevOrderLink(),)
    template_fields: Sequence[str] = (
        "source",
        "input_uri",
        "locale",
        "formats",
        "burned_in",
        "notification_url",
        "notification_level",
        "video_length_seconds",
        "sandbox_mode",
    )

    def __init__(
        self,
        *,
        locale: str,
        formats: Sequence[str],
        source: str | None = None,
        input_uri: str | None = None,
        burned_in: bool | str = False,
        notification_url: str | None = None,
        notification_level: str | None = None,
        video_length_seconds: int | str | None = None,
        sandbox_mode: bool | None = None,
        wait: bool = True,
        rev_conn_id: str = RevHook.default_conn_name,
        cancel_on_failure: bool = True,
        **kwargs: Any,
    ) -> None:
        if cancel_on_failure:
            kwargs["on_failure_callback"] = with_cancel_on_failure(kwargs.get("on_failure_callback"))
        super().__init__(**kwargs)
        self.locale = locale
        self.formats = formats
        self.source = source
        self.input_uri = input_uri
        self.burned_in = burned_in
        self.notification_url = notification_url
        self.notification_level = notification_level
        self.video_length_seconds = video_length_seconds
        self.sandbox_mode = sandbox_mode
        self.wait = wait
        self.rev_conn_id = rev_conn_id
        self._order_number: str | None = None
        self._resolved_source: str | None = None  # a signed URL read from the run's conf at execute

    def _source(self) -> str | None:
        """The media to send: the original behind a plan's source reference once `execute` resolved it."""
        return self._resolved_source if self._resolved_source is not None else self.source

    def expects_callbacks(self) -> bool:
        return bool(self.notification_url or self.hook.notification_url)

    # -- submit -----------------------------------------------------------------------------------
    def plan(self) -> CaptionOrderPlan:
        """The checked order (raises before any call to Rev)."""
        if not self.source and not self.input_uri:
            raise InvalidInputError("source", self.source, "a URL, a path, a storage URI or an input_uri")
        source = self._source()
        return validate_caption_order(
            locale=self.locale,
            formats=self.formats,
            burned_in=self.burned_in,
            notification_url=self.notification_url or self.hook.notification_url,
            notification_level=self.notification_level or None,
            video_length_seconds=self.video_length_seconds,
            source=None if self.input_uri else source,
        )

    def order_request(
        self, plan: CaptionOrderPlan, input_uri: str, client_ref: str, length: int | None = None
    ) -> OrderRequest:
        """The order; `length` (seconds) when known, so Rev need not work it out (it cannot past 10 MB)."""
        notification = None
        if plan.notification_url:
            notification = Notification(url=plan.notification_url, level=plan.notification_level)
        sandbox = self.hook.sandbox_mode if self.sandbox_mode in (None, "") else truthy(self.sandbox_mode)
        return OrderRequest(
            sandbox_mode=sandbox,
            client_ref=client_ref,
            automated_caption_options=AutomatedCaptionOptions(
                inputs=[OrderInput(uri=input_uri, video_length_seconds=plan.video_length_seconds or length)],
                output_file_formats=plan.formats,
                burned_in_captions=plan.burned_in,
                inputs_language=plan.language_code,
            ),
            notification=notification,
        )

    def _input_uri(self, context: Any) -> str:
        """The input to order for: given, kept by an earlier try, or sent now (and kept at once).

        An input is a created object at Rev: a retry after a failed order (a 500 Rev never acted on, a
        crash) orders the input the first try sent, instead of sending the media again.
        """
        if self.input_uri:
            return self.input_uri
        store = context.get("task_state_store") if hasattr(context, "get") else None
        kept = store.get(INPUT_STATE_KEY) if store is not None else None
        if isinstance(kept, Mapping) and kept.get("source") == str(self.source) and kept.get("uri"):
            self.log.info("Reusing Rev input %s sent by an earlier try", kept["uri"])
            return str(kept["uri"])
        uri = upload_source(self.hook, str(self._source()))  # the signed URL itself, kept nowhere
        if store is not None:
            store.set(
                INPUT_STATE_KEY,
                {"source": str(self.source), "uri": uri},
                retention=timedelta(days=STATE_RETENTION_DAYS),
            )
        return uri

    def _submit(self, context: Any, plan: CaptionOrderPlan, client_ref: str) -> str:
        input_uri = self._input_uri(context)
        length = None
        if plan.video_length_seconds is None and self.source and not self.input_uri:
            length = media_length_seconds(str(self._source()))
        return self.hook.submit_order(self.order_request(plan, input_uri, client_ref, length))

    def _find_by_reference(self, client_ref: str) -> str | None:
        for order in self.hook.find_orders(client_ref):
            if order.status is not OrderStatus.CANCELLED:
                return order.order_number
        return None

    def execute(self, context: Any) -> Any:
        self._resolved_source = secret_source.resolve(self.source, context) if self.source else None
        plan = self.plan()
        client_ref = idempotency_reference(context, plan.locale)
        result = submit_once(
            context,
            state_key=ORDER_STATE_KEY,
            reference=client_ref,
            submit=lambda: self._submit(context, plan, client_ref),
            find_existing=self._find_by_reference,
            is_reusable=lambda number: self.hook.get_order(number).status is not OrderStatus.CANCELLED,
        )
        number = self._order_number = result.job_id
        context["ti"].xcom_push(key=ORDER_XCOM_KEY, value=number)
        self.log.info("Rev order %s for %s (%s, client_ref %s)", number, plan.locale, result.how, client_ref)
        if not self.wait:
            return {"order_number": number, "locale": plan.locale, "status": None, "reused": result.reused}
        return self.wait_for(
            context,
            check=lambda: order_outcome(self.hook.get_order(number)),
            trigger=lambda: RevOrderTrigger(
                order_number=number, conn_id=self.rev_conn_id, **self.poll_schedule()
            ),
            ids={"order_number": number, "locale": plan.locale, "reused": result.reused},
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        event = self.raise_for_event(event)
        return {
            "order_number": event["order_number"],
            "locale": event.get("locale") or self.locale,
            "status": OrderStatus.COMPLETE.value,
            "reused": bool(event.get("reused")),
        }

    def abandoned_job_id(self, context: Any) -> str | None:
        """The order this task instance placed (for `core.abandon`)."""
        return recorded_job_id(context, ORDER_STATE_KEY, ORDER_XCOM_KEY)

    def cancel_job(self, job_id: str) -> None:
        self.hook.cancel_order(job_id)

    def on_kill(self) -> None:
        """A kill while waiting here (not deferred) cancels the order while Rev still allows it."""
        if self._order_number is None:
            return
        try:
            self.hook.cancel_order(self._order_number)
            self.log.info("Cancelled Rev order %s", self._order_number)
        except VendorError as error:
            self.log.warning("Rev order %s was not cancelled: %s", self._order_number, error)


class RevDownloadCaptionsOperator(DeliveryLineageMixin, _RevOperatorMixin, BaseOperator):
    """Save a Complete order's captions in every requested format (and its burned-in video) into
    `<output_dir>/captions/`, each streamed and verified.

    File names are those of the local conversion (`fr-FR.srt`, `fr-FR.vtt`, `video.fr_FR.srt` ...);
    the burned-in video is `<video_stem>.burned-in.mp4`. Returns
    `{"locale", "order_number", "files": [StoredFile dicts], "comments": [...], "downloaded_at"}`.

    :param order_number: the Complete Rev order.
    :param output_dir: the language's output folder; files go to its `captions/` folder.
    :param locale: the captions' language.
    :param formats: the formats to download.
    :param include_burned_in: also download the burned-in caption video.
    :param video_stem: the video's file stem, for names like `video.fr_FR.srt`.
    :param lineage_source: the source video the files were made from (templated): the OpenLineage input;
        default: the vendor job.
    :param rev_conn_id: the Rev connection (default `rev_default`).
    """

    template_fields: Sequence[str] = (
        "order_number",
        "output_dir",
        "locale",
        "formats",
        "include_burned_in",
        "lineage_source",
    )
    operator_extra_links = (RevOrderLink(),)

    def __init__(
        self,
        *,
        order_number: str,
        output_dir: str,
        locale: str,
        formats: Sequence[str],
        include_burned_in: bool = False,
        video_stem: str = "video",
        captions_folder: str = CAPTIONS_FOLDER,
        name_prefix: str | None = None,
        rev_conn_id: str = RevHook.default_conn_name,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.order_number = order_number
        self.output_dir = output_dir
        self.locale = locale
        self.formats = formats
        self.include_burned_in = include_burned_in
        self.video_stem = video_stem
        # `captions_folder=""` puts the files beside the video; `name_prefix` makes `launch.fr-FR.vtt`.
        self.captions_folder = captions_folder
        self.name_prefix = name_prefix
        self.rev_conn_id = rev_conn_id

    def execute(self, context: Any) -> dict[str, Any]:
        plan = validate_caption_order(locale=self.locale, formats=self.formats)
        order = self.hook.get_order(self.order_number)
        if order.status is not OrderStatus.COMPLETE:
            raise AirflowException(
                f"Rev order {self.order_number} is {order.status.value}: "
                "only a Complete order can be downloaded"
            )
        captions = order.attachments_of(AttachmentKind.CAPTION)
        if not captions:
            raise VendorJobFailed(
                VENDOR, f"order {self.order_number} is Complete without captions: {order.comment_text}"
            )
        folder = as_storage_path(self.output_dir)
        if self.captions_folder:
            folder = folder / self.captions_folder
        caption = captions[0]
        files: list[StoredFile] = []
        for fmt in plan.formats:
            name = caption_filename(fmt, plan.locale, self.video_stem)
            if self.name_prefix and not name.startswith(f"{self.video_stem}."):
                name = f"{self.name_prefix}.{name}"
            files.append(self._download_caption(caption.id, fmt, folder / name))
        if self.include_burned_in in (True, "true", "True"):
            burned = order.attachments_of(AttachmentKind.BURNED_IN)
            if not burned:
                raise VendorJobFailed(
                    VENDOR, f"order {self.order_number} has no burned-in caption video: {order.comment_text}"
                )
            destination = folder / f"{self.video_stem}.{BURNED_IN_SUFFIX}"
            files.append(self.hook.download_attachment(burned[0].id, destination, check_head=require_mp4))
        result = {
            "locale": plan.locale,
            "order_number": self.order_number,
            "files": [stored.to_dict() for stored in files],
            "comments": [comment.text for comment in order.comments if comment.text],
            "downloaded_at": datetime.now(UTC).isoformat(),
        }
        self.remember_delivery(
            VENDOR,
            {"order_number": self.order_number, "locale": plan.locale},
            result["files"],
            job_url=self.hook.order_url(self.order_number),
        )
        return result

    def _download_caption(self, attachment_id: str, fmt: CaptionFormat, destination: Any) -> StoredFile:
        check = None if FORMATS[fmt].binary else require_text
        return self.hook.download_attachment(attachment_id, destination, fmt, check_head=check)
