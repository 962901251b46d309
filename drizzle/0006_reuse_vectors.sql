CREATE TABLE `request_vectors` (
	`task_id` char(36) NOT NULL,
	`settings_hash` char(64) NOT NULL,
	`embedder` varchar(128) NOT NULL,
	`bucket` varchar(64) NOT NULL,
	`vector` mediumtext NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `request_vectors_task_id` PRIMARY KEY(`task_id`)
);
--> statement-breakpoint
ALTER TABLE `tasks` ADD `reused_from` char(36);--> statement-breakpoint
CREATE INDEX `request_vectors_lookup` ON `request_vectors` (`settings_hash`,`embedder`,`bucket`,`created_at`);