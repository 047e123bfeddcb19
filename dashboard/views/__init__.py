"""Plain modules behind the pages: read models, figures, form logic. Unit-tested without a browser."""
