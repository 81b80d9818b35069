import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coursecompanion.settings")
django_application = get_wsgi_application()

from coursecompanion.startup import require_collected_static_files  # noqa: E402 (after setup)
from coursecompanion.wsgi_body import ChunkedBodyReader  # noqa: E402

# A web process without collected static files would answer 500 on every admin and docs page.
require_collected_static_files()
application = ChunkedBodyReader(django_application)
