CREATE TABLE "rate_limit_windows" (
	"key" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "rate_limit_windows_key_window_start_pk" PRIMARY KEY("key","window_start")
);
--> statement-breakpoint
CREATE INDEX "journal_sms_sent_recipient_idx" ON "journal_entries" USING btree ("company_id","recipient","created_at") WHERE "journal_entries"."status" = 'sent' and "journal_entries"."channel" = 'sms';--> statement-breakpoint
CREATE INDEX "journal_sms_sent_company_idx" ON "journal_entries" USING btree ("company_id","created_at") WHERE "journal_entries"."status" = 'sent' and "journal_entries"."channel" = 'sms';