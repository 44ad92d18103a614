CREATE TABLE "send_attempts" (
	"step_key" text PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"channel" text NOT NULL,
	"state" text DEFAULT 'sending' NOT NULL,
	"provider" text,
	"provider_message_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"parts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "resend_when_unknown" boolean DEFAULT false NOT NULL;