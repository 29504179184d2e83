"""Salesforce destination connector for crossmap and a local org emulator."""
