// Writes docs/json.md's field table from report.schema.json (`npm run docs:json`): every field of
// the JSON report with its type and the schema's own description, so a field added to the schema
// is documented by the description it must carry anyway, and the page cannot fall behind.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCHEMA_FILE = fileURLToPath(new URL('../report.schema.json', import.meta.url));
export const JSON_DOC_FILE = fileURLToPath(new URL('../docs/json.md', import.meta.url));

interface SchemaNode {
  description?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  $ref?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

interface Schema extends SchemaNode {
  $defs: Record<string, SchemaNode>;
}

export interface FieldRow {
  path: string;
  type: string;
  description: string;
}

const HEAD = `# The JSON report's fields

\`--format json\` prints one object described by [\`report.schema.json\`](../report.schema.json)
(JSON Schema 2020-12). Milliseconds are rounded to 0.1, percentages and deductions to 0.01, Apdex
to 0.001 (half away from zero); times are UTC ISO-8601 with milliseconds. Scripts read the fields
below; \`--compact\` prints the same object on one line.

\`\`\`bash
npx tsx tools/performance-monitoring/monitor.ts --demo --format json | jq '.services[] | {service, p95: .performance.p95Duration}'
\`\`\`

<!-- Generated from report.schema.json by \`npm run docs:json\`: edit the schema's descriptions, not this table. -->

| field | type | meaning |
|---|---|---|
`;

function resolve(schema: Schema, node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  const target = schema.$defs[node.$ref.replace('#/$defs/', '')];
  if (target === undefined) throw new Error(`report.schema.json: no $defs for ${node.$ref}`);
  // The field's own description wins over its definition's (a timestamp says which time it is).
  return { ...resolve(schema, target), ...(node.description === undefined ? {} : { description: node.description }) };
}

/** The variants a field may take (`anyOf: [null, X]`), resolved. */
function variants(schema: Schema, node: SchemaNode): SchemaNode[] {
  const resolved = resolve(schema, node);
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  return alternatives === undefined ? [resolved] : alternatives.flatMap((alternative) => variants(schema, alternative));
}

function typeOf(schema: Schema, node: SchemaNode): string {
  const names = variants(schema, node).map((variant) => {
    if (variant.const !== undefined) return JSON.stringify(variant.const);
    if (variant.enum !== undefined) return variant.enum.map((value) => JSON.stringify(value)).join(' \\| ');
    if (variant.items !== undefined) return 'array';
    return Array.isArray(variant.type) ? variant.type.join(' \\| ') : (variant.type ?? 'any');
  });
  return [...new Set(names)].join(' \\| ');
}

/** Every field, depth first in the schema's order: objects' properties, arrays' items (`[]`). */
export function fieldRows(schema: Schema, node: SchemaNode = schema, prefix = ''): FieldRow[] {
  return variants(schema, node).flatMap((variant) => {
    const properties = variant.properties ?? (variant.items ? resolve(schema, variant.items).properties : undefined);
    const at = variant.items ? `${prefix}[]` : prefix;
    return Object.entries(properties ?? {}).flatMap(([name, child]) => {
      const path = at === '' ? name : `${at}.${name}`;
      const description = (resolve(schema, child).description ?? '').replace(/\s+/g, ' ').trim();
      return [{ path, type: typeOf(schema, child), description }, ...fieldRows(schema, child, path)];
    });
  });
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

export function renderJsonDoc(schema: Schema): string {
  const seen = new Set<string>();
  const rows = fieldRows(schema).filter((row) => !seen.has(row.path) && seen.add(row.path));
  return `${HEAD}${rows.map((row) => `| \`${row.path}\` | ${row.type} | ${cell(row.description)} |`).join('\n')}\n`;
}

export function loadSchema(): Schema {
  return JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Schema;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(JSON_DOC_FILE, renderJsonDoc(loadSchema()));
  process.stderr.write(`wrote ${JSON_DOC_FILE}\n`);
}
