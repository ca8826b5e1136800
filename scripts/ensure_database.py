"""Create the PostgreSQL database named by DATABASE_URL if it does not exist yet (for
`make benchmark` on a fresh machine). Connects to the server's `postgres` database."""

import os
import sys

import dj_database_url
import psycopg
from psycopg import sql


def main():
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        sys.exit(f"DATABASE_URL must name a PostgreSQL database, got {url!r}")
    params = {
        "dbname": "postgres", "user": config.get("USER") or None, "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None, "port": config.get("PORT") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        name = config["NAME"]
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"database {name} exists")
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"database {name} created")


if __name__ == "__main__":
    main()
