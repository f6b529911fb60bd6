"""The `sejahtera` console script: every management command, with --help for each."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sejahtera", *sys.argv[1:]])


if __name__ == "__main__":
    main()
