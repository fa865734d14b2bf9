"""`python -m jijinan` runs the `jijinan` command."""

from jijinan.cli import main

if __name__ == "__main__":
    main()
