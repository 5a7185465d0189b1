"""`python -m licensectl`."""

from licensectl.cli import console_main

console_main()
