"""Importing a network: LinkedIn, vCard, CRM contacts and past interactions."""
