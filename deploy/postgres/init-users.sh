#!/bin/sh
# Runs once, on the first start of an empty data volume (docker-entrypoint-initdb.d):
# one login and database per user of the server, so Temporal and the service
# never share credentials. The passwords come from the environment (.env).
set -eu
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD in .env}"
: "${NOTIFY_DB_PASSWORD:?set NOTIFY_DB_PASSWORD in .env}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_password="$TEMPORAL_DB_PASSWORD" -v notify_password="$NOTIFY_DB_PASSWORD" <<'SQL'
CREATE ROLE temporal LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE notify LOGIN PASSWORD :'notify_password';
CREATE DATABASE notifications OWNER notify;
SQL
