"""The WSGI entry point: ``app = create_app()`` for any WSGI server."""

import sys

from odr.app import create_app
from odr.platform.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line naming the setting, not a traceback (as ``odr`` does)
    sys.exit(f"odr: configuration error: {error}")
