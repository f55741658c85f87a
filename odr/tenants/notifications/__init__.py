"""Notifications: in-app (a bell and a list) and e-mail from templates the tenant admin edits."""
