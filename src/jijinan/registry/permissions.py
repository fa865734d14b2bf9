"""The rows the registry adds to the permission matrix.

Staff of the civil-affairs line see the persons and households living in their area. Partner
staff and department handlers see a person only while a consent to share with their
organisation (partners) or department type (handlers) is in force, and only the consented
categories: the internal ``*.view_consented*`` rows scope those consents, and the selectors
combine them with the region rows.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.core.permissions import ALL_ROLES, Role, Rule, ScopeKind

R = Role
# Who reads the registry in full, inside their area.
VIEW_ROLES = frozenset({R.WINDOW_CLERK, R.HOTLINE_OPERATOR, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                        R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER, R.SOCIAL_WORKER, R.SUPERVISOR,
                        R.ADMINISTRATOR})
# Who sees only what a person consented to share with them.
CONSENT_ROLES = frozenset({R.PARTNER_STAFF, R.DEPARTMENT_HANDLER})
EDIT_ROLES = frozenset({R.WINDOW_CLERK, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF,
                        R.COUNTY_APPROVER, R.ADMINISTRATOR})
# Who may show one record's ID number, phone or bank account in clear (each time logged).
UNMASK_ROLES = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF,
                          R.COUNTY_APPROVER, R.ADMINISTRATOR})
MEMBERSHIP_ROLES = frozenset({R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.COUNTY_APPROVER, R.ADMINISTRATOR})
CONSENT_MANAGE_ROLES = frozenset({R.WINDOW_CLERK, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD,
                                  R.RELIEF_STATION_STAFF, R.COUNTY_APPROVER, R.SOCIAL_WORKER,
                                  R.ADMINISTRATOR})

PERSON_VIEW = "registry.person.view"
PERSON_VIEW_FULL = "registry.person.view_full"
PERSON_VIEW_CONSENTED = "registry.person.view_consented"
PERSON_VIEW_CONSENTED_DEPARTMENT = "registry.person.view_consented_department"
PERSON_MANAGE = "registry.person.manage"
PERSON_UNMASK = "registry.person.unmask"
HOUSEHOLD_VIEW = "registry.household.view"
HOUSEHOLD_MANAGE = "registry.household.manage"
HOUSEHOLD_UNMASK = "registry.household.unmask"
MEMBERSHIP_VIEW = "registry.membership.view"
MEMBERSHIP_MANAGE = "registry.membership.manage"
CONSENT_VIEW = "registry.consent.view"
CONSENT_MANAGE = "registry.consent.manage"
PROGRAM_TYPE_VIEW = "registry.program_type.view"
PROGRAM_TYPE_MANAGE = "registry.program_type.manage"
# Exports of the lists: the same rows as the list, masked unless the *.unmask right is used.
PERSON_EXPORT = "registry.person.export"
HOUSEHOLD_EXPORT = "registry.household.export"
MEMBERSHIP_EXPORT = "registry.membership.export"

ROWS = [
    Rule(PERSON_VIEW, VIEW_ROLES | CONSENT_ROLES, ScopeKind.REGION, _("查看救助对象")),
    Rule(PERSON_VIEW_FULL, VIEW_ROLES, ScopeKind.REGION, _("查看救助对象的全部信息")),
    Rule(PERSON_VIEW_CONSENTED, frozenset({R.PARTNER_STAFF}), ScopeKind.REGION,
         _("查看授权本组织共享的救助对象信息")),
    Rule(PERSON_VIEW_CONSENTED_DEPARTMENT, frozenset({R.DEPARTMENT_HANDLER}), ScopeKind.DEPARTMENT,
         _("查看授权本部门共享的救助对象信息")),
    Rule(PERSON_MANAGE, EDIT_ROLES, ScopeKind.REGION, _("登记或修改救助对象"), view_action=PERSON_VIEW),
    Rule(PERSON_UNMASK, UNMASK_ROLES, ScopeKind.REGION, _("显示救助对象的完整证件号和电话"),
         view_action=PERSON_VIEW),
    Rule(HOUSEHOLD_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看家庭")),
    Rule(HOUSEHOLD_MANAGE, EDIT_ROLES, ScopeKind.REGION, _("登记或修改家庭"), view_action=HOUSEHOLD_VIEW),
    Rule(HOUSEHOLD_UNMASK, UNMASK_ROLES, ScopeKind.REGION, _("显示家庭的完整银行账号"),
         view_action=HOUSEHOLD_VIEW),
    Rule(MEMBERSHIP_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看救助项目记录")),
    Rule(MEMBERSHIP_MANAGE, MEMBERSHIP_ROLES, ScopeKind.REGION, _("登记或修改救助项目记录"),
         view_action=MEMBERSHIP_VIEW),
    Rule(CONSENT_VIEW, VIEW_ROLES, ScopeKind.REGION, _("查看信息共享授权")),
    Rule(CONSENT_MANAGE, CONSENT_MANAGE_ROLES, ScopeKind.REGION, _("登记或撤回信息共享授权"),
         view_action=CONSENT_VIEW),
    Rule(PROGRAM_TYPE_VIEW, ALL_ROLES, ScopeKind.SIGNED_IN, _("查看救助项目类型")),
    Rule(PROGRAM_TYPE_MANAGE, frozenset({R.ADMINISTRATOR}), ScopeKind.PROVINCE, _("维护救助项目类型")),
    # Whoever sees a list may take it to Excel (consent-limited rows stay consent-limited).
    Rule(PERSON_EXPORT, VIEW_ROLES | CONSENT_ROLES, ScopeKind.REGION, _("导出救助对象列表")),
    Rule(HOUSEHOLD_EXPORT, VIEW_ROLES, ScopeKind.REGION, _("导出家庭列表")),
    Rule(MEMBERSHIP_EXPORT, VIEW_ROLES, ScopeKind.REGION, _("导出救助项目记录")),
]
