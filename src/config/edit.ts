// Changing one key of a dcv.conf as text (`dcv set-config`): the assignment that wins is rewritten in place,
// or the key is added to its group, or the group to the end; every other byte — comments, order, spacing,
// repeated groups, keys opendcv does not know — stays as the administrator wrote it.

const HEADER = /^\s*\[([^\]]*)\]\s*$/;
const ASSIGNMENT = /^(\s*)([^=#\s][^=]*?)(\s*=\s*)(.*)$/;

/** `text` with `[section] key` set to `value` (already GVariant text), the rest untouched. */
export function setKeyInText(text: string, section: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  // A final newline leaves an empty last element; it is put back on join.
  const trailing = lines.length > 0 && lines[lines.length - 1] === '' ? lines.pop() : undefined;
  let group = '';
  let winner = -1;
  let lastBlockEnd = -1; // last non-blank line of the group's last block
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = HEADER.exec(line);
    if (header) {
      group = header[1]!.trim();
      if (group === section) lastBlockEnd = i;
      continue;
    }
    if (group !== section) continue;
    if (line.trim() !== '') lastBlockEnd = i;
    const a = ASSIGNMENT.exec(line);
    if (a && a[2] === key) winner = i; // GLib: the last assignment wins
  }
  if (winner >= 0) {
    const a = ASSIGNMENT.exec(lines[winner]!)!;
    lines[winner] = `${a[1]}${a[2]}${a[3]}${value}`;
  } else if (lastBlockEnd >= 0) {
    lines.splice(lastBlockEnd + 1, 0, `${key}=${value}`);
  } else {
    if (lines.length > 0 && lines[lines.length - 1]!.trim() !== '') lines.push('');
    lines.push(`[${section}]`, `${key}=${value}`);
    return lines.join(eol) + eol;
  }
  return lines.join(eol) + (trailing !== undefined ? eol : '');
}
