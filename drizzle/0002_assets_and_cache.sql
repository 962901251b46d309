CREATE TABLE `assets` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`task_id` char(36) NOT NULL,
	`component` varchar(64) NOT NULL,
	`scene` int,
	`kind` varchar(32) NOT NULL,
	`provider` varchar(64) NOT NULL,
	`hash` char(64) NOT NULL,
	`path` varchar(1024) NOT NULL,
	`bytes` bigint unsigned NOT NULL,
	`latency_ms` int NOT NULL,
	`reused` boolean NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `assets_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `component_runs` ADD `cached` boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `assets_task` ON `assets` (`task_id`);--> statement-breakpoint
CREATE INDEX `assets_hash` ON `assets` (`hash`);