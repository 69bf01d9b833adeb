"""The command line `python -m etl`: one module per group of commands, the parser in `etl.cli.parser`."""
