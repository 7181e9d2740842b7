from django.apps import AppConfig


class FaultAppConfig(AppConfig):
    name = "tests.security.faultapp"
    label = "faultapp"
