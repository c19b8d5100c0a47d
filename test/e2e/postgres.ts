// Test and benchmark support (not a test): a real PostgreSQL (Debian's postgresql-15) in a temporary
// directory, run by a dedicated local user (postgres refuses to run as root), on a random port on 127.0.0.1,
// with password (SCRAM) authentication over TCP. Removed, user and all, by remove().
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './browser.js';
import { ensureUser, type TestUser } from './harness.js';

const BIN = '/usr/lib/postgresql/15/bin';

export class TestPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly user: string,
    readonly password: string,
    readonly database: string,
    private readonly owner: TestUser,
  ) {}

  /** `osUser` is the local account that runs the server; it is created if needed and removed by remove(). */
  static async start(osUser: string): Promise<TestPostgres> {
    const owner = ensureUser(osUser);
    const dir = mkdtempSync('/tmp/opendcv-pg-');
    chmodSync(dir, 0o700);
    chownSync(dir, owner.uid, owner.gid);
    const pw = join(dir, 'pw');
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    writeFileSync(pw, `${password}\n`);
    chownSync(pw, owner.uid, owner.gid);
    const pg = new TestPostgres(dir, await freePort(), 'dcvsm', password, 'dcvsm', owner);
    pg.as(`${BIN}/initdb`, [
      '-D',
      join(dir, 'data'),
      '-U',
      pg.user,
      `--pwfile=${pw}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '-N',
      '--no-instructions',
    ]);
    rmSync(pw);
    pg.startServer();
    pg.as(`${BIN}/psql`, [
      '-h',
      dir,
      '-p',
      String(pg.port),
      '-U',
      pg.user,
      '-d',
      'postgres',
      '-c',
      `CREATE DATABASE ${pg.database}`,
    ]);
    return pg;
  }

  private as(program: string, args: string[]): string {
    return execFileSync(
      'setpriv',
      [`--reuid=${this.owner.uid}`, `--regid=${this.owner.gid}`, '--init-groups', program, ...args],
      {
        cwd: this.dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  }

  startServer(): void {
    this.as(`${BIN}/pg_ctl`, [
      '-D',
      join(this.dir, 'data'),
      '-l',
      join(this.dir, 'log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`,
      'start',
    ]);
  }

  stop(): void {
    this.as(`${BIN}/pg_ctl`, ['-D', join(this.dir, 'data'), '-w', '-m', 'fast', 'stop']);
  }

  /** A fast restart: every connection is cut, as an administrator's `systemctl restart postgresql` does. */
  restart(): void {
    this.stop();
    this.startServer();
  }

  /** One SQL statement through psql, as the database owner; rows tab-separated. */
  sql(statement: string): string {
    return this.as(`${BIN}/psql`, [
      '-h',
      this.dir,
      '-p',
      String(this.port),
      '-U',
      this.user,
      '-d',
      this.database,
      '-At',
      '-F',
      '\t',
      '-c',
      statement,
    ]).trim();
  }

  /** The broker's jdbc-* keys for this database. */
  properties(): string {
    return `jdbc-connection-url = jdbc:postgresql://127.0.0.1:${this.port}/${this.database}\njdbc-user = ${this.user}\njdbc-password = ${this.password}\n`;
  }

  remove(): void {
    try {
      this.stop();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
    try {
      execFileSync('userdel', ['-r', this.owner.name], { stdio: 'ignore' });
    } catch {
      // in use elsewhere or already gone
    }
  }
}
