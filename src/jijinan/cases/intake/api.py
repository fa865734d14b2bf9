"""API of intake: take up a case from any channel (idempotent by client key), add an attachment."""

# No `from __future__ import annotations`: django-ninja resolves these annotations at import.
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status, UploadedFile

from jijinan.accounts.context import acting_user
from jijinan.cases import selectors
from jijinan.cases.api import CaseOut, case_out
from jijinan.cases.choices import Urgency
from jijinan.cases.intake import attachments as files
from jijinan.cases.intake import services
from jijinan.cases.models import Case, CaseAttachment
from jijinan.cases.permissions import ATTACHMENT_ADD, CASE_CREATE, SUBJECT_IDENTIFY
from jijinan.core.apitools import ERROR_RESPONSES
from jijinan.core.permissions import requires
from jijinan.registry.services import PersonInput

# The operation ids clients know, from before this module moved (see jijinan.api).
OPERATION_ID_PREFIX = "jijinan_cases_api"

router = Router(tags=["cases"])


class NewPersonIn(Schema):
    name: str = Field(..., max_length=50)
    residence_region_code: str = Field(..., max_length=12)
    id_number: str | None = Field(None, max_length=30)
    id_unknown: bool = False
    phone: str | None = Field(None, max_length=30)
    residence_address: str = Field("", max_length=200)


class IntakeIn(Schema):
    channel: str = Field(..., description="来源渠道 / channel: window, hotline, hotline_12345, informant, "
                                          "department, warning, online, relief_station")
    handling_region_code: str = Field(..., max_length=12, description="办理乡镇（或其下的村）区划代码 / "
                                                                        "handling township (or a village of it)")
    event_at: datetime = Field(..., description="发生时间 / when it happened")
    categories: list[str] = Field(..., description="急难类别代码 / category codes")
    needs: list[str] = Field(default_factory=list, description="需求类型代码 / need codes")
    description: str = Field(..., max_length=services.MAX_DESCRIPTION)
    urgency: str = Field(Urgency.NORMAL, description="normal, urgent, critical")
    crisis: bool = Field(False, description="有自杀、暴力或其他极端行为风险 / risk of an extreme act")
    crisis_note: str = Field("", max_length=300)
    person_id: int | None = Field(None, description="已登记的救助对象 / a registry person")
    household_id: int | None = Field(None, description="已登记的家庭 / a registry household")
    new_person: NewPersonIn | None = Field(None, description="同时登记新对象 / register a new person")
    subject_name: str = Field("", max_length=50, description="身份不明对象的称呼 / an unidentified person")
    subject_description: str = Field("", max_length=300)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=30)
    reporter_relation: str = Field("", max_length=30)
    event_region_code: str = Field("", max_length=12)
    event_place: str = Field("", max_length=200)
    work_orders: dict[str, str] = Field(default_factory=dict, description="关联工单：12345、110、120 → 工单号 / "
                                                                         "linked work orders by kind")
    client_key: str = Field("", max_length=80, description="客户端提交键：重试时返回同一事项 / "
                                                           "idempotency key: a retry returns the same case")

    def to_input(self) -> services.IntakeInput:
        new = self.new_person
        return services.IntakeInput(
            channel=self.channel, handling_region_code=self.handling_region_code, event_at=self.event_at,
            categories=list(self.categories), needs=list(self.needs), description=self.description,
            urgency=self.urgency, crisis=self.crisis, crisis_note=self.crisis_note, person_id=self.person_id,
            household_id=self.household_id,
            new_person=_person_input(new) if new else None,
            subject_name=self.subject_name, subject_description=self.subject_description,
            reporter_name=self.reporter_name, reporter_phone=self.reporter_phone,
            reporter_relation=self.reporter_relation, event_region_code=self.event_region_code,
            event_place=self.event_place, work_orders=dict(self.work_orders), client_key=self.client_key)


def _person_input(new: NewPersonIn) -> PersonInput:
    return PersonInput(name=new.name, residence_region_code=new.residence_region_code, id_number=new.id_number,
                       id_unknown=new.id_unknown, phone=new.phone, residence_address=new.residence_address)


class IdentifyIn(Schema):
    version: int = Field(..., description="事项当前版本号；过期返回 409 / the case's version (stale: 409)")
    person_id: int | None = Field(None, description="已登记的救助对象 / a registry person")
    household_id: int | None = Field(None, description="已登记的家庭（不选成员时以户主为申请人）/ a registry "
                                                       "household (its head applies unless person_id names a member)")
    new_person: NewPersonIn | None = Field(None, description="登记新对象（须有登记权限）/ register a new person")
    note: str = Field("", max_length=300, description="说明 / how the person was identified")


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


@router.post("/cases", response={200: CaseOut, 201: CaseOut, **ERROR_RESPONSES},
             summary="受理急难事项（各渠道；带 client_key 可安全重试：同键同内容返回原事项 200，"
                     "同键不同内容 409）/ take up a case (idempotent by client_key)")
@requires(CASE_CREATE)
def create_case(request: HttpRequest, payload: IntakeIn) -> Status:
    result = services.case_intake(actor=acting_user(request), data=payload.to_input())
    if result.created:
        # The creator always sees what they submitted (an informant, their own report). The new case
        # comes back from the service as a read would give it (protected values sealed, so they show
        # masked, never the plain input): no need to read it again.
        return Status(201, case_out(result.case))
    case = selectors.cases_visible_to(request.user).filter(pk=result.case.pk).first() or \
        Case.objects.select_related("handling_region", "person").get(pk=result.case.pk)
    return Status(200, case_out(case))


@router.post("/cases/{case_id}/identify-subject", response={200: CaseOut, **ERROR_RESPONSES},
             summary="确认身份不明对象的身份：关联已登记的救助对象或家庭，或登记新对象；登记时的称呼和特征保留在"
                     "办理记录中 / attach a registry person or household to a case taken up without one")
@requires(SUBJECT_IDENTIFY)
def identify_subject(request: HttpRequest, case_id: int, payload: IdentifyIn) -> dict[str, Any]:
    case = selectors.case_get_for_user(user=request.user, pk=case_id)
    services.case_subject_identify(actor=acting_user(request), case=case, version=payload.version,
                                   data=services.IdentifyInput(
                                       person_id=payload.person_id, household_id=payload.household_id,
                                       new_person=_person_input(payload.new_person) if payload.new_person else None,
                                       note=payload.note))
    return case_out(selectors.case_get_for_user(user=request.user, pk=case_id))


@router.post("/cases/{case_id}/attachments", response={201: AttachmentOut, **ERROR_RESPONSES},
             summary="上传附件（PDF、JPEG、PNG，按内容识别，不超过 10 MB）/ add an attachment (multipart)")
@requires(ATTACHMENT_ADD)
def add_attachment(request: HttpRequest, case_id: int, file: File[UploadedFile]) -> Status:
    case = selectors.case_get_for_user(user=request.user, pk=case_id, action=ATTACHMENT_ADD)
    if file.size is not None:
        files.check_size(file.size, field="file")  # before the body is read
    content = file.read(files.MAX_ATTACHMENT_BYTES + 1)
    attachment: CaseAttachment = services.case_attachment_add(
        actor=acting_user(request), case=case, upload=files.Upload(file.name or "file", content))
    return Status(201, attachment)
