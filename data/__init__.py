"""cartwatch data package."""
