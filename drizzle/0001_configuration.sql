CREATE TABLE "config_changes" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"company_id" text NOT NULL,
	"actor" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text NOT NULL,
	"action" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "counterparty_overrides" (
	"company_id" text NOT NULL,
	"counterparty_id" text NOT NULL,
	"event_type" text NOT NULL,
	"send" boolean NOT NULL,
	"templates" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attachments" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "counterparty_overrides_company_id_counterparty_id_event_type_pk" PRIMARY KEY("company_id","counterparty_id","event_type")
);
--> statement-breakpoint
CREATE TABLE "providers" (
	"company_id" text NOT NULL,
	"id" text NOT NULL,
	"kind" text NOT NULL,
	"name" text NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secrets" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "providers_company_id_id_pk" PRIMARY KEY("company_id","id")
);
--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "primary_sms_provider_id" text;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "reserve_channel" text DEFAULT 'sms';--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "balance_threshold" integer;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "admin_email" text;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "telegram" jsonb DEFAULT '{"chatWithClient":false,"autoReply":""}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "companies" ADD COLUMN "secrets" text;--> statement-breakpoint
ALTER TABLE "contacts" ADD COLUMN "telegram_link_token" text;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "source" text DEFAULT 'custom' NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "variables" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "confirm_before_send" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "confirm_timeout_seconds" integer DEFAULT 86400 NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "send_to_manager" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "tracked_by_manager" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "default_send_for_new_clients" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "email_delivery" text DEFAULT 'immediate' NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "manager_channels" text[] DEFAULT '{email}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "from_name" text;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "extra_recipients" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "providers" ADD CONSTRAINT "providers_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "config_changes_entity_idx" ON "config_changes" USING btree ("company_id","entity","entity_id","id");