// What a `[connectivity] web-listen-endpoints` entry means, and how a host and port are written back: shared
// by the server that listens, the upgrade that probes it and `dcv list-endpoints` that prints it.

/** One `web-listen-endpoints` entry: `addr`, `addr:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
export function parseListenEndpoint(spec: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(spec);
  if (bracketed !== null)
    return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const v4 = /^([^:]+)(?::(\d+))?$/.exec(spec);
  if (v4 !== null) return { host: v4[1]!, port: v4[2] ? Number(v4[2]) : defaultPort };
  return { host: spec, port: defaultPort }; // a bare IPv6 address
}

/** `host:port` as a URL or a log names it: an IPv6 host in brackets (the inverse of parseListenEndpoint). */
export function formatHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
