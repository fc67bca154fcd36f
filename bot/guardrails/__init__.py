"""Guardrails: judge each message (classify, decide) and check each answer before it is sent."""
