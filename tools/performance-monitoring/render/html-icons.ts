// The HTML report's status icons drawn by CSS (page.css `.icon-*`), not by an emoji font: servers,
// CI runners and headless browsers often have none, and an emoji there is an empty box. The
// emoji stays as the element's text (copy, search, screen readers get a label), painted over.

/** Each icon the report uses (report/style.ts, the outline, gates), its CSS shape and its label. */
const ICONS = {
  '🟢': ['dot-ok', 'excellent'],
  '🟡': ['dot-warn', 'good'],
  '🔴': ['dot-bad', 'needs attention'],
  '✅': ['check', 'ok'],
  '⚠️': ['warning', 'issues'],
  '❌': ['cross', 'failed'],
  '📈': ['up', 'improving'],
  '📉': ['down', 'degrading'],
  '➡️': ['flat', 'stable'],
  '💡': ['idea', 'recommendation'],
  '🆕': ['new', 'new'],
} as const satisfies Record<string, readonly [shape: string, label: string]>;

type Icon = keyof typeof ICONS;

const ICON_PATTERN = new RegExp(Object.keys(ICONS).join('|'), 'gu');

/** The report's own icons in rendered HTML as CSS-drawn spans: in text between tags only, never
 *  inside a tag (an attribute value), and after log text went through textWithoutIcons, so an
 *  emoji a log line holds is never restyled. Escaped text holds no `<` or `>`: the tags are ours. */
export function drawIcons(html: string): string {
  return html
    .split(/(<[^>]*>)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(ICON_PATTERN, iconSpan)))
    .join('');
}

function iconSpan(icon: string): string {
  const [shape, label] = ICONS[icon as Icon];
  return `<span class="icon icon-${shape}" role="img" aria-label="${label}">${icon}</span>`;
}

/** Escaped log text with those emoji as character references: the browser shows the same
 *  characters, and drawIcons leaves them alone. */
export function textWithoutIcons(escaped: string): string {
  return escaped.replace(ICON_PATTERN, (icon) => [...icon].map((c) => `&#x${c.codePointAt(0)?.toString(16)};`).join(''));
}
