"""`python -m etl`: the command line, built in etl.cli.parser."""

from etl.cli.parser import main

if __name__ == "__main__":
    raise SystemExit(main())
