// ANSI colours for the text report: one style per tint, each a no-op when colour is off
// (no terminal, --no-color, NO_COLOR; docs/cli.md).
import type { Tint } from '../report/style.js';

export type Colors = Record<Tint | 'bold', (text: string) => string>;

// SGR on/off pairs; closing with the specific "off" code keeps nested styles intact.
const SGR = { bold: [1, 22], green: [32, 39], yellow: [33, 39], red: [31, 39] } as const;

function style(enabled: boolean, [on, off]: readonly [number, number]): (text: string) => string {
  return enabled ? (text) => `\u001b[${on}m${text}\u001b[${off}m` : (text) => text;
}

/** ANSI styles; with `enabled` false every style returns its text untouched. */
export function createColors(enabled: boolean): Colors {
  return {
    bold: style(enabled, SGR.bold),
    green: style(enabled, SGR.green),
    yellow: style(enabled, SGR.yellow),
    red: style(enabled, SGR.red),
  };
}
