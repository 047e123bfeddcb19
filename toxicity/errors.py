"""The one error the clinical rules raise: input that cannot be graded without guessing."""


class InvalidAssessment(ValueError):
    """Raised for any invalid input. The message names the field and the allowed values or range."""
