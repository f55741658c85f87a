"""The Flask platform: configuration, database, extensions, web shell, gateway, jobs, CLI."""
