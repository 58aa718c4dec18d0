"""Accounts from a class list, in the hub container (NativeAuthenticator's own table).

    docker exec -i labhub python3 /srv/labhub/class_list.py < class.csv > accounts.csv

The class list is a CSV whose first column is each learner's name (a header row `name` or
`username` is skipped). For each name it prints one CSV row back: `name,state,password`.
- `made`: a new account, approved, with a random initial password to hand to that learner
  (they change it at /hub/change-password);
- `exists`: the account was there and is approved (no password printed);
- `waiting`: someone signed up under that name and awaits approval at /hub/authorize:
  check with the learner before you approve it;
- `refused`: the name cannot be a Unix user name (people.py says the rule).
Nothing else changes: run it again as often as the list changes.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import sys

import bcrypt
from nativeauthenticator.orm import UserInfo
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import sessionmaker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from asynclab import settings  # noqa: E402
from people import UNIX_NAME  # noqa: E402 (beside this file)

DB_URL = "sqlite:////srv/jupyterhub/jupyterhub.sqlite"


def names_of(rows) -> list[str]:
    out = []
    for row in rows:
        if not row or not row[0].strip() or row[0].strip().startswith("#"):
            continue
        name = row[0].strip().lower()
        if name in ("name", "username") and not out:
            continue
        if name not in out:
            out.append(name)
    return out


def account(session, name: str) -> tuple[str, str]:
    """(state, initial password or '') for one name of the class list."""
    if not UNIX_NAME.match(name):
        return "refused", ""
    found = session.query(UserInfo).filter(UserInfo.username == name).first()
    if found is not None:
        return ("exists" if found.is_authorized else "waiting"), ""
    password = secrets.token_urlsafe(12)
    session.add(
        UserInfo(username=name, password=bcrypt.hashpw(password.encode(), bcrypt.gensalt()), is_authorized=True)
    )
    session.commit()
    return "made", password


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default="-", help="the class list (default: standard input)")
    parser.add_argument("--db-url", default=settings.HUB_DB_URL.get() or DB_URL, help="the hub's database")
    args = parser.parse_args(argv)
    source = sys.stdin if args.csv == "-" else open(args.csv, newline="")  # noqa: SIM115
    with source:
        names = names_of(csv.reader(source))
    engine = create_engine(args.db_url)
    if "users_info" not in inspect(engine).get_table_names():
        UserInfo.__table__.create(engine)
    session = sessionmaker(bind=engine)()
    out = csv.writer(sys.stdout)
    out.writerow(["name", "state", "password"])
    counts: dict[str, int] = {}
    for name in names:
        state, password = account(session, name)
        counts[state] = counts.get(state, 0) + 1
        out.writerow([name, state, password])
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no names"
    print(f"class list: {summary}", file=sys.stderr)
    if counts.get("refused"):
        print("refused names cannot be Unix user names: lower-case letters, digits, '-', '_'", file=sys.stderr)
    return 1 if counts.get("refused") else 0


if __name__ == "__main__":
    sys.exit(main())
