CREATE TABLE "kill_switch_history" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"kill_switch_id" varchar(36) NOT NULL,
	"action" varchar(20) NOT NULL,
	"previous_state" boolean,
	"new_state" boolean,
	"reason" text,
	"performed_by" varchar(100) NOT NULL,
	"performed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb,
	CONSTRAINT "kill_switch_history_action_valid" CHECK ("kill_switch_history"."action" IN ('created', 'activated', 'deactivated', 'expired', 'updated'))
);
--> statement-breakpoint
CREATE TABLE "kill_switch_state" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kill_switch_state_single_row" CHECK ("kill_switch_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "kill_switches" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"client_id" varchar(100),
	"scope" varchar(20) NOT NULL,
	"target_type" varchar(20) NOT NULL,
	"target_value" varchar(100) NOT NULL,
	"platform" varchar(50),
	"is_active" boolean DEFAULT false NOT NULL,
	"reason" text,
	"activated_by" varchar(100),
	"activated_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"auto_trip_config" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kill_switches_scope_target_unique" UNIQUE NULLS NOT DISTINCT("client_id","scope","target_type","target_value","platform"),
	CONSTRAINT "kill_switches_scope_valid" CHECK ("kill_switches"."scope" IN ('global', 'client', 'platform', 'action')),
	CONSTRAINT "kill_switches_target_type_valid" CHECK ("kill_switches"."target_type" IN ('all', 'platform', 'action')),
	CONSTRAINT "kill_switches_global_no_client" CHECK ("kill_switches"."scope" <> 'global' OR "kill_switches"."client_id" IS NULL),
	CONSTRAINT "kill_switches_client_has_client" CHECK ("kill_switches"."scope" <> 'client' OR "kill_switches"."client_id" IS NOT NULL),
	CONSTRAINT "kill_switches_platform_scope_target" CHECK ("kill_switches"."scope" <> 'platform' OR "kill_switches"."target_type" = 'platform'),
	CONSTRAINT "kill_switches_action_scope_target" CHECK ("kill_switches"."scope" <> 'action' OR "kill_switches"."target_type" = 'action'),
	CONSTRAINT "kill_switches_all_target_star" CHECK ("kill_switches"."target_type" <> 'all' OR "kill_switches"."target_value" = '*'),
	CONSTRAINT "kill_switches_target_value_nonempty" CHECK (length("kill_switches"."target_value") > 0),
	CONSTRAINT "kill_switches_platform_only_on_action" CHECK ("kill_switches"."platform" IS NULL OR "kill_switches"."target_type" = 'action'),
	CONSTRAINT "kill_switches_active_has_reason" CHECK (NOT "kill_switches"."is_active" OR ("kill_switches"."reason" IS NOT NULL AND "kill_switches"."activated_by" IS NOT NULL AND "kill_switches"."activated_at" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "audit_chain_head" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"seq" bigint DEFAULT 0 NOT NULL,
	"hash" varchar(64) NOT NULL,
	CONSTRAINT "audit_chain_head_single_row" CHECK ("audit_chain_head"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"id" varchar(36) NOT NULL,
	"type" varchar(100) NOT NULL,
	"actor" varchar(200) NOT NULL,
	"target" varchar(200),
	"client_id" varchar(100),
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	"prev_hash" varchar(64) NOT NULL,
	"hash" varchar(64) NOT NULL,
	CONSTRAINT "audit_events_id_unique" UNIQUE("id"),
	CONSTRAINT "audit_events_seq_positive" CHECK ("audit_events"."seq" > 0)
);
--> statement-breakpoint
CREATE TABLE "audit_sink_cursors" (
	"sink" varchar(100) PRIMARY KEY NOT NULL,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "incident_events" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"incident_id" varchar(36) NOT NULL,
	"type" varchar(20) NOT NULL,
	"actor" varchar(100) NOT NULL,
	"notes" text,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"metadata" jsonb,
	CONSTRAINT "incident_events_type_valid" CHECK ("incident_events"."type" IN ('opened', 'acknowledged', 'resolved', 'note'))
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" varchar(36) PRIMARY KEY NOT NULL,
	"kill_switch_id" varchar(36),
	"client_id" varchar(100),
	"title" text NOT NULL,
	"severity" varchar(20) NOT NULL,
	"status" varchar(20) DEFAULT 'open' NOT NULL,
	"trigger_type" varchar(20) NOT NULL,
	"trigger_value" double precision,
	"threshold" double precision,
	"error_rate" double precision,
	"calls_affected" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" varchar(100),
	"resolved_at" timestamp with time zone,
	"resolved_by" varchar(100),
	"resolution_notes" text,
	"metadata" jsonb,
	CONSTRAINT "incidents_severity_valid" CHECK ("incidents"."severity" IN ('low', 'medium', 'high', 'critical')),
	CONSTRAINT "incidents_status_valid" CHECK ("incidents"."status" IN ('open', 'acknowledged', 'resolved')),
	CONSTRAINT "incidents_trigger_type_valid" CHECK ("incidents"."trigger_type" IN ('error_rate', 'latency', 'cost', 'manual'))
);
--> statement-breakpoint
ALTER TABLE "kill_switch_history" ADD CONSTRAINT "kill_switch_history_kill_switch_id_kill_switches_id_fk" FOREIGN KEY ("kill_switch_id") REFERENCES "public"."kill_switches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incident_events" ADD CONSTRAINT "incident_events_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_kill_switch_id_kill_switches_id_fk" FOREIGN KEY ("kill_switch_id") REFERENCES "public"."kill_switches"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kill_switch_history_ks_idx" ON "kill_switch_history" USING btree ("kill_switch_id","performed_at");--> statement-breakpoint
CREATE INDEX "kill_switch_history_performed_at_idx" ON "kill_switch_history" USING btree ("performed_at");--> statement-breakpoint
CREATE INDEX "kill_switches_active_idx" ON "kill_switches" USING btree ("is_active");--> statement-breakpoint
CREATE INDEX "kill_switches_client_idx" ON "kill_switches" USING btree ("client_id");--> statement-breakpoint
CREATE INDEX "kill_switches_scope_idx" ON "kill_switches" USING btree ("scope");--> statement-breakpoint
CREATE INDEX "audit_events_target_idx" ON "audit_events" USING btree ("target","seq");--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor","seq");--> statement-breakpoint
CREATE INDEX "audit_events_type_idx" ON "audit_events" USING btree ("type","seq");--> statement-breakpoint
CREATE INDEX "audit_events_client_idx" ON "audit_events" USING btree ("client_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_occurred_at_idx" ON "audit_events" USING btree ("occurred_at");--> statement-breakpoint
CREATE INDEX "incident_events_incident_idx" ON "incident_events" USING btree ("incident_id","occurred_at");--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","started_at");--> statement-breakpoint
CREATE INDEX "incidents_switch_idx" ON "incidents" USING btree ("kill_switch_id");