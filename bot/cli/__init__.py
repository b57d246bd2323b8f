"""The `bayan` command line (also `python -m bot`): `main` parses and dispatches; one module per command
group (`poll`: run, poll, check-config; `extract`: extract, reextract; `records`: statements, export,
sources; `orgs`: signed, org, orgs, search); `common` holds what several need (the database, the config,
one target to extract). A composition root for one-shot commands: it calls the code the service runs.
"""
