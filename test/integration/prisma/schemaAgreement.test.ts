import path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases';
import { readPrismaModels, type PrismaField } from '../../helpers/prismaSchema';
import type { DatabaseKind } from '../../../prisma/migrate';
import { camelRow } from '../../../infrastructure/camelRow';

interface Column {
  table: string;
  column: string;
  dataType: string;
  nullable: boolean;
  maxLength: number | null;
}

// Which PostgreSQL types each Prisma scalar may live in.
const COMPATIBLE: Record<string, string[]> = {
  String: ['text', 'character varying'],
  Int: ['integer'],
  BigInt: ['bigint'],
  Float: ['double precision'],
  Boolean: ['boolean'],
  DateTime: ['timestamp without time zone'],
};

function expectedType(field: PrismaField): { types: string[]; maxLength: number | null } {
  const varchar = field.nativeType && /^VarChar\((\d+)\)$/.exec(field.nativeType);
  if (varchar) return { types: ['character varying'], maxLength: Number(varchar[1]) };
  if (field.type === 'String') return { types: ['text'], maxLength: null };
  return { types: COMPATIBLE[field.type] ?? [], maxLength: null };
}

describe.each<DatabaseKind>(['api', 'cell'])('the %s migrations and schema.prisma', (kind) => {
  let db: TestDatabase;
  let columns: Column[];
  const models = readPrismaModels(path.join(__dirname, '../../../prisma', kind, 'schema.prisma'));

  beforeAll(async () => {
    db = await createTestDatabase(kind, `agree_${kind}`);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const result = await client.query(
      `SELECT table_name, column_name, data_type, is_nullable, character_maximum_length
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    await client.end();
    columns = result.rows.map((row) => ({
      table: row.table_name,
      column: row.column_name,
      dataType: row.data_type,
      nullable: row.is_nullable === 'YES',
      maxLength: row.character_maximum_length,
    }));
  });
  afterAll(() => db?.drop());

  it('models every table the migrations create, and nothing more', () => {
    const tables = [...new Set(columns.map((c) => c.table))].sort();
    expect(models.map((m) => m.table).sort()).toEqual(tables);
  });

  it('maps every field to an existing column of a compatible type and nullability', () => {
    const problems: string[] = [];
    for (const model of models) {
      for (const field of model.fields) {
        const column = columns.find((c) => c.table === model.table && c.column === field.column);
        if (!column) {
          problems.push(`${model.name}.${field.name}: no column ${model.table}.${field.column}`);
          continue;
        }
        const expected = expectedType(field);
        if (!expected.types.includes(column.dataType))
          problems.push(`${model.table}.${field.column}: ${column.dataType}, schema says ${field.type}`);
        if (expected.maxLength !== column.maxLength)
          problems.push(
            `${model.table}.${field.column}: length ${column.maxLength}, schema says ${expected.maxLength}`,
          );
        if (column.nullable !== field.optional)
          problems.push(`${model.table}.${field.column}: nullable ${column.nullable}, schema says ${field.optional}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names every field the camelCase of its column, so raw SQL rows read as models (camelRow)', () => {
    const rows = models.flatMap((m) => m.fields.map((f) => ({ [f.column]: f.name })));
    expect(rows.map((row) => Object.keys(camelRow<Record<string, string>>(row))[0])).toEqual(
      rows.map((row) => Object.values(row)[0]),
    );
  });

  it('has a model field for every column', () => {
    const modelled = new Set(models.flatMap((m) => m.fields.map((f) => `${m.table}.${f.column}`)));
    expect(columns.map((c) => `${c.table}.${c.column}`).filter((c) => !modelled.has(c))).toEqual([]);
  });
});
