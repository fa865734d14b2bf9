# Referrals: the responsibility matrix, department tasks and their history, deflection flags.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0004_staff_mobile'),
        ('cases', '0004_aid_payments'),
        ('core', '0006_inbox_and_mail'),
        ('regions', '0001_region_tree'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ResponsibilityRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('program', models.CharField(blank=True, help_text='留空：任何项目', max_length=30, verbose_name='救助项目')),
                ('limit_count', models.PositiveSmallIntegerField(blank=True, help_text='留空：按政策参数“部门分办任务时限”', null=True, verbose_name='办理时限')),
                ('limit_unit', models.CharField(blank=True, max_length=15, verbose_name='时限单位')),
                ('required_result', models.CharField(max_length=300, verbose_name='要求反馈的结果')),
                ('duty', models.CharField(blank=True, max_length=300, verbose_name='职责依据')),
                ('demo_default', models.BooleanField(default=False, verbose_name='演示默认值')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='创建时间')),
                ('retired_at', models.DateTimeField(blank=True, null=True, verbose_name='停用时间')),
                ('retire_reason', models.CharField(blank=True, max_length=300, verbose_name='停用原因')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='版本')),
                ('category', models.ForeignKey(blank=True, help_text='留空：任何类别', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.casecategory', verbose_name='急难类别')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                ('department_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.departmenttype', verbose_name='责任部门')),
                ('need', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.needtype', verbose_name='需求类型')),
                ('region', models.ForeignKey(blank=True, help_text='留空：全省', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='适用区划')),
                ('replaced_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='referrals.responsibilityrule', verbose_name='由此条目取代')),
                ('retired_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='停用人')),
            ],
            options={
                'verbose_name': '职责清单条目',
                'verbose_name_plural': '职责清单',
                'ordering': ['need__sort_order', 'department_type__sort_order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Task',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sequence', models.PositiveSmallIntegerField(verbose_name='序号')),
                ('status', models.CharField(choices=[('pending', '待接收'), ('accepted', '办理中'), ('returned', '已退回'), ('completed', '已办结'), ('cancelled', '已撤回')], default='pending', max_length=20, verbose_name='状态')),
                ('description', models.TextField(verbose_name='任务说明')),
                ('required_result', models.CharField(max_length=300, verbose_name='要求反馈的结果')),
                ('info_requested', models.BooleanField(default=False, verbose_name='待补充材料')),
                ('returns', models.PositiveSmallIntegerField(default=0, verbose_name='退回次数')),
                ('result', models.TextField(blank=True, verbose_name='办理结果')),
                ('result_amount_fen', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='救助金额（分）')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='分办时间')),
                ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='接收时间')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='办结时间')),
                ('last_activity_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='最近办理时间')),
                ('idle_at', models.DateTimeField(blank=True, null=True, verbose_name='超期未办预警时间')),
                ('version', models.PositiveIntegerField(default=1, verbose_name='版本')),
                ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='cases.case', verbose_name='急难事项')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='分办人')),
                ('deadline', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.deadline', verbose_name='办理期限')),
                ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='承办人')),
                ('need', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.needtype', verbose_name='需求类型')),
                ('office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referral_tasks', to='accounts.organisation', verbose_name='承办部门')),
                ('rule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='referrals.responsibilityrule', verbose_name='依据的职责清单条目')),
            ],
            options={
                'verbose_name': '部门任务',
                'verbose_name_plural': '部门任务',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='DeflectionFlag',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('returns', '多次退回'), ('cycle', '循环转办'), ('idle', '超期未办')], max_length=10, verbose_name='预警类型')),
                ('detail', models.CharField(max_length=500, verbose_name='说明')),
                ('history', models.JSONField(default=list, verbose_name='交办经过')),
                ('offices', models.JSONField(default=list, verbose_name='涉及部门')),
                ('parameters', models.JSONField(blank=True, default=dict, verbose_name='所用政策参数')),
                ('raised_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='预警时间')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='更新时间')),
                ('occurrences', models.PositiveSmallIntegerField(default=1, verbose_name='触发次数')),
                ('covering_office', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='统筹机构')),
                ('covering_region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.region', verbose_name='统筹区划')),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='flags', to='referrals.task', verbose_name='部门任务')),
            ],
            options={
                'verbose_name': '推诿预警',
                'verbose_name_plural': '推诿预警',
                'ordering': ['-updated_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TaskEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('opened', '分办'), ('accepted', '接收'), ('returned', '退回'), ('info_requested', '要求补充材料'), ('info_provided', '补充材料'), ('progress', '办理进展'), ('completed', '办结'), ('transferred', '转办'), ('reassigned', '重新交办'), ('cancelled', '撤回'), ('flagged', '推诿预警')], max_length=20, verbose_name='事件')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('reason_code', models.CharField(blank=True, choices=[('not_our_duty', '不属于本部门职责'), ('outside_area', '不属于本辖区'), ('not_eligible', '不符合本部门政策条件'), ('already_handled', '已由本部门办理过'), ('insufficient', '材料不全，无法办理'), ('other', '其他')], max_length=20, verbose_name='原因')),
                ('text', models.TextField(blank=True, verbose_name='说明')),
                ('data', models.JSONField(blank=True, default=dict, verbose_name='数据')),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                ('from_office', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='来自')),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='events', to='referrals.task', verbose_name='部门任务')),
                ('to_office', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='accounts.organisation', verbose_name='交往')),
            ],
            options={
                'verbose_name': '部门任务事件',
                'verbose_name_plural': '部门任务事件',
                'ordering': ['at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='TaskAttachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=200, verbose_name='文件名')),
                ('path', models.CharField(max_length=300, verbose_name='存储路径')),
                ('size', models.PositiveIntegerField(verbose_name='大小')),
                ('content_type', models.CharField(max_length=50, verbose_name='类型')),
                ('sha256', models.CharField(max_length=64, verbose_name='摘要')),
                ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='上传时间')),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='referrals.task', verbose_name='部门任务')),
                ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                ('event', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='referrals.taskevent', verbose_name='所属事件')),
            ],
            options={
                'verbose_name': '部门任务附件',
                'verbose_name_plural': '部门任务附件',
                'ordering': ['uploaded_at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='responsibilityrule',
            index=models.Index(fields=['need', 'retired_at'], name='referrals_rule_need_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['office', 'status', 'created_at'], name='referrals_task_office_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(fields=['case', 'status'], name='referrals_task_case_idx'),
        ),
        migrations.AddIndex(
            model_name='task',
            index=models.Index(condition=models.Q(('idle_at__isnull', False)), fields=['idle_at'], name='referrals_task_idle_idx'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.UniqueConstraint(fields=('case', 'sequence'), name='referrals_task_unique_sequence'),
        ),
        migrations.AddConstraint(
            model_name='task',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['pending', 'accepted', 'returned', 'completed', 'cancelled'])), name='referrals_task_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='deflectionflag',
            constraint=models.UniqueConstraint(fields=('task', 'reason'), name='referrals_flag_once_per_reason'),
        ),
    ]
