// The project's own documentation held to the code: the options page lists exactly the option
// table's flags and defaults, the design map names only files that exist, and nothing cites a
// document outside the repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { flagOf, OPTIONS, type OptionName } from '../cli/options.js';
import { fieldRows, loadSchema, renderJsonDoc } from '../harness/json-doc.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'results') return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('docs/cli.md', () => {
  const rows = read('docs/cli.md')
    .split('\n')
    .filter((line) => line.startsWith('| `--'))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  const documented = new Map(rows.map((cells) => [(cells[1] ?? '').replace(/`/g, '').split(' ')[0], cells[3] ?? '']));

  it('lists every option of the table, and nothing else', () => {
    const flags = (Object.keys(OPTIONS) as OptionName[]).map(flagOf).sort();
    expect([...documented.keys()].sort()).toEqual(flags);
  });

  it('gives each option the default the table declares', () => {
    for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, (typeof OPTIONS)[OptionName]][]) {
      if ('default' in spec) expect(documented.get(flagOf(name)), flagOf(name)).toBe(spec.default);
    }
  });
});

describe('docs/design.md', () => {
  // A path is from the tool's folder; a bare file name in a table row is in the folder that row
  // names first (`| \`sources/sql/\` | \`aggregate.ts\` ... |`), elsewhere anywhere in the tree.
  const everyName = new Set(filesUnder(ROOT).map((path) => path.slice(path.lastIndexOf('/') + 1)));
  const missing = (line: string): string[] => {
    const names = [...line.matchAll(/`([\w./-]+\/[\w.-]*|[\w-]+\.(?:ts|mjs|sql|json|md))`/g)].map((m) => m[1] ?? '');
    const folder = line.startsWith('| `') && names[0]?.endsWith('/') ? names[0] : null;
    return names.filter((name) => {
      if (name.includes('/')) return !existsSync(join(ROOT, name));
      return folder === null ? !everyName.has(name) : !existsSync(join(ROOT, folder, name));
    });
  };

  it('names only files and folders that exist', () => {
    const lines = read('docs/design.md').split('\n');
    expect(lines.flatMap((line) => missing(line))).toEqual([]);
  });
});

describe('docs/json.md', () => {
  it('documents every field of report.schema.json, each with a description', () => {
    const rows = fieldRows(loadSchema());
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.filter((row) => row.description === '').map((row) => row.path)).toEqual([]);
  });

  it('is what `npm run docs:json` writes from the schema', () => {
    expect(read('docs/json.md')).toBe(renderJsonDoc(loadSchema()));
  });
});

describe('citations', () => {
  it('no file of the tool cites a document outside the repository', () => {
    const citing = filesUnder(ROOT)
      .filter((path) => /\.(ts|md|sql|js|css|json|sh|py)$/.test(path))
      // This file names the word it looks for.
      .filter((path) => path !== fileURLToPath(import.meta.url) && /\bSPEC\b/.test(readFileSync(path, 'utf8')))
      .map((path) => relative(ROOT, path));
    expect(citing).toEqual([]);
  });
});
