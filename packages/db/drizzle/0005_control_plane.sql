CREATE TABLE "admin_tokens" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"role" varchar(20) NOT NULL,
	"clients" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"break_glass" boolean DEFAULT false NOT NULL,
	"secret_hash" varchar(64) NOT NULL,
	"created_by" varchar(100) NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "admin_tokens_role_valid" CHECK ("admin_tokens"."role" IN ('admin', 'operator', 'viewer', 'monitor'))
);
--> statement-breakpoint
CREATE TABLE "admin_triggers" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"name" varchar(100) NOT NULL,
	"switch_id" varchar(36) NOT NULL,
	"secret" varchar(128) NOT NULL,
	"created_by" varchar(100) NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"hash" varchar(64) NOT NULL,
	"key_id" varchar(64) NOT NULL,
	"signature" text NOT NULL,
	"signed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "release_requests" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"switch_id" varchar(36) NOT NULL,
	"requested_by" varchar(100) NOT NULL,
	"reason_code" varchar(50) NOT NULL,
	"reason" text NOT NULL,
	"status" varchar(20) NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_by" varchar(100),
	"decided_at" timestamp with time zone,
	CONSTRAINT "release_requests_status_valid" CHECK ("release_requests"."status" IN ('pending', 'approved', 'refused', 'expired'))
);
--> statement-breakpoint
CREATE TABLE "switch_bypasses" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"switch_id" varchar(36) NOT NULL,
	"actor" varchar(100) NOT NULL,
	"reason_code" varchar(50) NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "trigger_nonces" (
	"trigger_id" varchar(36) NOT NULL,
	"nonce" varchar(128) NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "trigger_nonces_trigger_id_nonce_pk" PRIMARY KEY("trigger_id","nonce")
);
--> statement-breakpoint
ALTER TABLE "admin_triggers" ADD CONSTRAINT "admin_triggers_switch_id_kill_switches_id_fk" FOREIGN KEY ("switch_id") REFERENCES "public"."kill_switches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "release_requests" ADD CONSTRAINT "release_requests_switch_id_kill_switches_id_fk" FOREIGN KEY ("switch_id") REFERENCES "public"."kill_switches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "switch_bypasses" ADD CONSTRAINT "switch_bypasses_switch_id_kill_switches_id_fk" FOREIGN KEY ("switch_id") REFERENCES "public"."kill_switches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "release_requests_switch_idx" ON "release_requests" USING btree ("switch_id","status");--> statement-breakpoint
CREATE INDEX "switch_bypasses_open_idx" ON "switch_bypasses" USING btree ("ended_at","expires_at");--> statement-breakpoint
-- The chain head only moves forward, and only onto a record that exists with that hash:
-- deleting the tail and rewinding the head (or pointing it at a forged hash) is refused
-- by the database for every role that does not own the table (owners can drop triggers;
-- signed checkpoints outside the database catch that case).
CREATE OR REPLACE FUNCTION rtv_chain_head_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'audit_chain_head: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id <> OLD.id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) THEN
    RAISE EXCEPTION 'audit_chain_head may only move forward (from % to %)', OLD.seq, NEW.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_forward_only
  BEFORE UPDATE OR DELETE ON audit_chain_head
  FOR EACH ROW EXECUTE FUNCTION rtv_chain_head_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_chain_head_no_truncate
  BEFORE TRUNCATE ON audit_chain_head
  FOR EACH STATEMENT EXECUTE FUNCTION rtv_reject_rewrite();
--> statement-breakpoint
-- Checked at COMMIT, when the records the same statement inserted are visible.
CREATE OR REPLACE FUNCTION rtv_chain_head_on_record() RETURNS trigger AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq AND hash = NEW.hash) THEN
    RAISE EXCEPTION 'audit_chain_head must point at an existing audit record (seq %)', NEW.seq
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_chain_head_on_record
  AFTER UPDATE ON audit_chain_head
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rtv_chain_head_on_record();
