"""Regions: loading the real tree, rejecting bad files whole, retiring codes, API and pages."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from jijinan.accounts.models import User
from jijinan.core.errors import DomainError, RowErrors
from jijinan.regions.choices import RegionLevel, level_of_code
from jijinan.regions.demo import stable_number
from jijinan.regions.models import Region
from jijinan.regions.selectors import in_subtree, region_ancestors, region_get_active
from jijinan.regions.services import (
    decode_csv_bytes,
    region_retire,
    regions_fill_synthetic_populations,
    regions_load_csv,
)
from tests.conftest import PASSWORD
from tests.regions_fixtures import JIANGSU

pytestmark = pytest.mark.django_db

XUANWU = "320102000000"


def _csv(*rows: str) -> str:
    return "code,name,level,parent_code\n" + "\n".join(rows) + "\n"


def test_the_real_tree_loads_with_its_levels(jiangsu):
    counts = {lvl: Region.objects.filter(level=lvl).count() for lvl in RegionLevel.values}
    assert counts == {"province": 1, "city": 13, "county": 104, "township": 1487, "village": 0}
    xuanwu = Region.objects.get(code=XUANWU)
    assert (xuanwu.name, xuanwu.parent.name, xuanwu.prefix) == ("玄武区", "南京市", "320102")
    assert xuanwu.valid_from == date(2022, 10, 31)


def test_loading_again_changes_nothing(jiangsu):
    result = regions_load_csv(text=JIANGSU.read_text(encoding="utf-8"),
                              valid_from=date(2022, 10, 31), source="again")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1605)


def test_a_subtree_is_a_prefix_filter(jiangsu):
    xuanwu = Region.objects.get(code=XUANWU)
    under = Region.objects.filter(in_subtree(xuanwu))
    assert under.count() == 1 + xuanwu.children.count()
    assert all(r.code.startswith("320102") for r in under)
    nanjing = Region.objects.get(code="320100000000")
    assert Region.objects.filter(in_subtree(nanjing), level="county").count() == 11


def test_ancestors_come_from_the_code(jiangsu, django_assert_num_queries):
    town = Region.objects.get(code="320102002000")
    with django_assert_num_queries(1):
        names = [r.name for r in region_ancestors(region=town)]
    assert names == ["江苏省", "南京市", "玄武区"]


@pytest.mark.parametrize(("code", "level"), [
    ("320000000000", "province"), ("320100000000", "city"), ("320102000000", "county"),
    ("320102002000", "township"), ("320102002001", "village")])
def test_level_of_code(code, level):
    assert level_of_code(code) == level


@pytest.mark.parametrize(("row", "column", "reason"), [
    ("32010200200,短码,township,320102000000", "code", "12 位数字"),
    ("320102002999,错级,county,320102000000", "level", "级别与代码不符"),
    ("320102099000,无父,township,320103000000", "parent_code", "不存在"),
    ("320102099000,跨父,township,320104000000", "parent_code", "不相符"),
    ("320102099000,,township,320102000000", "name", "名称不能为空"),
    ("320102099000,无级,town,320102000000", "level", "级别应为"),
])
def test_a_bad_row_rejects_the_whole_file(jiangsu, row, column, reason):
    before = Region.objects.count()
    good = "320102098000,新街道,township,320102000000"
    with pytest.raises(RowErrors) as caught:
        regions_load_csv(text=_csv(good, row), valid_from=date(2024, 1, 1), source="t")
    assert [(e.row, e.column) for e in caught.value.rows] == [(3, column)]
    assert reason in caught.value.rows[0].reason
    assert Region.objects.count() == before
    assert not Region.objects.filter(code="320102098000").exists()


def test_duplicate_codes_and_missing_columns_are_reported():
    with pytest.raises(RowErrors) as caught:
        regions_load_csv(text=_csv("320000000000,江苏省,province,", "320000000000,江苏,province,"),
                         valid_from=date(2024, 1, 1), source="t")
    assert caught.value.rows[0].row == 3 and "重复" in caught.value.rows[0].reason
    with pytest.raises(RowErrors) as caught:
        regions_load_csv(text="code,name\n320000000000,江苏省\n", valid_from=date(2024, 1, 1),
                         source="t")
    assert caught.value.rows[0].column == "level,parent_code"
    assert not Region.objects.exists()


def test_gb18030_files_are_read():
    text = _csv("320000000000,江苏省,province,")
    assert decode_csv_bytes(text.encode("gb18030")) == text
    assert decode_csv_bytes(("\ufeff" + text).encode("utf-8")) == text


def test_retiring_a_code_points_to_its_successor(jiangsu):
    regions_load_csv(text=_csv("320102002001,甲社区,village,320102002000",
                               "320102002002,乙社区,village,320102002000"),
                     valid_from=date(2023, 1, 1), source="t")
    retired = region_retire(code="320102002001", successor_code="320102002002",
                            valid_to=date(2025, 6, 30))
    assert retired.successor.code == "320102002002"
    with pytest.raises(DomainError) as caught:
        region_get_active(code="320102002001", field="handling_region")
    assert caught.value.code == "retired_region"
    assert "乙社区" in str(caught.value.message)
    assert caught.value.field_errors.keys() == {"handling_region"}
    with pytest.raises(DomainError, match="已于"):
        region_retire(code="320102002001", successor_code=None, valid_to=date(2025, 7, 1))


def test_retiring_is_refused_with_active_children_or_a_bad_successor(jiangsu):
    with pytest.raises(DomainError) as caught:
        region_retire(code=XUANWU, successor_code=None, valid_to=date(2025, 1, 1))
    assert caught.value.code == "has_active_children"
    with pytest.raises(DomainError) as caught:
        region_retire(code="320102002000", successor_code="320102002000", valid_to=date(2025, 1, 1))
    assert caught.value.code == "unknown_region"
    assert Region.objects.filter(valid_to__isnull=False).count() == 0
    with pytest.raises(DomainError):
        region_get_active(code="999999999999")


def test_synthetic_populations_add_up_and_never_replace_real_figures(jiangsu):
    Region.objects.filter(code="320102002000").update(population=12345)
    regions_fill_synthetic_populations(seed_of=stable_number)
    xuanwu = Region.objects.get(code=XUANWU)
    assert xuanwu.population == sum(c.population for c in xuanwu.children.all())
    assert Region.objects.get(code="320102002000").population == 12345
    assert Region.objects.get(code="320102002000").population_synthetic is False
    assert xuanwu.population_synthetic is True
    assert regions_fill_synthetic_populations(seed_of=stable_number) == 0


# --- API ------------------------------------------------------------------------------------
@pytest.fixture
def clerk(jiangsu) -> User:
    from jijinan.accounts.models import Grant
    from jijinan.core.permissions import Role

    user = User.objects.create_user(username="clerk", password=PASSWORD)
    Grant.objects.create(user=user, role=Role.WINDOW_CLERK, region=Region.objects.get(code=XUANWU))
    return user


@pytest.fixture
def clerk_client(clerk) -> Client:
    client = Client()
    client.force_login(clerk)
    return client


def test_api_search_by_name_and_code(jiangsu, clerk_client):
    body = clerk_client.get("/api/v1/regions", {"q": "玄武"}).json()
    assert body["items"][0]["code"] == XUANWU
    assert all("玄武" in r["name"] for r in body["items"]) and body["count"] >= 2
    body = clerk_client.get("/api/v1/regions", {"q": "320102", "page_size": 5}).json()
    assert body["count"] == 1 + Region.objects.get(code=XUANWU).children.count()
    assert len(body["items"]) == 5
    body = clerk_client.get("/api/v1/regions", {"level": "city"}).json()
    assert body["count"] == 13


def test_api_rejects_bad_filters_and_unknown_codes(jiangsu, clerk_client):
    response = clerk_client.get("/api/v1/regions", {"level": "planet"})
    assert response.status_code == 422
    assert "level" in response.json()["field_errors"]
    response = clerk_client.get("/api/v1/regions/999999999999")
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_region"


def test_api_detail_and_children(jiangsu, clerk_client, django_assert_max_num_queries):
    body = clerk_client.get(f"/api/v1/regions/{XUANWU}").json()
    assert [a["name"] for a in body["ancestors"]] == ["江苏省", "南京市"]
    assert body["children_count"] > 0
    # session, user, grants, the region, count and page: the same for 1 or 100 children
    with django_assert_max_num_queries(9):
        body = clerk_client.get(f"/api/v1/regions/{XUANWU}/children", {"page_size": 100}).json()
    assert all(r["parent_code"] == XUANWU for r in body["items"])


def test_api_needs_a_login(jiangsu, client):
    assert client.get("/api/v1/regions").status_code == 401


def test_api_import_is_for_administrators_only(jiangsu, clerk_client, admin_session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(c: Client, text: str):  # type: ignore[no-untyped-def]
        f = SimpleUploadedFile("v.csv", text.encode("gb18030"), content_type="text/csv")
        return c.post("/api/v1/regions/import", {"file": f})

    good = _csv("320102002001,甲社区,village,320102002000")
    response = upload(clerk_client, good)
    assert response.status_code == 403
    assert "系统管理员" in response.json()["message"]
    assert not Region.objects.filter(code="320102002001").exists()

    bad = _csv("320102002001,甲社区,village,320102002000", "320102002002,乙社区,village,999")
    response = upload(admin_session, bad)
    assert response.status_code == 400
    assert response.json()["field_errors"] == {"rows[3].parent_code": ["上级代码 999 不存在"]}
    assert not Region.objects.filter(code="320102002001").exists()

    response = upload(admin_session, good)
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}


def test_api_retire(jiangsu, clerk_client, admin_session):
    assert clerk_client.post(f"/api/v1/regions/{XUANWU}/retire", {"valid_to": "2025-01-01"},
                             content_type="application/json").status_code == 403
    response = admin_session.post(f"/api/v1/regions/{XUANWU}/retire", {"valid_to": "2025-01-01"},
                                  content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "has_active_children"


# --- pages ----------------------------------------------------------------------------------
def test_pages_need_a_login(jiangsu, client):
    response = client.get("/regions/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_tree_search_and_detail_pages(jiangsu, clerk_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # the page, and the shell's unread-notice count
        html = clerk_client.get("/regions/").content.decode()
    assert "江苏省" in html and "hx-get" in html
    html = clerk_client.get("/regions/320000000000/children/").content.decode()
    assert "南京市" in html and "苏州市" in html
    with django_assert_max_num_queries(9):
        html = clerk_client.get("/regions/", {"q": "街道", "level": "township"}).content.decode()
    assert "第 1 /" in html  # paginated
    html = clerk_client.get(f"/regions/{XUANWU}/").content.decode()
    assert "玄武区" in html and "南京市" in html
    assert "停用代码" not in html  # only administrators see the retire form
    assert clerk_client.get("/regions/999999999999/").status_code == 404


def test_import_page_is_for_administrators(jiangsu, clerk_client, admin_session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert clerk_client.get("/regions/import/").status_code == 403
    bad = SimpleUploadedFile("v.csv", _csv("320102002001,甲,village,999").encode(), "text/csv")
    response = admin_session.post("/regions/import/", {"file": bad, "valid_from": "2023-01-01"})
    assert response.status_code == 400
    assert "上级代码 999 不存在" in response.content.decode()
    good = SimpleUploadedFile("v.csv", _csv("320102002001,甲,village,320102002000").encode(), "text/csv")
    response = admin_session.post("/regions/import/", {"file": good, "valid_from": "2023-01-01"})
    assert response.status_code == 302
    assert Region.objects.get(code="320102002001").valid_from == date(2023, 1, 1)


def test_retire_page_action(jiangsu, admin_session):
    regions_load_csv(text=_csv("320102002001,甲,village,320102002000"), valid_from=date(2023, 1, 1),
                     source="t")
    response = admin_session.post("/regions/320102002001/retire/", {"valid_to": "2026-01-01"},
                                  follow=True)
    assert "已停用该区划代码" in response.content.decode()
    assert Region.objects.get(code="320102002001").valid_to == date(2026, 1, 1)
