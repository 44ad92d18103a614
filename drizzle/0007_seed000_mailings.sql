ALTER TABLE "companies" ADD COLUMN "legal_entities" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "sub_event_variable" text;--> statement-breakpoint
ALTER TABLE "event_types" ADD COLUMN "sub_events" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "extra_contact_ids" bigint[] DEFAULT '{}'::bigint[] NOT NULL;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "legal_entity_id" text;--> statement-breakpoint
-- Seed 000: a fixed address ("Адреса") has no name; stored greetings that would read "Здравствуйте, !" get a neutral form.
UPDATE "templates" SET
  "html" = replace("html", 'Здравствуйте, {{ recipient.name }}!', '{% if recipient.name != blank %}Здравствуйте, {{ recipient.name }}!{% else %}Здравствуйте!{% endif %}'),
  "text" = replace("text", 'Здравствуйте, {{ recipient.name }}!', '{% if recipient.name != blank %}Здравствуйте, {{ recipient.name }}!{% else %}Здравствуйте!{% endif %}')
WHERE "channel" = 'email' AND "audience" = 'client';
