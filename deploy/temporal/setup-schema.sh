#!/bin/sh
# One-shot: creates Temporal's two databases on first run and brings both
# schemas to the version this server image ships. Safe to run again: an
# existing database is kept and update-schema only applies what is missing.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
port=${DB_PORT:-5432}
schemas=/etc/temporal/schema/postgresql/v12

for db in temporal temporal_visibility; do
  tool="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $port -u $POSTGRES_USER --db $db"
  if $tool create; then
    echo "database $db created"
    $tool setup-schema -v 0.0
  else
    echo "database $db exists"
  fi
  case $db in
    temporal) $tool update-schema -d "$schemas/temporal/versioned" ;;
    *) $tool update-schema -d "$schemas/visibility/versioned" ;;
  esac
done
echo "Temporal schemas are up to date"
