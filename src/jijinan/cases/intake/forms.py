"""Forms of the intake pages and the case page's attachment form; each turns into the service's
input, which does the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.models import User
from jijinan.accounts.pickers import StaffChoiceField, staff_choosable
from jijinan.cases.choices import Channel, Urgency
from jijinan.cases.intake import services
from jijinan.cases.intake.attachments import Upload, check_size
from jijinan.cases.models import CaseCategory, NeedType
from jijinan.cases.permissions import CASE_CREATE, ON_CALL_MANAGE
from jijinan.core.errors import DomainError
from jijinan.core.protected.ids import normalise_phone
from jijinan.regions.choices import RegionLevel
from jijinan.regions.pickers import TOWNSHIP_OR_VILLAGE, RegionPickerField, bind_region_pickers, region_area
from jijinan.registry.services import PersonInput

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Never kept in the browser's draft of the form: ID numbers, phones, health and crisis detail.
EXCLUDED = {"data-draft-exclude": ""}
SUBJECT_MODES = [("unidentified", _("身份不明（填写称呼或特征）")), ("person", _("已登记的救助对象")),
                 ("household", _("已登记的家庭")), ("new_person", _("登记新的救助对象"))]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class IntakeForm(forms.Form):
    """The intake of every staff channel. ``clean`` checks what fields need of each other (the
    subject the chosen mode needs, the crisis note), so that every error shows at once."""

    channel = forms.ChoiceField(label=_("来源渠道"), choices=Channel.choices)
    handling_region_code = RegionPickerField(label=_("办理乡镇（街道）"), levels=TOWNSHIP_OR_VILLAGE,
                                             action=CASE_CREATE, help_text=_("选村（社区）时由其所属乡镇（街道）办理"))
    subject_mode = forms.ChoiceField(label=_("救助对象"), choices=SUBJECT_MODES, initial="unidentified",
                                     widget=forms.RadioSelect(attrs={"data-subject-mode": ""}))
    # Chosen in the type-ahead (radio inputs of the picker), never typed.
    person_id = forms.IntegerField(label=_("登记过的救助对象"), required=False, min_value=1,
                                   error_messages={"invalid": _("请在查找结果中选择救助对象")})
    household_id = forms.IntegerField(label=_("登记过的家庭"), required=False, min_value=1,
                                      error_messages={"invalid": _("请在查找结果中选择家庭")})
    subject_name = forms.CharField(label=_("对象姓名或称呼"), max_length=50, required=False)
    subject_description = forms.CharField(label=_("对象特征"), max_length=300, required=False,
                                          widget=forms.TextInput(attrs=EXCLUDED))
    new_id_number = forms.CharField(label=_("新对象身份证号"), max_length=30, required=False,
                                    widget=forms.TextInput(attrs=EXCLUDED))
    new_id_unknown = forms.BooleanField(label=_("新对象无证件（给出临时编号）"), required=False)
    new_residence_region_code = RegionPickerField(label=_("新对象居住地"), levels=TOWNSHIP_OR_VILLAGE,
                                                  action=CASE_CREATE, required=False)
    reporter_name = forms.CharField(label=_("报告人"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("报告人电话"), max_length=30, required=False,
                                     widget=forms.TextInput(attrs={**EXCLUDED, "type": "tel"}))
    reporter_relation = forms.CharField(label=_("与对象关系"), max_length=30, required=False)
    event_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M",
                                                                                    "%Y-%m-%d %H:%M"])
    event_place = forms.CharField(label=_("发生地点"), max_length=200, required=False)
    categories = forms.MultipleChoiceField(label=_("急难类别"), widget=forms.CheckboxSelectMultiple, required=False)
    needs = forms.MultipleChoiceField(label=_("需求"), widget=forms.CheckboxSelectMultiple, required=False)
    description = forms.CharField(label=_("情况描述"), widget=forms.Textarea(attrs={"rows": 5, **EXCLUDED}),
                                  max_length=services.MAX_DESCRIPTION)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL)
    crisis = forms.BooleanField(label=_("危机个案（有自杀、暴力或其他极端行为风险）"), required=False,
                                widget=forms.CheckboxInput(attrs=EXCLUDED))
    crisis_note = forms.CharField(label=_("危机情况"), max_length=300, required=False,
                                  widget=forms.TextInput(attrs=EXCLUDED))
    work_order_12345 = forms.CharField(label=_("12345 工单号"), max_length=40, required=False)
    work_order_110 = forms.CharField(label=_("110 工单号"), max_length=40, required=False)
    work_order_120 = forms.CharField(label=_("120 工单号"), max_length=40, required=False)
    attachments = MultipleFileField(label=_("附件（PDF、JPEG、PNG，每个不超过 10 MB）"), required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [  # type: ignore[attr-defined]
            (c.code, c.label) for c in CaseCategory.objects.filter(active=True)]
        self.fields["needs"].choices = [  # type: ignore[attr-defined]
            (n.code, n.label) for n in NeedType.objects.filter(active=True)]
        if not self.is_bound:
            self.fields["event_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        mode = d.get("subject_mode")
        if mode == "person" and not d.get("person_id") and "person_id" not in self.errors:
            self.add_error("person_id", _("请在查找结果中选择救助对象"))
        if mode == "household" and not d.get("household_id") and "household_id" not in self.errors:
            self.add_error("household_id", _("请在查找结果中选择家庭"))
        if mode == "unidentified" and not ((d.get("subject_name") or "").strip()
                                           or (d.get("subject_description") or "").strip()):
            self.add_error("subject_name", _("请填写身份不明对象的称呼或特征"))
        if mode == "new_person":
            if not (d.get("subject_name") or "").strip():
                self.add_error("subject_name", _("请填写新对象的姓名"))
            if not (d.get("new_id_number") or "").strip() and not d.get("new_id_unknown"):
                self.add_error("new_id_number", _("请填写身份证号，或勾选“无证件”"))
            if not (d.get("new_residence_region_code") or "").strip():
                self.add_error("new_residence_region_code", _("请选择新对象的居住地"))
        if d.get("crisis") and not (d.get("crisis_note") or "").strip():
            self.add_error("crisis_note", _("标记危机个案时请写明危机情况"))
        if "categories" in d and not d["categories"]:
            self.add_error("categories", _("请至少选择一个急难类别"))
        # Checked again by the service; here so that they show with the errors above.
        if (d.get("reporter_phone") or "").strip():
            try:
                normalise_phone(d["reporter_phone"], field="reporter_phone")
            except DomainError as exc:
                self.add_error("reporter_phone", str(exc.message))
        if d.get("event_at") and d["event_at"] > timezone.now() + services.CLOCK_SKEW:
            self.add_error("event_at", _("发生时间不能晚于现在"))
        return d

    def suppress_errors(self) -> None:
        """Shown again with what was typed, unchecked (the form was sent only to search the registry)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def to_input(self) -> services.IntakeInput:
        d = self.cleaned_data
        mode = d["subject_mode"]
        new_person = None
        if mode == "new_person":
            new_person = PersonInput(name=d["subject_name"], residence_region_code=d["new_residence_region_code"],
                                     id_number=d["new_id_number"] or None, id_unknown=d["new_id_unknown"])
        return services.IntakeInput(
            channel=d["channel"], handling_region_code=d["handling_region_code"], event_at=d["event_at"],
            categories=list(d["categories"]), needs=list(d["needs"]), description=d["description"],
            urgency=d["urgency"], crisis=d["crisis"], crisis_note=d["crisis_note"],
            person_id=d["person_id"] if mode == "person" else None,
            household_id=d["household_id"] if mode == "household" else None, new_person=new_person,
            subject_name=d["subject_name"] if mode == "unidentified" else "",
            subject_description=d["subject_description"], reporter_name=d["reporter_name"],
            reporter_phone=d["reporter_phone"], reporter_relation=d["reporter_relation"],
            event_place=d["event_place"],
            work_orders={k: d[f"work_order_{k}"] for k in services.WORK_ORDER_KINDS if d[f"work_order_{k}"]},
            client_key=d["client_key"])

    def uploads(self) -> list[Upload]:
        chosen = self.cleaned_data.get("attachments") or []
        for f in chosen:
            check_size(f.size)  # before any body is read
        return [Upload(f.name, f.read()) for f in chosen]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（PDF、JPEG、PNG，不超过 10 MB）"))


class OnlineApplicationForm(forms.Form):
    """The public self-application: the applicant's mobile is proven by a one-time code."""

    phone = forms.CharField(label=_("手机号"), max_length=20)
    code = forms.CharField(label=_("短信验证码"), max_length=6, required=False,
                           help_text=_("先点“获取验证码”，收到短信后填写"))
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    handling_region_code = RegionPickerField(label=_("所在乡镇（街道）或村（社区）"), levels=TOWNSHIP_OR_VILLAGE,
                                             action=None, required=False)
    event_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME, required=False,
                                   input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    categories = forms.MultipleChoiceField(label=_("遇到的困难"), widget=forms.CheckboxSelectMultiple, required=False)
    needs = forms.MultipleChoiceField(label=_("需要的帮助"), widget=forms.CheckboxSelectMultiple, required=False)
    description = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 5}), required=False,
                                  max_length=services.MAX_DESCRIPTION)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = [  # type: ignore[attr-defined]
            (c.code, c.label) for c in CaseCategory.objects.filter(active=True)]
        self.fields["needs"].choices = [  # type: ignore[attr-defined]
            (n.code, n.label) for n in NeedType.objects.filter(active=True)]

    def to_input(self, phone: str) -> services.IntakeInput:
        d = self.cleaned_data
        return services.IntakeInput(
            channel=Channel.ONLINE, handling_region_code=d["handling_region_code"] or "", event_at=d["event_at"],
            categories=list(d["categories"]), needs=list(d["needs"]), description=d["description"],
            subject_name=d["name"], reporter_name=d["name"], reporter_phone=phone, reporter_relation=str(_("本人")))


class OnCallForm(forms.Form):
    county_code = RegionPickerField(label=_("县（区）"), levels=[RegionLevel.COUNTY], action=ON_CALL_MANAGE)
    user = StaffChoiceField(label=_("值班人员"), queryset=User.objects.none(),
                            error_messages={"invalid_choice": _("请从列表中选择在职的工作人员")})
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, StaffChoiceField)
        field.queryset = staff_choosable(user=user, action=ON_CALL_MANAGE)
        bind_region_pickers(self, user)
        self.user = user
        if not self.is_bound:
            self.offer_eligible()

    def offer_eligible(self) -> None:
        """Offer only the staff whose grants cover the county the page knows (chosen, or the
        user's one county). A submitted choice is checked by the service, which says why."""
        code = self.data.get("county_code") if self.is_bound else self.initial.get("county_code")
        county = region_area(user=self.user, action=ON_CALL_MANAGE).filter(
            code=str(code or ""), level=RegionLevel.COUNTY).first() if code else None
        if county is None:
            return
        field = self.fields["user"]
        assert isinstance(field, StaffChoiceField)
        field.queryset = staff_choosable(user=self.user, action=ON_CALL_MANAGE, covering=county,
                                         roles=services.ON_CALL_ROLES)
        field.help_text = _("只列出授权范围包括 %(county)s 的工作人员") % {"county": county.name}


class SubjectSearchForm(forms.Form):
    """Find the person a case is about (the query travels in the body: it may be an ID number)."""

    q = forms.CharField(label=_("姓名、拼音、身份证号或电话"), max_length=60)


class IdentifyForm(forms.Form):
    """The person or household chosen from the search results (a picker: nothing is typed)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.RegexField(label=_("救助对象"), regex=r"^[ph]:[0-9]{1,12}$",
                              error_messages={"required": _("请在查找结果中选择救助对象或家庭"),
                                              "invalid": _("请在查找结果中选择救助对象或家庭")})
    note = forms.CharField(label=_("说明"), max_length=300, required=False,
                           help_text=_("如何确认身份，如“本人到窗口出示身份证”"))

    def to_input(self) -> services.IdentifyInput:
        kind, pk = self.cleaned_data["choice"].split(":")
        return services.IdentifyInput(person_id=int(pk) if kind == "p" else None,
                                      household_id=int(pk) if kind == "h" else None, note=self.cleaned_data["note"])


class RegisterSubjectForm(forms.Form):
    """Register the person now, when they are not in the registry."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50)
    residence_region = forms.ChoiceField(label=_("居住地"))
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    id_unknown = forms.BooleanField(label=_("无证件或暂不清楚（给出临时编号）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["residence_region"].choices = regions  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("id_number") or "").strip() and not data.get("id_unknown"):
            self.add_error("id_number", _("请填写身份证号，或勾选“无证件或暂不清楚”"))
        return data

    def to_input(self) -> services.IdentifyInput:
        d = self.cleaned_data
        return services.IdentifyInput(new_person=PersonInput(
            name=d["name"], residence_region_code=d["residence_region"], id_number=(d["id_number"] or "").strip()
            or None, id_unknown=d["id_unknown"]), note=d["note"])
