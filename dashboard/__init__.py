"""cartwatch dashboard package."""
