"""The responsibility matrix every database starts with: the departments' duties in emergency
assistance (medical → 医保 and 卫健, schooling → 教育, housing → 住建, work → 人社, disaster → 应急管理,
disability → 残联, women and children → 妇联, workers → 工会, public-order risk → 公安 and 综治办).
Each row is marked as a demo default, for a province or county to confirm or replace."""

from django.db import migrations

# need, category ("" any), department type, limit (None: the parameter), result asked for, duty.
DEFAULTS = [
    ("medical", "", "medical_security", None, "医疗救助结果：基本医保、大病保险报销后政策范围内个人负担部分的救助金额",
     "医疗保障部门负责医疗救助"),
    ("medical", "", "health", 2, "疾病应急救助情况：急重危伤病患者的救治安排和费用核销",
     "卫生健康部门负责疾病应急救助"),
    ("education", "", "education", None, "教育救助落实情况：学费减免、助学金、生活补助",
     "教育部门负责教育救助"),
    ("education", "schooling", "youth_league", None, "助学帮扶情况（希望工程等）", "共青团组织参与困难学生帮扶"),
    ("housing", "", "housing", None, "住房救助安排：危房改造、公租房或实物配租", "住房城乡建设部门负责住房救助"),
    ("employment", "", "human_resources", None, "就业援助情况：职业介绍、技能培训、公益性岗位安置",
     "人力资源社会保障部门负责就业救助"),
    ("money", "disaster", "emergency_management", None, "受灾人员救助情况：过渡期生活救助、倒损住房恢复重建补助",
     "应急管理部门负责受灾人员救助"),
    ("food_shelter", "disaster", "emergency_management", 1, "受灾人员临时安置情况", "应急管理部门负责受灾人员救助"),
    ("money", "fire", "emergency_management", None, "受灾人员救助情况", "应急管理部门负责受灾人员救助"),
    ("care", "", "disabled_persons_federation", None, "残疾人帮扶情况：两项补贴、康复、托养或照护服务",
     "残联负责残疾人帮扶"),
    ("counselling", "family_crisis", "womens_federation", None, "妇女儿童权益维护情况：庇护、心理疏导、法律帮助",
     "妇联维护妇女儿童合法权益"),
    ("legal", "family_crisis", "womens_federation", None, "妇女儿童权益维护情况：法律帮助、反家暴保护",
     "妇联维护妇女儿童合法权益"),
    ("money", "unemployment", "trade_union", None, "困难职工帮扶情况", "工会负责困难职工帮扶"),
    ("counselling", "mental_crisis", "health", 1, "心理危机干预和精神卫生服务安排", "卫生健康部门负责心理危机干预"),
    ("counselling", "mental_crisis", "comprehensive_governance", 1, "社会稳定风险排查和化解情况",
     "综治部门负责矛盾纠纷和稳定风险化解"),
    ("food_shelter", "vagrancy", "public_security", 1, "身份查询和护送至救助管理站的情况",
     "公安机关协助查询身份、护送流浪乞讨人员"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    NeedType = apps.get_model("cases", "NeedType")
    CaseCategory = apps.get_model("cases", "CaseCategory")
    DepartmentType = apps.get_model("accounts", "DepartmentType")
    Rule = apps.get_model("referrals", "ResponsibilityRule")
    if Rule.objects.exists():
        return
    needs = {n.code: n for n in NeedType.objects.all()}
    categories = {c.code: c for c in CaseCategory.objects.all()}
    departments = {d.code: d for d in DepartmentType.objects.all()}
    for need, category, department, limit, result, duty in DEFAULTS:
        if need not in needs or department not in departments or (category and category not in categories):
            continue  # an administrator removed it: nothing to route
        Rule.objects.create(need=needs[need], category=categories.get(category) if category else None,
                            department_type=departments[department], limit_count=limit,
                            limit_unit="working_days" if limit else "", required_result=result, duty=duty,
                            demo_default=True)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_referrals"), ("cases", "0004_aid_payments"),
                    ("accounts", "0003_default_department_types")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
