"""Tooling for the synthetic sample data (``samverkan synth``); the runtime never imports it."""
