"""The row the printed forms add to the permission matrix: who may make and collect a case's PDF forms.

The forms (审批表, 告知书, 先行救助回执) are handed to the applicant or filed by the office that handles
the case, and the approval form shows the household and the decision in full. So only the roles
that take, review, decide or hand over a case print them, and only for a case their own area
handles: a supervisor or a social worker reads the case on screen but does not print it, and a
township that transferred a case away keeps reading it but no longer prints its forms.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jijinan.cases.permissions import CASE_VIEW
from jijinan.core.permissions import Role, Rule, ScopeKind

R = Role
PRINT_ROLES = frozenset({R.WINDOW_CLERK, R.TOWNSHIP_REVIEWER, R.TOWNSHIP_LEAD, R.RELIEF_STATION_STAFF,
                         R.COUNTY_APPROVER})

CASE_PRINT = "cases.case.print"

PRINT_ROWS = [
    Rule(CASE_PRINT, PRINT_ROLES, ScopeKind.REGION, _("打印急难事项表单（PDF）"), view_action=CASE_VIEW),
]
