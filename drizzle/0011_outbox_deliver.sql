-- The webhook outbox claims only the event rows that have something to post (`deliver`: their task has a
-- callback_url), through events_outbox, instead of every undelivered row of every task checked against tasks.
-- Rows already there: those not delivered yet of tasks with a callback_url.
DROP INDEX `events_delivery` ON `events`;--> statement-breakpoint
ALTER TABLE `events` ADD `deliver` boolean DEFAULT false NOT NULL;--> statement-breakpoint
UPDATE `events` e JOIN `tasks` t ON t.`id` = e.`task_id` SET e.`deliver` = true
  WHERE e.`delivered_at` IS NULL AND t.`callback_url` IS NOT NULL;--> statement-breakpoint
CREATE INDEX `events_outbox` ON `events` (`deliver`,`delivered_at`,`id`);
