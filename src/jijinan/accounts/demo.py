"""Demo organisations of Nanjing and 玄武区, and one account per role."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from jijinan.accounts.choices import OrganisationKind as K
from jijinan.accounts.models import DepartmentType, Grant, Organisation, User
from jijinan.accounts.services import grant_add, staff_create, staff_update, user_ensure_superuser
from jijinan.core.demo import DemoContext, demo_step
from jijinan.core.permissions import Role
from jijinan.regions.models import Region

# Demo accounts exist only in demo databases; the password is printed by `jijinan demo`.
DEMO_PASSWORD = "jijinan-demo-2026"  # noqa: S105

PROVINCE, NANJING, XUANWU, GULOU = "320000000000", "320100000000", "320102000000", "320106000000"
MEIYUAN, XUANWUMEN = "320102002000", "320102005000"

# (name, kind, region, department type, unified social credit code)
ORGANISATIONS = [
    ("江苏省民政厅", K.CIVIL_AFFAIRS_OFFICE, PROVINCE, None, ""),
    ("南京市民政局", K.CIVIL_AFFAIRS_OFFICE, NANJING, None, ""),
    ("玄武区民政局", K.CIVIL_AFFAIRS_OFFICE, XUANWU, None, ""),
    ("鼓楼区民政局", K.CIVIL_AFFAIRS_OFFICE, GULOU, None, ""),
    ("梅园新村街道社会救助服务站", K.CIVIL_AFFAIRS_OFFICE, MEIYUAN, None, ""),
    ("玄武门街道社会救助服务站", K.CIVIL_AFFAIRS_OFFICE, XUANWUMEN, None, ""),
    ("玄武区卫生健康委员会", K.DEPARTMENT_OFFICE, XUANWU, "health", ""),
    ("玄武区医疗保障局", K.DEPARTMENT_OFFICE, XUANWU, "medical_security", ""),
    ("玄武区教育局", K.DEPARTMENT_OFFICE, XUANWU, "education", ""),
    ("玄武区住房和城乡建设局", K.DEPARTMENT_OFFICE, XUANWU, "housing", ""),
    ("玄武区人力资源和社会保障局", K.DEPARTMENT_OFFICE, XUANWU, "human_resources", ""),
    ("玄武区残疾人联合会", K.DEPARTMENT_OFFICE, XUANWU, "disabled_persons_federation", ""),
    ("玄武区委政法委（综治办）", K.DEPARTMENT_OFFICE, XUANWU, "comprehensive_governance", ""),
    ("南京市人民政府办公室", K.GOVERNMENT_OFFICE, NANJING, None, ""),
    ("玄武区人民政府办公室", K.GOVERNMENT_OFFICE, XUANWU, None, ""),
    ("梅园新村街道办事处", K.GOVERNMENT_OFFICE, MEIYUAN, None, ""),
    ("南京市救助管理站", K.RELIEF_STATION, NANJING, None, ""),
    ("南京市慈善总会（演示）", K.PARTNER, NANJING, None, "53320100MJ5712345J"),
]

# (username, full name, organisation, role, grant region, department type)
PERSONAS = [
    ("province_admin", "周管理", "江苏省民政厅", Role.ADMINISTRATOR, PROVINCE, None),
    ("supervisor", "吴督查", "南京市民政局", Role.SUPERVISOR, NANJING, None),
    ("county_approver", "郑审批", "玄武区民政局", Role.COUNTY_APPROVER, XUANWU, None),
    ("hotline_operator", "王坐席", "玄武区民政局", Role.HOTLINE_OPERATOR, XUANWU, None),
    ("government_leader", "冯区长", "玄武区人民政府办公室", Role.GOVERNMENT_LEADER, XUANWU, None),
    ("social_worker", "陈社工", "玄武区民政局", Role.SOCIAL_WORKER, XUANWU, None),
    ("township_lead", "褚主任", "梅园新村街道社会救助服务站", Role.TOWNSHIP_LEAD, MEIYUAN, None),
    ("township_reviewer", "卫经办", "梅园新村街道社会救助服务站", Role.TOWNSHIP_REVIEWER, MEIYUAN, None),
    ("window_clerk", "蒋窗口", "梅园新村街道社会救助服务站", Role.WINDOW_CLERK, MEIYUAN, None),
    ("informant", "沈网格", "梅园新村街道社会救助服务站", Role.INFORMANT, MEIYUAN, None),
    ("health_dept_handler", "韩卫健", "玄武区卫生健康委员会", Role.DEPARTMENT_HANDLER, XUANWU, "health"),
    ("medical_dept_handler", "许医保", "玄武区医疗保障局", Role.DEPARTMENT_HANDLER, XUANWU, "medical_security"),
    ("education_dept_handler", "何教育", "玄武区教育局", Role.DEPARTMENT_HANDLER, XUANWU, "education"),
    ("relief_station_staff", "杨站务", "南京市救助管理站", Role.RELIEF_STATION_STAFF, NANJING, None),
    ("partner_staff", "朱慈善", "南京市慈善总会（演示）", Role.PARTNER_STAFF, NANJING, None),
    ("gulou_clerk", "秦窗口", "鼓楼区民政局", Role.WINDOW_CLERK, GULOU, None),
]


# Accounts an earlier demo placed in another office: a re-run moves them (username → that office).
MOVED_FROM = {"government_leader": "玄武区民政局"}


@demo_step("accounts.organisations", order=30)
def demo_organisations(ctx: DemoContext) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in={o[2] for o in ORGANISATIONS})}
    types = {t.code: t for t in DepartmentType.objects.all()}
    created = 0
    for name, kind, region, dept, uscc in ORGANISATIONS:
        _org, was_created = Organisation.objects.get_or_create(
            region=regions[region], name=name,
            defaults={"kind": kind, "department_type": types.get(dept) if dept else None, "uscc": uscc})
        created += int(was_created)
    ctx.created("organisations", created)


@demo_step("accounts.staff", order=40)
def demo_staff(ctx: DemoContext) -> None:
    _admin, created = user_ensure_superuser(username="admin", password=DEMO_PASSWORD,
                                            full_name=_("系统管理员"))
    ctx.created("users", int(created))
    ctx.login(_("超级管理员"), "admin", DEMO_PASSWORD)
    organisations = {o.name: o for o in Organisation.objects.all()}
    must_change = settings.JIJINAN_ENV != "dev"
    for username, full_name, org, role, region, dept in PERSONAS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = staff_create(actor=None, username=username, full_name=full_name,
                                organisation=organisations[org], password=DEMO_PASSWORD,
                                must_change_password=must_change)
            ctx.created("users", 1)
        elif user.organisation is not None and user.organisation.name == MOVED_FROM.get(username) \
                and user.organisation_id != organisations[org].pk:
            user = staff_update(actor=None, user=user, version=user.version, full_name=user.full_name,
                                title=user.title, organisation=organisations[org])
        if not Grant.objects.filter(user=user, role=role, region__code=region,
                                    revoked_at__isnull=True).exists():
            grant_add(actor=None, user=user, role=role, region_code=region, department_type=dept)
            ctx.created("grants", 1)
        ctx.login(str(Role(role).label), username, DEMO_PASSWORD)
