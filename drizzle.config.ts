import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'mysql',
  schema: './src/adapters/mysql/schema.ts',
  out: './drizzle',
  dbCredentials: { url: process.env.SLOTFLOW_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/slotflow' },
});
