// What the configuration loader reports about a file: one diagnostic per problem, each naming the file,
// line, section and key, and its one-line rendering for logs and `dcv config check`.

export interface ConfigDiagnostic {
  /** An error stops the server from starting; a warning (e.g. an unknown key, which DCV ignores) does not. */
  severity: 'error' | 'warning';
  file: string;
  /** 1-based; 0 when the problem concerns the whole file. */
  line: number;
  /** '' when the problem is not inside a section (a line before the first header). */
  section: string;
  /** '' when the problem concerns a whole line or section rather than one key. */
  key: string;
  message: string;
}

/** `/etc/dcv/dcv.conf:12: [connectivity] web-port: 70000 is out of range (1024-65535)`; warnings say so after the location. */
export function formatDiagnostic(d: ConfigDiagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:` : `${d.file}:`;
  const severity = d.severity === 'warning' ? ' warning:' : '';
  const section = d.section !== '' ? ` [${d.section}]` : '';
  const key = d.key !== '' ? ` ${d.key}:` : '';
  return `${where}${severity}${section}${key} ${d.message}`;
}

export function hasErrors(diagnostics: readonly ConfigDiagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
