"""Workflow-specific exceptions (``workers.workflows``)."""


class NonRetryableError(Exception):
    """Raised in a workflow step: the step must not be retried."""
