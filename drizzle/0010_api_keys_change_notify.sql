-- The API keeps API keys in memory between changes (src/api/plugins/auth.ts): a key created, revoked or
-- given other roles by any process is heard on the same channel as the configuration (src/db/change-feed.ts).
CREATE TRIGGER api_keys_config_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION notify_config_change();
