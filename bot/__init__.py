"""Bot Framework glue: adapter, HTTP endpoint, activity handler."""
