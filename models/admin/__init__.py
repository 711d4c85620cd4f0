"""A workspace's data for its admins: export and delete."""
