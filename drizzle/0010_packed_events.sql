-- Events are packed: one row per write of a task, holding that write's events in order (src/core/ports/event-rows.ts).
-- Every row written before becomes a row of one event that keeps its id as the event's id (legacy), and keeps its
-- webhook delivery state: delivered or not, attempts so far, lease.
ALTER TABLE `events` ADD `items` json;--> statement-breakpoint
ALTER TABLE `events` ADD `event_count` smallint unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `legacy` boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `delivered_count` smallint unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE `events` SET
  `items` = JSON_ARRAY(JSON_OBJECT('type', `type`, 'slot_word', CAST(`slot_word` AS CHAR), 'component', `component`,
    'attempt', `attempt`, 'data', JSON_EXTRACT(`data`, '$'))),
  `legacy` = true,
  `delivered_count` = IF(`delivered_at` IS NULL, 0, 1);--> statement-breakpoint
ALTER TABLE `events` MODIFY `items` json NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ALTER `event_count` DROP DEFAULT;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `type`;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `slot_word`;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `component`;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `attempt`;--> statement-breakpoint
ALTER TABLE `events` DROP COLUMN `data`;
