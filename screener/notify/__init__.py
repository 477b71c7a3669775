"""Telling the practice: the worker that delivers the outbox by email, webhook or console.

A notification carries a reference, an urgency level, a time and a link to sign in: never an
answer, a name, a contact detail or a flag. The outbox rows and their schedule are in
screener.store (outbox, schedule); here are the settings, the messages, the channels and the
worker loop. Imports the store, never the web layer, the CLI or Flask.
"""
