"""The demo users (rep, manager, admin) that `seed_demo` creates share one published password;
`runall` prints it in its banner."""

DEMO_PASSWORD = "crm-demo-2026"  # noqa: S105 - published demo password  # nosec B105
