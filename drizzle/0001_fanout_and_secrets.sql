CREATE TABLE `secrets` (
	`name` varchar(64) NOT NULL,
	`value` varchar(255) NOT NULL,
	`created_at` datetime(3) NOT NULL,
	CONSTRAINT `secrets_name` PRIMARY KEY(`name`)
);
--> statement-breakpoint
ALTER TABLE `tasks` ADD `parent_attempt` smallint unsigned;--> statement-breakpoint
ALTER TABLE `tasks` ADD CONSTRAINT `tasks_child` UNIQUE(`parent_id`,`parent_component`,`parent_attempt`,`scene_index`);