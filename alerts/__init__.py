"""cartwatch alerts package."""
