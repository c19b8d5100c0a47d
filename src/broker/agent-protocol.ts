// What the host agent and the broker say to each other on the agent connector (opendcv's own link; DCV
// Session Manager does not publish its agent protocol). The agent heartbeats its host's facts and sessions;
// the answer carries the work the broker's database holds for it. Pure types and validation, used by both ends.
import { z } from 'zod';
import { Endpoint, Host, KeyValuePair } from './api.js';

export const LocalSession = z.strictObject({
  Id: z.string(),
  Owner: z.string(),
  Type: z.enum(['Virtual', 'Console']),
  Name: z.string(),
  NumOfConnections: z.number().int().min(0),
  CreationTime: z.string(),
  LastDisconnectionTime: z.string(),
  StorageRoot: z.string(),
});
export type LocalSession = z.infer<typeof LocalSession>;

export const Heartbeat = z.strictObject({
  /** Absent on the first heartbeat of a new agent: the broker then assigns both. */
  ServerId: z.string().max(200).optional(),
  Secret: z.string().max(200).optional(),
  Hostname: z.string().max(255),
  Ip: z.string().max(64),
  Port: z.number().int().min(1).max(65535),
  WebUrlPath: z.string().max(1024),
  Endpoints: z.array(Endpoint).max(64),
  Version: z.string().max(64),
  AgentVersion: z.string().max(64),
  Host: Host,
  Tags: z.array(KeyValuePair).max(1000),
  /** Virtual sessions this host takes at most (dcv.conf's max-concurrent-sessions and agent.conf's max_virtual_sessions); 0 = no limit. */
  MaxSessions: z.number().int().min(0),
  MaxSessionsPerUser: z.number().int().min(0),
  Sessions: z.array(LocalSession).max(100_000),
  /** Grows with every heartbeat, across agent restarts: an older heartbeat arriving late changes nothing. */
  Seq: z.number().int().min(1),
  /** Sessions the agent is creating or closing right now: not work to hand out again. */
  InFlight: z.array(z.string()).max(100_000),
  /** Whether the broker may hold the answer until work arrives (a long poll of at most one heartbeat interval). */
  Wait: z.boolean(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const SessionToCreate = z.strictObject({
  Id: z.string(),
  Owner: z.string(),
  Type: z.enum(['Virtual', 'Console']),
  Name: z.string(),
  MaxConcurrentClients: z.number().int().nullable(),
  InitFile: z.string(),
  StorageRoot: z.string(),
  /** The permissions file's text (createSessions sends it base64-encoded), '' for the default. */
  Permissions: z.string(),
});
export type SessionToCreate = z.infer<typeof SessionToCreate>;

export const AgentRequest = z.discriminatedUnion('Kind', [
  z.strictObject({
    Id: z.string(),
    Kind: z.literal('get-screenshot'),
    SessionId: z.string(),
    MaxWidth: z.number().int().nullable(),
    MaxHeight: z.number().int().nullable(),
  }),
  z.strictObject({
    Id: z.string(),
    Kind: z.literal('set-permissions'),
    SessionId: z.string(),
    Permissions: z.string(),
  }),
]);
export type AgentRequest = z.infer<typeof AgentRequest>;

export const HeartbeatAnswer = z.strictObject({
  ServerId: z.string(),
  /** Only in the answer that registered the agent. */
  Secret: z.string().optional(),
  HeartbeatSeconds: z.number().int().min(1),
  Create: z.array(SessionToCreate),
  Delete: z.array(z.string()),
  Requests: z.array(AgentRequest),
});
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;

export const SessionFailed = z.strictObject({
  ServerId: z.string(),
  Secret: z.string(),
  SessionId: z.string(),
  Reason: z.string().max(2000),
});

export const RequestDone = z.strictObject({
  ServerId: z.string(),
  Secret: z.string(),
  Id: z.string(),
  Result: z.unknown().optional(),
  Error: z.string().max(2000).optional(),
});
