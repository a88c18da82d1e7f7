import { readFileSync } from 'node:fs';

/** One scalar field of a Prisma model, as the agreement test needs it. */
export interface PrismaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  nativeType?: string;
}

export interface PrismaModel {
  name: string;
  table: string;
  fields: PrismaField[];
}

const SCALARS = new Set(['String', 'Int', 'BigInt', 'Float', 'Boolean', 'DateTime', 'Decimal', 'Json', 'Bytes']);

/** Reads the models of a schema.prisma: table names, scalar fields, column names, native types. */
export function readPrismaModels(file: string): PrismaModel[] {
  const text = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
  const models: PrismaModel[] = [];
  for (const match of text.matchAll(/model\s+(\w+)\s*\{([^}]*)\}/g)) {
    const [, name, body] = match;
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name;
    const fields: PrismaField[] = [];
    for (const line of body.split('\n').map((l) => l.trim())) {
      const field = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
      if (!field || line.startsWith('@@')) continue;
      const [, fieldName, type, list, optional, rest] = field;
      if (!SCALARS.has(type) || list) continue;
      fields.push({
        name: fieldName,
        column: /@map\("([^"]+)"\)/.exec(rest)?.[1] ?? fieldName,
        type,
        optional: Boolean(optional),
        nativeType: /@db\.(\w+(?:\(\d+\))?)/.exec(rest)?.[1],
      });
    }
    models.push({ name, table, fields });
  }
  return models;
}
