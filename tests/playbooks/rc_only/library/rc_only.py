#!/usr/bin/python
"""A module that reports a non-zero rc and says nothing of `failed` (as old modules do)."""

import json

print(json.dumps({"rc": 3, "changed": False}))
