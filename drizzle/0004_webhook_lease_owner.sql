ALTER TABLE `events` ADD `lease_owner` char(36);--> statement-breakpoint
CREATE INDEX `events_lease` ON `events` (`lease_owner`);