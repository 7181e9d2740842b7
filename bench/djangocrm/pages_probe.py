"""The `pages` benchmark's probe, run by each app's own Python with its own settings
(DJANGO_SETTINGS_MODULE, DATABASE_URL): signs `username` in, fetches every page through
Django's test client (once to warm up, then once counted) and prints one JSON line: per page
the status, the SQL queries of the request and the HTML's size, and the session cookie (name
and value) that wrk then sends to gunicorn. The same file serves both apps, so it imports
nothing but Django; it lives apart from bench/ so that DjangoCRM's `common` app is not
shadowed by bench/common.py.

    python pages_probe.py '{"username": "admin", "pages": {"list": "/accounts/"}}'
"""

import json
import sys


def main(config: dict) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = get_user_model().objects.get(username=config["username"])
    client = Client()
    client.force_login(user)
    out: dict = {"pages": {}}
    for name, path in config["pages"].items():
        client.get(path)  # warm-up: templates, translations, the connection
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        out["pages"][name] = {
            "status": response.status_code,
            "queries": len(captured),
            "bytes": len(response.content),
        }
    cookie_name = settings.SESSION_COOKIE_NAME
    out["cookie"] = f"{cookie_name}={client.cookies[cookie_name].value}"
    print("PROBE_JSON " + json.dumps(out))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
