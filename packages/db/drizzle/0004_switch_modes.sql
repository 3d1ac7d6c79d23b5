ALTER TABLE "kill_switch_history" DROP CONSTRAINT "kill_switch_history_action_valid";--> statement-breakpoint
ALTER TABLE "kill_switches" ADD COLUMN "mode" varchar(10) DEFAULT 'halt' NOT NULL;--> statement-breakpoint
ALTER TABLE "kill_switches" ADD COLUMN "allow_actions" jsonb;--> statement-breakpoint
ALTER TABLE "kill_switches" ADD COLUMN "fraction" double precision;--> statement-breakpoint
ALTER TABLE "kill_switches" ADD COLUMN "restart" jsonb;--> statement-breakpoint
ALTER TABLE "kill_switch_history" ADD CONSTRAINT "kill_switch_history_action_valid" CHECK ("kill_switch_history"."action" IN ('created', 'activated', 'deactivated', 'expired', 'updated', 'restart_started', 'restart_step'));--> statement-breakpoint
ALTER TABLE "kill_switches" ADD CONSTRAINT "kill_switches_mode_valid" CHECK ("kill_switches"."mode" IN ('halt', 'reduce', 'throttle'));--> statement-breakpoint
ALTER TABLE "kill_switches" ADD CONSTRAINT "kill_switches_fraction_range" CHECK ("kill_switches"."fraction" IS NULL OR ("kill_switches"."fraction" >= 0 AND "kill_switches"."fraction" <= 1));