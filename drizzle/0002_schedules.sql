CREATE TABLE "sms_balance_alerts" (
	"company_id" text PRIMARY KEY NOT NULL,
	"below" boolean DEFAULT false NOT NULL,
	"episode" integer DEFAULT 0 NOT NULL,
	"alerted_episode" integer,
	"last_amount" double precision,
	"last_threshold" integer,
	"checked_at" timestamp with time zone,
	"alerted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "journal_entries" ADD COLUMN "claim_token" text;--> statement-breakpoint
ALTER TABLE "journal_entries" ADD COLUMN "claimed_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "journal_entries" ADD COLUMN "dispatched_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sms_balance_alerts" ADD CONSTRAINT "sms_balance_alerts_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "journal_email_outbox_idx" ON "journal_entries" USING btree ("id") WHERE "journal_entries"."status" = 'queued' and "journal_entries"."channel" = 'email' and "journal_entries"."dispatched_at" is null;