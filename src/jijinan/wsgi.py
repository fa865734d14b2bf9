"""WSGI entry point for production servers (gunicorn jijinan.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jijinan.settings")
application = get_wsgi_application()
