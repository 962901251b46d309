CREATE TABLE `webhook_attempts` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`event_id` bigint unsigned NOT NULL,
	`task_id` char(36) NOT NULL,
	`attempt` smallint unsigned NOT NULL,
	`url` varchar(2048) NOT NULL,
	`status_code` int,
	`error` varchar(1024),
	`ok` boolean NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `webhook_attempts_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `events` ADD `delivered_at` datetime(3);--> statement-breakpoint
ALTER TABLE `events` ADD `delivery_attempts` smallint unsigned DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `events` ADD `next_delivery_at` datetime(3);--> statement-breakpoint
CREATE INDEX `webhook_attempts_event` ON `webhook_attempts` (`event_id`);--> statement-breakpoint
CREATE INDEX `events_delivery` ON `events` (`delivered_at`,`next_delivery_at`);