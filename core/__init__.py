"""Infrastructure every app may use and nothing domain-specific: the task outbox, the audit
trail, database helpers, the API and filter base classes. It imports no other project app."""
