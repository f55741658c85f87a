"""Contact with the parties off the platform: phone tasks for case managers, and assisted digital."""
