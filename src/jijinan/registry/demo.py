"""Demo registry: a few dozen hand-made persons and households in 玄武区's demo villages, with
their programs and consents; ``--scale N`` adds N × 1,000 synthetic persons (Faker zh_CN)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from jijinan.accounts.choices import OrganisationKind
from jijinan.accounts.models import Organisation
from jijinan.core.demo import DemoContext, demo_step
from jijinan.core.protected import crypto
from jijinan.core.protected.ids import check_digit_for
from jijinan.regions.models import Region
from jijinan.registry import services
from jijinan.registry.choices import Employment, MembershipStatus, PersonSource, Relation
from jijinan.registry.models import ID_NUMBER_PURPOSE, Consent, Household, HouseholdMember, Membership, Person
from jijinan.registry.synthetic import generate_persons

PERSONS_PER_SCALE = 1000
# 梅园新村街道 and 玄武门街道 demo villages (created by the regions demo step).
MEIYUAN = ["320102002001", "320102002002", "320102002003", "320102002004", "320102002005"]
XUANWUMEN = ["320102005001", "320102005002", "320102005003"]


def demo_id(area: str, born: str, sequence: int) -> str:
    body = f"{area}{born.replace('-', '')}{sequence:03d}"
    return body + check_digit_for(body)


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    born: str
    sex: str
    village: str
    id_area: str | None = "320102"  # None: identity unknown
    phone: str = ""
    registered: tuple[str, str] = ("", "")
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def id_number(self) -> str | None:
        if self.id_area is None:
            return None
        sequence = (sum(map(ord, self.key)) % 400) * 2 + (1 if self.sex == "M" else 0)
        return demo_id(self.id_area, self.born, sequence)


M1, M2, M3, M4, M5 = MEIYUAN
X1, X2, X3 = XUANWUMEN
HENAN = ("410122001000", "河南省郑州市中牟县城关镇")
FOSHAN = ("440605000000", "广东省佛山市南海区")
YANJI = ("222401000000", "吉林省延边朝鲜族自治州延吉市")

PERSONS = [
    DemoPerson("wang_jianguo", "王建国", "1968-03-12", "M", M1, phone="13905171234",
               extra=(("employment", Employment.FLEXIBLE), ("situation", "妻子患尿毒症长期透析，家庭医疗支出大"))),
    DemoPerson("li_xiuying", "李秀英", "1970-07-08", "F", M1,
               extra=(("serious_illness", True), ("health_conditions", "尿毒症，每周透析三次"),
                      ("employment", Employment.UNABLE))),
    DemoPerson("wang_hao", "王浩", "2009-09-01", "M", M1, extra=(("employment", Employment.STUDENT),)),
    DemoPerson("zhang_guilan", "张桂兰", "1941-02-17", "F", M1, phone="02584561234",
               extra=(("living_alone", True), ("health_conditions", "高血压、行动不便"),
                      ("employment", Employment.RETIRED), ("situation", "无子女，独居，无固定收入"))),
    DemoPerson("chen_zhiqiang", "陈志强", "1975-11-23", "M", M2, phone="13851234567",
               extra=(("disability_category", "physical"), ("disability_grade", 2),
                      ("employment", Employment.UNABLE), ("situation", "工伤致下肢残疾，需长期康复"))),
    DemoPerson("zhou_yumei", "周玉梅", "1948-05-30", "F", M2, extra=(("employment", Employment.RETIRED),)),
    DemoPerson("chen_xiaoyu", "陈小宇", "2012-04-14", "M", M2, extra=(("employment", Employment.STUDENT),)),
    DemoPerson("liu_fang", "刘芳", "1985-08-19", "F", M3, phone="13770123456",
               extra=(("employment", Employment.FLEXIBLE), ("situation", "离异，独自抚养两个孩子"))),
    DemoPerson("liu_xinyi", "刘欣怡", "2015-12-03", "F", M3, extra=(("employment", Employment.STUDENT),)),
    DemoPerson("liu_zihan", "刘子涵", "2018-06-21", "M", M3, extra=(("employment", Employment.PRESCHOOL),)),
    DemoPerson("zhao_deming", "赵德明", "1958-01-09", "M", M3, phone="13913998877",
               extra=(("serious_illness", True), ("health_conditions", "肺癌术后化疗"),
                      ("situation", "化疗自付费用高，收入不足以支付"))),
    DemoPerson("sun_lihua", "孙丽华", "1960-10-26", "F", M3, extra=(("employment", Employment.RETIRED),)),
    DemoPerson("zeng_xiuzhen", "曾秀珍", "1950-03-03", "F", M4, phone="13605152233",
               extra=(("employment", Employment.RETIRED), ("situation", "儿子服刑，儿媳离家，独自抚养孙子"))),
    DemoPerson("zeng_siyuan", "曾思源", "2011-07-15", "M", M4, extra=(("employment", Employment.STUDENT),)),
    DemoPerson("ma_jianjun", "马建军", "1965-12-12", "M", M4,
               extra=(("disability_category", "psychiatric"), ("disability_grade", 1),
                      ("employment", Employment.UNABLE), ("living_alone", True))),
    DemoPerson("lin_guoqiang", "林国强", "1972-02-28", "M", M5, phone="18951112222",
               extra=(("employment", Employment.EMPLOYED),)),
    DemoPerson("lin_xiaoyu", "林小雨", "2013-05-05", "F", M5,
               extra=(("employment", Employment.STUDENT), ("situation", "父母因车祸去世，由伯父抚养"))),
    DemoPerson("xu_li", "徐丽", "1990-09-09", "F", M5, phone="15850001111",
               extra=(("employment", Employment.UNEMPLOYED), ("situation", "丈夫突发疾病去世，独自照顾婴儿"))),
    DemoPerson("xu_lele", "徐乐乐", "2024-03-18", "M", M5, extra=(("employment", Employment.PRESCHOOL),)),
    DemoPerson("wu_haiyan", "吴海燕", "1979-04-01", "F", X1, phone="13512345678",
               extra=(("employment", Employment.UNEMPLOYED),)),
    DemoPerson("huang_wei", "黄伟", "1977-08-08", "M", X1, extra=(("serious_illness", True),
                                                                ("health_conditions", "脑梗后遗症"))),
    DemoPerson("huang_zixuan", "黄子轩", "2006-10-10", "M", X1, extra=(("employment", Employment.STUDENT),)),
    DemoPerson("he_yong", "何勇", "1988-01-20", "M", X2, id_area="410122", phone="17712345678",
               registered=HENAN, extra=(("employment", Employment.FLEXIBLE),
                                        ("situation", "外来务工，工地受伤后失去收入"))),
    DemoPerson("he_xiaojun", "何小军", "2016-11-11", "M", X2, id_area="410122", registered=HENAN),
    DemoPerson("yang_xiulan", "杨秀兰", "1938-12-24", "F", M2,
               extra=(("living_alone", True), ("employment", Employment.RETIRED))),
    DemoPerson("ou_zhiqiang", "区志强", "1983-06-06", "M", X3, id_area="440605", registered=FOSHAN,
               extra=(("employment", Employment.UNEMPLOYED),)),
    DemoPerson("piao_chunhua", "朴春花", "1975-03-15", "F", X3, id_area="222401", registered=YANJI,
               phone="13304330000"),
    DemoPerson("ouyang_ming", "欧阳明", "1995-07-07", "M", X2, extra=(("employment", Employment.EMPLOYED),)),
    DemoPerson("xie_xiaodong", "解晓东", "1982-02-02", "M", X3, extra=(("disability_category", "hearing"),
                                                                    ("disability_grade", 3))),
    DemoPerson("unknown_man", "无名氏（男）", "1965-01-01", "M", X1, id_area=None,
               extra=(("health_conditions", "意识不清，已送医"),
                      ("situation", "在玄武门附近发现，身份不明，无随身证件"))),
]

# (key of the head, address, monthly income in yuan, bank account, [(member key, relation)])
HOUSEHOLDS = [
    ("wang_jianguo", "东风1社区 3 栋 201 室", 2100, "6222021001012345678",
     [("li_xiuying", Relation.SPOUSE), ("wang_hao", Relation.CHILD)]),
    ("zhang_guilan", "东风1社区 7 栋 102 室", 0, "", []),
    ("chen_zhiqiang", "红旗2社区 12 号", 1500, "6228480402564890018",
     [("zhou_yumei", Relation.PARENT), ("chen_xiaoyu", Relation.CHILD)]),
    ("liu_fang", "新华3社区 5 栋 601 室", 2600, "6217001210024455667",
     [("liu_xinyi", Relation.CHILD), ("liu_zihan", Relation.CHILD)]),
    ("zhao_deming", "新华3社区 9 栋 303 室", 4200, "", [("sun_lihua", Relation.SPOUSE)]),
    ("zeng_xiuzhen", "光明4社区 2 栋 101 室", 900, "", [("zeng_siyuan", Relation.GRANDCHILD)]),
    ("ma_jianjun", "光明4社区 15 栋 502 室", 0, "", []),
    ("lin_guoqiang", "长青5社区 8 号", 5200, "", [("lin_xiaoyu", Relation.OTHER)]),
    ("xu_li", "长青5社区 11 栋 402 室", 0, "6230580000012349876", [("xu_lele", Relation.CHILD)]),
    ("wu_haiyan", "玄武门街道某小区 1 栋 101 室", 1800, "",
     [("huang_wei", Relation.SPOUSE), ("huang_zixuan", Relation.CHILD)]),
    ("he_yong", "玄武门街道某出租屋", 0, "", [("he_xiaojun", Relation.CHILD)]),
    ("yang_xiulan", "红旗2社区 3 号", 600, "", []),
]

# (program, subject key, household?, start, status, end, reporting department, reference)
MEMBERSHIPS = [
    ("dibao", "wang_jianguo", True, "2022-04-01", MembershipStatus.ACTIVE, None, "civil_affairs",
     "玄民低保〔2022〕118号"),
    ("tekun", "zhang_guilan", False, "2019-07-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("severe_disability", "chen_zhiqiang", False, "2021-03-01", MembershipStatus.ACTIVE, None,
     "disabled_persons_federation", "残疾人证（演示）"),
    ("dibao_edge", "liu_fang", True, "2023-09-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("dibao_edge", "zhao_deming", True, "2021-01-01", MembershipStatus.ENDED, "2023-12-31", "civil_affairs", ""),
    ("rigid_expense", "zhao_deming", True, "2024-02-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("de_facto_unsupported_child", "zeng_siyuan", False, "2022-09-01", MembershipStatus.ACTIVE, None,
     "civil_affairs", ""),
    ("severe_disability", "ma_jianjun", False, "2018-05-01", MembershipStatus.ACTIVE, None,
     "disabled_persons_federation", ""),
    ("tekun", "ma_jianjun", False, "2018-06-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("orphan", "lin_xiaoyu", False, "2020-10-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("high_risk_household", "xu_li", True, "2024-05-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
    ("dibao", "wu_haiyan", True, "2020-01-01", MembershipStatus.SUSPENDED, None, "civil_affairs",
     "年度复核待补材料"),
    ("tekun", "yang_xiulan", False, "2017-01-01", MembershipStatus.ACTIVE, None, "civil_affairs", ""),
]

PARTNER = "南京市慈善总会（演示）"
# (person key, partner organisation name or department type code, categories, purpose, withdrawn?)
CONSENTS = [
    ("li_xiuying", PARTNER, ["health", "household", "programs"], "大病慈善救助项目评估", False),
    ("liu_fang", PARTNER, ["contact", "economic", "programs"], "单亲家庭助学帮扶", False),
    ("lin_xiaoyu", PARTNER, ["situation", "programs"], "孤儿结对帮扶", False),
    ("chen_zhiqiang", "disabled_persons_federation", ["contact", "health"], "残疾人康复服务", False),
    ("li_xiuying", "health", ["health"], "医疗救助一站式结算", False),
    ("zhao_deming", PARTNER, ["contact"], "慈善医疗援助", True),
]


def _person_input(p: DemoPerson) -> services.PersonInput:
    extra = dict(p.extra)
    return services.PersonInput(
        name=p.name, residence_region_code=p.village, id_number=p.id_number or "",
        id_unknown=p.id_number is None, sex=p.sex,
        birth_date=date.fromisoformat(p.born) if p.id_number is None else None,
        phone=p.phone, registered_region_code=p.registered[0], registered_region_name=p.registered[1],
        residence_address="", **extra)  # type: ignore[arg-type]


def _existing(p: DemoPerson) -> Person | None:
    if p.id_number is None:
        return Person.objects.filter(name=p.name, source=PersonSource.DEMO, id_unknown=True).first()
    return Person.objects.filter(
        id_number_index=crypto.blind_index(p.id_number, purpose=ID_NUMBER_PURPOSE)).first()


@demo_step("registry.persons", order=50)
def demo_persons(ctx: DemoContext) -> None:
    present = set(Region.objects.filter(code__in=MEIYUAN + XUANWUMEN).values_list("code", flat=True))
    people: dict[str, Person] = {}
    created = 0
    for p in PERSONS:
        if p.village not in present:
            continue
        person = _existing(p)
        if person is None:
            person = services.person_create(actor=None, data=_person_input(p), source=PersonSource.DEMO)
            created += 1
        people[p.key] = person
    ctx.created("persons", created)
    ctx.created("households", _demo_households(people))
    ctx.created("memberships", _demo_memberships(people))
    ctx.created("consents", _demo_consents(people))
    if ctx.scale:
        def progress(line: str) -> None:
            ctx.stdout.write(line + "\n")

        result = generate_persons(ctx.scale * PERSONS_PER_SCALE, progress=progress)
        ctx.created("synthetic persons", result.created)
        ctx.created("synthetic households", result.households)


def _demo_households(people: dict[str, Person]) -> int:
    created = 0
    for head_key, address, income, account, members in HOUSEHOLDS:
        head = people.get(head_key)
        if head is None or HouseholdMember.objects.filter(person=head, left_on__isnull=True).exists():
            continue
        everyone = [services.MemberInput(head, Relation.HEAD)] + [
            services.MemberInput(people[k], r) for k, r in members if k in people]
        services.household_create(actor=None, members=everyone, data=services.HouseholdInput(
            region_code=head.residence_region.code, address=address, monthly_income_fen=income * 100,
            declared_on=timezone.localdate() - timedelta(days=30), bank_name="中国工商银行" if account else "",
            bank_account=account, bank_account_holder=head.name if account else ""))
        created += 1
    return created


def _household_of(person: Person) -> Household | None:
    member = HouseholdMember.objects.filter(person=person, left_on__isnull=True).select_related("household").first()
    return member.household if member else None


def _demo_memberships(people: dict[str, Person]) -> int:
    created = 0
    for program, key, for_household, start, status, end, department, reference in MEMBERSHIPS:
        person = people.get(key)
        if person is None:
            continue
        household = _household_of(person) if for_household else None
        if for_household and household is None:
            continue
        subject = {"household": household} if for_household else {"person": person}
        if Membership.objects.filter(program__code=program, start_date=start, **subject).exists():
            continue
        services.membership_create(actor=None, **subject, data=services.MembershipInput(
            program=program, start_date=date.fromisoformat(start),
            end_date=date.fromisoformat(end) if end else None, status=status,
            reporting_department=department, reference=reference))
        created += 1
    return created


def _demo_consents(people: dict[str, Person]) -> int:
    created = 0
    partners = {o.name: o for o in Organisation.objects.filter(kind=OrganisationKind.PARTNER)}
    for key, to, categories, purpose, withdrawn in CONSENTS:
        person = people.get(key)
        if person is None:
            continue
        organisation = partners.get(to)
        recipient = {"organisation": organisation} if organisation else {"department_type__code": to}
        if organisation is None and to == PARTNER:
            continue
        if Consent.objects.filter(person=person, purpose=purpose, **recipient).exists():
            continue
        consent = services.consent_grant(actor=None, person=person, data=services.ConsentInput(
            categories=categories, purpose=purpose, organisation=organisation,
            department_type=None if organisation else to,
            granted_on=timezone.localdate() - timedelta(days=60),
            expires_on=timezone.localdate() + timedelta(days=365), evidence="书面授权书（演示）"))
        if withdrawn:
            services.consent_withdraw(actor=None, consent=consent, version=consent.version, reason="本人书面撤回")
        created += 1
    return created
