import { migrate, type DatabaseKind } from './migrate';

// `npm run migrate -- <api|cell> <database-url>`: applies pending migrations to one database.
async function main(): Promise<void> {
  const [kind, url] = process.argv.slice(2);
  if ((kind !== 'api' && kind !== 'cell') || !url) {
    console.error('usage: npm run migrate -- <api|cell> <postgresql://…/database>');
    process.exit(2);
  }
  const result = await migrate(url, kind as DatabaseKind);
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
