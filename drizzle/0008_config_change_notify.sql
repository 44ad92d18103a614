-- Caches of the configuration in every process hear of a change (src/db/change-feed.ts).
CREATE OR REPLACE FUNCTION notify_config_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('notify_config_changes', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER companies_config_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON companies FOR EACH STATEMENT EXECUTE FUNCTION notify_config_change();
--> statement-breakpoint
CREATE TRIGGER providers_config_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON providers FOR EACH STATEMENT EXECUTE FUNCTION notify_config_change();
