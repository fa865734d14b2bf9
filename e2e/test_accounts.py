"""Journey: an administrator adds a member of staff and a grant; the newcomer signs in, must change
the first password, and then sees their own scope on the home page."""

from __future__ import annotations

import pytest

from e2e.conftest import screenshot, seed_again
from tests.world import XUANWU, build_world, persona

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].button-primary")


def test_admin_adds_staff_who_then_signs_in(page):
    seed_again()
    world = build_world()
    admin = persona(world, "administrator", at=XUANWU)
    admin.set_password("admin-pass-2026")
    admin.save()

    _sign_in(page, admin.username, "admin-pass-2026")
    page.click("nav.menu summary:has-text('系统')")  # the group's drop-down
    page.click("nav.menu >> text=工作人员")
    page.click("text=新增人员")
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=full_name]", "新同事")
    page.select_option("select[name=organisation]", label="玄武区民政局（玄武区）")
    page.fill("input[name=password]", "first-pass-2026")
    page.click("button[type=submit].button-primary")
    page.wait_for_selector("text=账户已创建，请为其授权")
    page.select_option("select[name=role]", value="window_clerk")
    page.fill("input[name=region_code__q]", "meiyuan")
    page.check("input[name=region_code][value='320102002000']")
    page.click("form[action$='/grants/'] button[type=submit]")
    page.wait_for_selector("text=已授权")
    screenshot(page, "staff-detail")
    page.click("button:has-text('退出')")

    _sign_in(page, "newcomer", "first-pass-2026")
    page.wait_for_url("**/accounts/me/password/")
    assert page.locator("text=首次登录须先修改密码").count() >= 1
    page.fill("input[name=old_password]", "first-pass-2026")
    page.fill("input[name=new_password]", "second-pass-2027")
    page.fill("input[name=new_password_again]", "second-pass-2027")
    page.click("button[type=submit].button-primary")
    page.wait_for_selector("text=密码已修改")
    page.goto(page.base_url + "/")
    screenshot(page, "home-newcomer")
    page.click("text=我的账号和权限范围")  # the scope is on the account page, linked from home
    page.wait_for_load_state()
    scope = page.locator("text=梅园新村街道")
    assert scope.count() >= 1
    assert page.console_errors == []
