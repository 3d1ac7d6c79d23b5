-- History, audit and incident timelines are append-only: the database itself
-- refuses to rewrite them, whatever the application does.
CREATE OR REPLACE FUNCTION rtv_reject_rewrite() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER kill_switch_history_append_only
  BEFORE UPDATE OR DELETE ON kill_switch_history
  FOR EACH ROW EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
CREATE TRIGGER kill_switch_history_no_truncate
  BEFORE TRUNCATE ON kill_switch_history
  FOR EACH STATEMENT EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
CREATE TRIGGER incident_events_append_only
  BEFORE UPDATE OR DELETE ON incident_events
  FOR EACH ROW EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
CREATE TRIGGER incident_events_no_truncate
  BEFORE TRUNCATE ON incident_events
  FOR EACH STATEMENT EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
-- The single rows that writers lock and bump.
INSERT INTO kill_switch_state (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO audit_chain_head (id, seq, hash)
  VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
  ON CONFLICT DO NOTHING;
