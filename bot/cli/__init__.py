"""The `bayan` command line (also `python -m bot`): `main` parses and dispatches; `parsers` holds every
subcommand's options; one module per command group (`poll`: run, poll, check-config; `extract`: extract,
reextract; `records`: statements, export, sources; `orgs`: signed, org, orgs, search; `registry`: orgs
add/rename/unmerge/export/import), imported only when one of its commands runs; `common` holds what
several need (the database, the config, one target to extract). A composition root for one-shot
commands: it calls the code the service runs.
"""
