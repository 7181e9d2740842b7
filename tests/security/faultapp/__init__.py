"""A test-only app for the fault tests: a task with a recorded, idempotent effect, and a page
that queues it (a stand-in for the visit log until the visits feature lands)."""
