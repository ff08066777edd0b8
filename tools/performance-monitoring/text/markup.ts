// Text from logs or the database (service, operation names, error messages) is untrusted:
// these helpers make it inert in Slack mrkdwn and in HTML (SPEC §9).

/**
 * Slack treats `&`, `<` and `>` as control characters (`<!channel>`, `<url|label>`); its
 * formatting docs say to send them as HTML entities. `*bold*`/`_x_` stay cosmetic: Slack has no
 * escape for them and they cannot ping anyone or add a link.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * One line, at most `max` characters: log messages can be multi-line stack traces or megabytes
 * long. Clip before escaping, so an entity is never cut in half.
 */
export function clip(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Joins lines under `limit` characters; what does not fit becomes "…and N more", so a long
 * list never breaks Slack's per-text limit nor silently loses items.
 */
export function fitLines(lines: string[], limit: number, separator = '\n'): string {
  const kept: string[] = [];
  let length = 0;
  for (const [index, line] of lines.entries()) {
    const remaining = lines.length - index - 1;
    const tail = remaining > 0 ? `${separator}…and ${remaining} more`.length : 0;
    const added = (kept.length > 0 ? separator.length : 0) + line.length;
    if (length + added + tail > limit) {
      const more = `…and ${lines.length - index} more`;
      return kept.length > 0 ? `${kept.join(separator)}${separator}${more}` : more;
    }
    kept.push(line);
    length += added;
  }
  return kept.join(separator);
}
