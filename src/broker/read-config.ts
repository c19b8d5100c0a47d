// Reading the broker's and the agent's configuration files: a missing or unreadable file, or any bad line, is
// one catalogued error that lists every problem (file, line, key), so a service never starts half-configured.
import { readFileSync } from 'node:fs';
import { DcvError } from '../errors.js';
import type { HostPaths } from '../host-paths.js';
import { loadAgentConfig, type AgentConfig } from './agent-config.js';
import { loadBrokerConfig, type BrokerConfig } from './broker-config.js';

/** Reads and checks session-manager-broker.properties; a missing file is an error (it must name the database). */
export function readBrokerConfig(file: string): { config: BrokerConfig; warnings: readonly string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new DcvError(
      'BROKER_CONFIG_INVALID',
      `Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; it must name the database (jdbc-connection-url).`,
    );
  }
  const r = loadBrokerConfig(text, file);
  if (!r.ok)
    throw new DcvError(
      'BROKER_CONFIG_INVALID',
      `${r.errors.join('\n')}\n${file} has ${r.errors.length} error(s); the broker will not start until they are fixed.`,
    );
  return r;
}

export function readAgentConfig(paths: HostPaths): { config: AgentConfig; warnings: readonly string[] } {
  let text: string;
  try {
    text = readFileSync(paths.agentConfigFile, 'utf8');
  } catch (e) {
    throw new DcvError(
      'AGENT_CONFIG_INVALID',
      `Cannot read ${paths.agentConfigFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; it must name the broker ([agent] broker_host).`,
    );
  }
  const r = loadAgentConfig(text, paths.agentConfigFile, {
    tagsFolder: paths.agentTagsDir,
    initFolder: paths.agentInitDir,
  });
  if (!r.ok)
    throw new DcvError(
      'AGENT_CONFIG_INVALID',
      `${r.errors.join('\n')}\n${paths.agentConfigFile} has ${r.errors.length} error(s); the agent will not start until they are fixed.`,
    );
  return r;
}
