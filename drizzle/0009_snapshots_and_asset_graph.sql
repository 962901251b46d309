CREATE TABLE `snapshots` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`contract` varchar(64) NOT NULL,
	`subject` char(36) NOT NULL,
	`parent` char(36),
	`body` json NOT NULL,
	`sha256` char(64) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `snapshots_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `assets` ADD `inputs` json;--> statement-breakpoint
ALTER TABLE `assets` ADD `stage` varchar(64);--> statement-breakpoint
ALTER TABLE `assets` ADD `scores` json;--> statement-breakpoint
CREATE INDEX `snapshots_subject` ON `snapshots` (`subject`,`id`);--> statement-breakpoint
CREATE INDEX `snapshots_parent` ON `snapshots` (`parent`,`id`);