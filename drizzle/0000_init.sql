CREATE TABLE `answer_rejections` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`task_id` char(36) NOT NULL,
	`component` varchar(64) NOT NULL,
	`attempt` smallint unsigned NOT NULL,
	`reason` varchar(32) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `answer_rejections_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `component_runs` (
	`task_id` char(36) NOT NULL,
	`component` varchar(64) NOT NULL,
	`attempt` smallint unsigned NOT NULL,
	`status` varchar(16) NOT NULL,
	`executions` smallint unsigned NOT NULL,
	`worker` varchar(255),
	`output` json,
	`error` json,
	`queued_at` datetime(3) NOT NULL,
	`started_at` datetime(3),
	`finished_at` datetime(3),
	CONSTRAINT `component_runs_task_id_component_attempt_pk` PRIMARY KEY(`task_id`,`component`,`attempt`)
);
--> statement-breakpoint
CREATE TABLE `events` (
	`id` bigint unsigned AUTO_INCREMENT NOT NULL,
	`task_id` char(36) NOT NULL,
	`type` varchar(32) NOT NULL,
	`slot_word` bigint unsigned NOT NULL,
	`component` varchar(64),
	`attempt` smallint unsigned,
	`data` json,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `events_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
CREATE TABLE `flow_versions` (
	`hash` char(64) NOT NULL,
	`name` varchar(64) NOT NULL,
	`version` int NOT NULL,
	`content` json NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `flow_versions_hash` PRIMARY KEY(`hash`)
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` char(36) NOT NULL,
	`parent_id` char(36),
	`parent_component` varchar(64),
	`scene_index` int,
	`flow_name` varchar(64) NOT NULL,
	`flow_hash` char(64) NOT NULL,
	`slot_word` bigint unsigned NOT NULL,
	`in_flight` bigint unsigned NOT NULL,
	`version` int unsigned NOT NULL,
	`attempts` json NOT NULL,
	`phase` varchar(16) NOT NULL,
	`status` varchar(64) NOT NULL,
	`input` json NOT NULL,
	`idempotency_key` varchar(255),
	`callback_url` varchar(2048),
	`error` json,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `tasks_id` PRIMARY KEY(`id`),
	CONSTRAINT `tasks_idempotency_key` UNIQUE(`idempotency_key`)
);
--> statement-breakpoint
CREATE INDEX `answer_rejections_task` ON `answer_rejections` (`task_id`);--> statement-breakpoint
CREATE INDEX `events_task` ON `events` (`task_id`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_phase_updated` ON `tasks` (`phase`,`updated_at`);--> statement-breakpoint
CREATE INDEX `tasks_status_created` ON `tasks` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_created` ON `tasks` (`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_parent` ON `tasks` (`parent_id`);