ALTER TABLE `tasks` DROP INDEX `tasks_child`;--> statement-breakpoint
ALTER TABLE `tasks` ADD `take` smallint unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `chosen` boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `title` varchar(200);--> statement-breakpoint
ALTER TABLE `tasks` ADD CONSTRAINT `tasks_child` UNIQUE(`parent_id`,`parent_component`,`parent_attempt`,`scene_index`,`take`);