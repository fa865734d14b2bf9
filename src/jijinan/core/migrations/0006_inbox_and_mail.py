# The in-app inbox and e-mail through the outbox.

import django.db.models.deletion
import django.utils.timezone
import jijinan.core.protected.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_search_entries_and_sms'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='MailMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('to', models.EmailField(max_length=254, verbose_name='收件地址')),
                ('subject', models.CharField(max_length=200, verbose_name='主题')),
                ('body', jijinan.core.protected.fields.EncryptedTextField(purpose='core.mail.body', verbose_name='正文')),
                ('status', models.CharField(choices=[('queued', '待发送'), ('sent', '已发送'), ('failed', '发送失败')], default='queued', max_length=10, verbose_name='状态')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='已尝试次数')),
                ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                ('message_id', models.UUIDField(unique=True, verbose_name='消息编号')),
                ('subject_type', models.CharField(blank=True, max_length=100, verbose_name='对象类型')),
                ('subject_id', models.CharField(blank=True, max_length=64, verbose_name='对象编号')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='创建时间')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
            ],
            options={
                'verbose_name': '电子邮件',
                'verbose_name_plural': '电子邮件',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='InboxItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=60, verbose_name='类型')),
                ('title', models.CharField(max_length=200, verbose_name='标题')),
                ('body', models.CharField(blank=True, max_length=1000, verbose_name='内容')),
                ('url', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('subject_type', models.CharField(blank=True, max_length=100, verbose_name='对象类型')),
                ('subject_id', models.CharField(blank=True, max_length=64, verbose_name='对象编号')),
                ('event_id', models.UUIDField(blank=True, null=True, verbose_name='事件编号')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='阅读时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='inbox_items', to=settings.AUTH_USER_MODEL, verbose_name='收件人')),
            ],
            options={
                'verbose_name': '站内通知',
                'verbose_name_plural': '站内通知',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'read_at', 'created_at'], name='core_inbox_user_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('event_id__isnull', False)), fields=('user', 'event_id'), name='core_inbox_once_per_event')],
            },
        ),
    ]
