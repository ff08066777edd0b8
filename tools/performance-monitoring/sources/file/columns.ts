// Which field of an input file feeds each integration_logs column (docs/sources.md): the column's
// own name, else a name other loggers use for it, else what --map column=field says; and the
// boolean some loggers write instead of a status (`success`, `ok`), read as the outcome.
import { UsageError } from '../../base/errors.js';
import { forMessage } from '../../text/safe-text.js';

export const COLUMNS = ['source', 'operation', 'level', 'status', 'message', 'duration_ms', 'created_at'] as const;
export type Column = (typeof COLUMNS)[number];
/** What --map can name: a column, or `success` (the outcome boolean: false = failed). */
export const MAP_TARGETS = [...COLUMNS, 'success'] as const;
export type MapTarget = (typeof MAP_TARGETS)[number];

/** A column the file lacks, or a --map naming a field it lacks: exit 2, never a reason to repair the file. */
export class MissingField extends UsageError {}

/** --map column=field, as parsed. */
export interface FieldMapping {
  column: MapTarget;
  field: string;
}

/** Names other loggers write, in the order they are tried (docs/sources.md). */
export const ALIASES: Readonly<Record<MapTarget, readonly string[]>> = {
  source: ['service', 'svc', 'app'],
  operation: ['op', 'name', 'endpoint'],
  level: [],
  status: [],
  message: [],
  duration_ms: ['duration', 'latency_ms', 'elapsed', 'elapsed_ms'],
  created_at: ['timestamp', 'time', '@timestamp', 'ts'],
  success: ['ok'],
};

/** The field read for each target; null where the file has none. */
export type Fields = Record<MapTarget, string | null>;

/** Without a row to say otherwise (an empty file), every column is read by its own name. */
export const OWN_NAMES: Fields = Object.fromEntries(MAP_TARGETS.map((target) => [target, target])) as Fields;

/** Fields for a file whose field names are `available`; `shown` names the file in errors.
 *  A required column that cannot be found is exit 2 naming it, whatever the format. */
export function chooseFields(available: ReadonlySet<string>, mappings: readonly FieldMapping[], shown: string): Fields {
  const mapped = new Map(mappings.map((m) => [m.column, m.field]));
  const taken = new Set(mapped.values());
  const fields = {} as Fields;
  for (const target of MAP_TARGETS) {
    const explicit = mapped.get(target);
    if (explicit !== undefined) {
      if (!available.has(explicit))
        throw new MissingField(`${shown}: --map ${target}=${forMessage(explicit)}: the file has no field ${forMessage(explicit)}`);
      fields[target] = explicit;
      continue;
    }
    const candidates = [target, ...ALIASES[target]].filter((name) => !taken.has(name));
    fields[target] = candidates.find((name) => available.has(name)) ?? null;
  }
  for (const required of ['source', 'created_at'] as const) {
    if (fields[required] === null) throw new MissingField(`${shown}: ${missing(required)}`);
  }
  if (fields.duration_ms === null && fields.status === null && fields.success === null) {
    throw new MissingField(
      `${shown}: no 'duration_ms' or 'status' column (nor ${ALIASES.duration_ms.join(', ')}, success, ok), so no row is an operation; name one with --map duration_ms=<field>`,
    );
  }
  return fields;
}

function missing(column: Column): string {
  return `no '${column}' column (nor ${ALIASES[column].join(', ')}); name the field with --map ${column}=<field>`;
}

/** `source from 'service', created_at from 'timestamp'`: what was not read by its own name; '' when all were. */
export function describeFields(fields: Fields): string {
  return MAP_TARGETS.flatMap((target) => {
    const field = fields[target];
    // The outcome boolean is no column of the table: say it was read even under its own name.
    if (target === 'success' && field !== null) return [`failed from ${forMessage(field)} = false`];
    if (field === null || field === target) return [];
    return [`${target} from ${forMessage(field)}`];
  }).join(', ');
}
