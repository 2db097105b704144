import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Import now what the first request would (the URLconf imports every view, serializer and
# admin), then move everything loaded so far out of the garbage collector's sight. These
# ~150,000 module-level objects live as long as the process; left in place, every full
# collection walks them all, a 40-50 ms pause that lands in some request's p99 (measured
# by make bench; after the freeze a full collection takes 3-5 ms). See gc.freeze().
get_resolver().url_patterns  # noqa: B018
gc.freeze()
