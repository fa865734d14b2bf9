"""Forms of the registry pages; each turns into the service's input, which does the real checks."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import DepartmentType, Organisation
from jijinan.regions.pickers import ALL_LEVELS, AREA_LEVELS, TOWNSHIP_OR_VILLAGE, RegionPickerField
from jijinan.registry import services
from jijinan.registry.choices import (
    ConsentCategory,
    DisabilityCategory,
    Education,
    Employment,
    MembershipStatus,
    PersonFlag,
    ProgramSubject,
    Relation,
    Sex,
)
from jijinan.registry.models import ProgramType
from jijinan.registry.permissions import HOUSEHOLD_MANAGE, PERSON_MANAGE, PERSON_VIEW

DATE = forms.DateInput(attrs={"type": "date"})


class _Prefixed(forms.Form):
    """A page holds several forms: each keeps its own element ids."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


def _departments() -> list[tuple[str, str]]:
    return [("", "—")] + [(t.code, t.label) for t in DepartmentType.objects.filter(active=True)]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("姓名、拼音、身份证号或电话"), max_length=60, required=False,
                        help_text=_("可只输入名字、身份证号后6位、手机号后4位或住址中的词"),
                        widget=forms.TextInput(attrs={"aria-describedby": "id_q_hint"}))
    region = RegionPickerField(label=_("居住地区划"), levels=AREA_LEVELS, action=PERSON_VIEW, prefill=False,
                               required=False)
    program = forms.ChoiceField(label=_("在保项目"), required=False)
    flag = forms.ChoiceField(label=_("特殊情况"), required=False,
                             choices=[("", _("全部")), *PersonFlag.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [("", _("全部"))] + [  # type: ignore[attr-defined]
            (p.code, p.label) for p in ProgramType.objects.filter(active=True)]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False,
                                help_text=_("18 位；15 位旧号码会自动转换。修改时留空表示不变"))
    id_unknown = forms.BooleanField(label=_("身份不明（无证件，给出临时编号）"), required=False)
    sex = forms.ChoiceField(label=_("性别"), choices=[("", _("按身份证号")), *Sex.choices], required=False)
    birth_date = forms.DateField(label=_("出生日期"), required=False, widget=DATE,
                                 help_text=_("有身份证号时可不填；填写则须与身份证号一致"))
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False,
                            help_text=_("修改时留空表示不变"))
    residence_region_code = RegionPickerField(label=_("居住地（乡镇或村）"), levels=TOWNSHIP_OR_VILLAGE,
                                              action=PERSON_MANAGE)
    residence_address = forms.CharField(label=_("居住地址"), max_length=200, required=False)
    registered_region_code = RegionPickerField(label=_("户籍地"), levels=ALL_LEVELS, action=None, prefill=False,
                                               required=False,
                                               help_text=_("不在本系统区划库中（如外省）时不选，只填写户籍地名称"))
    registered_region_name = forms.CharField(label=_("户籍地名称"), max_length=100, required=False)
    disability_category = forms.ChoiceField(label=_("残疾类别"), choices=DisabilityCategory.choices,
                                            required=False)
    disability_grade = forms.TypedChoiceField(label=_("残疾等级"), coerce=int, empty_value=None, required=False,
                                              choices=[("", "—"), (1, _("一级")), (2, _("二级")),
                                                       (3, _("三级")), (4, _("四级"))])
    serious_illness = forms.BooleanField(label=_("患重病"), required=False)
    health_conditions = forms.CharField(label=_("健康状况"), max_length=300, required=False)
    employment = forms.ChoiceField(label=_("就业状况"), choices=Employment.choices, initial=Employment.UNKNOWN)
    education = forms.ChoiceField(label=_("文化程度"), choices=Education.choices, initial=Education.UNKNOWN)
    living_alone = forms.BooleanField(label=_("独居"), required=False)
    situation = forms.CharField(label=_("困难情况"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def to_input(self, *, editing: bool) -> services.PersonInput:
        d = self.cleaned_data
        return services.PersonInput(
            name=d["name"], residence_region_code=d["residence_region_code"],
            id_number=d["id_number"] or (None if editing else ""), id_unknown=d["id_unknown"],
            sex=d["sex"], birth_date=d["birth_date"], phone=d["phone"] or (None if editing else ""),
            registered_region_code=self._registered_code(editing=editing),
            registered_region_name=d["registered_region_name"], residence_address=d["residence_address"],
            disability_category=d["disability_category"], disability_grade=d["disability_grade"],
            serious_illness=d["serious_illness"], health_conditions=d["health_conditions"],
            employment=d["employment"], education=d["education"], living_alone=d["living_alone"],
            situation=d["situation"])


    def _registered_code(self, *, editing: bool) -> str:
        """The picked 户籍地; a code outside the tree (a migrant's home county) cannot be picked,
        so an edit that leaves its name alone keeps it."""
        d = self.cleaned_data
        kept = self.initial.get("registered_region_code") or ""
        if not d["registered_region_code"] and editing and kept and \
                d["registered_region_name"] == self.initial.get("registered_region_name"):
            return str(kept)
        return str(d["registered_region_code"] or "")


class UnmaskForm(_Prefixed):
    id_prefix = "unmask"
    purpose = forms.CharField(label=_("查看原因"), max_length=200, required=False)


class MembershipForm(_Prefixed):
    id_prefix = "membership"
    program = forms.ChoiceField(label=_("项目"))
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), widget=DATE, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=MembershipStatus.choices, initial=MembershipStatus.ACTIVE)
    reporting_department = forms.ChoiceField(label=_("认定/报送部门"), required=False)
    reference = forms.CharField(label=_("批准文号或证号"), max_length=100, required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, subject: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programs = ProgramType.objects.filter(active=True)
        if subject:
            programs = programs.filter(subject__in=[subject, ProgramSubject.EITHER])
        self.fields["program"].choices = [(p.code, p.label) for p in programs]  # type: ignore[attr-defined]
        self.fields["reporting_department"].choices = _departments()  # type: ignore[attr-defined]

    def to_input(self) -> services.MembershipInput:
        d = self.cleaned_data
        return services.MembershipInput(program=d["program"], start_date=d["start_date"], end_date=d["end_date"],
                                        status=d["status"], reporting_department=d["reporting_department"] or None,
                                        reference=d["reference"], note=d["note"])


class ConsentForm(_Prefixed):
    id_prefix = "consent"
    organisation = forms.TypedChoiceField(label=_("合作组织"), coerce=int, empty_value=None, required=False)
    department_type = forms.ChoiceField(label=_("或部门类型"), required=False)
    categories = forms.MultipleChoiceField(label=_("共享内容"), choices=ConsentCategory.choices,
                                           widget=forms.CheckboxSelectMultiple,
                                           help_text=_("姓名、性别、年龄和居住地随任何授权一并共享"))
    purpose = forms.CharField(label=_("用途"), max_length=200)
    granted_on = forms.DateField(label=_("授权日期"), widget=DATE, required=False)
    expires_on = forms.DateField(label=_("到期日期"), widget=DATE, required=False)
    evidence = forms.CharField(label=_("授权凭证"), max_length=200, required=False,
                               help_text=_("如：书面授权书编号"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        partners = Organisation.objects.filter(kind=OrganisationKind.PARTNER, active=True).order_by("name")
        self.fields["organisation"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (o.pk, o.name) for o in partners]
        self.fields["department_type"].choices = _departments()  # type: ignore[attr-defined]

    def to_input(self) -> services.ConsentInput:
        d = self.cleaned_data
        organisation = Organisation.objects.filter(pk=d["organisation"]).first() if d["organisation"] else None
        return services.ConsentInput(categories=list(d["categories"]), purpose=d["purpose"],
                                     organisation=organisation, department_type=d["department_type"] or None,
                                     granted_on=d["granted_on"], expires_on=d["expires_on"],
                                     evidence=d["evidence"])


class WithdrawForm(_Prefixed):
    id_prefix = "withdraw"
    reason = forms.CharField(label=_("撤回原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdForm(forms.Form):
    head = forms.CharField(label=_("户主（人员编号、身份证号或临时编号）"), max_length=40)
    region_code = RegionPickerField(label=_("所在区划（乡镇或村）"), levels=TOWNSHIP_OR_VILLAGE,
                                    action=HOUSEHOLD_MANAGE)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    monthly_income = forms.DecimalField(label=_("家庭月收入（元）"), min_value=0, decimal_places=2,
                                        max_digits=14, initial=0)
    financial_assets = forms.DecimalField(label=_("金融资产（元）"), min_value=0, decimal_places=2,
                                          max_digits=14, initial=0)
    housing_area_m2 = forms.DecimalField(label=_("住房面积（平方米）"), min_value=0, decimal_places=2,
                                         max_digits=8, required=False)
    vehicles = forms.IntegerField(label=_("机动车数量"), min_value=0, max_value=99, initial=0)
    property_note = forms.CharField(label=_("财产说明"), max_length=300, required=False)
    declared_on = forms.DateField(label=_("申报日期"), widget=DATE, required=False)
    bank_name = forms.CharField(label=_("开户银行"), max_length=100, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False,
                                   help_text=_("修改时留空表示不变"))
    bank_account_holder = forms.CharField(label=_("账户户名"), max_length=50, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["head"]

    def to_input(self, *, editing: bool) -> services.HouseholdInput:
        d = self.cleaned_data
        return services.HouseholdInput(
            region_code=d["region_code"], address=d["address"],
            monthly_income_fen=int(d["monthly_income"] * 100), financial_assets_fen=int(d["financial_assets"] * 100),
            housing_area_m2=d["housing_area_m2"], vehicles=d["vehicles"], property_note=d["property_note"],
            declared_on=d["declared_on"], bank_name=d["bank_name"],
            bank_account=d["bank_account"] or (None if editing else ""),
            bank_account_holder=d["bank_account_holder"])


class MemberAddForm(_Prefixed):
    id_prefix = "member"
    person = forms.CharField(label=_("人员（人员编号、身份证号或临时编号）"), max_length=40)
    relation = forms.ChoiceField(label=_("与户主关系"),
                                 choices=[c for c in Relation.choices if c[0] != Relation.HEAD])
    version = forms.IntegerField(widget=forms.HiddenInput)


class MemberRemoveForm(_Prefixed):
    id_prefix = "remove"
    reason = forms.CharField(label=_("移出原因"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput)


class SetHeadForm(_Prefixed):
    id_prefix = "head"
    former_head_relation = forms.ChoiceField(label=_("原户主与新户主的关系"),
                                             choices=[c for c in Relation.choices if c[0] != Relation.HEAD])
    version = forms.IntegerField(widget=forms.HiddenInput)


class ProgramTypeForm(forms.Form):
    code = forms.RegexField(label=_("代码"), regex=r"^[a-z][a-z0-9_]{0,39}$",
                            error_messages={"invalid": _("代码只能包含小写英文字母、数字和下划线，以字母开头")})
    name = forms.CharField(label=_("名称"), max_length=50)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    subject = forms.ChoiceField(label=_("登记对象"), choices=ProgramSubject.choices, initial=ProgramSubject.EITHER)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
