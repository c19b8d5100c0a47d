// DCV Session Manager's REST API as types and validation (written from its public OpenAPI 3.0 spec, 2023.0):
// every request the broker accepts and every response it sends. Pure: no I/O. Field names are the spec's.
import { z } from 'zod';

export const SESSION_STATES = ['CREATING', 'READY', 'DELETING', 'DELETED', 'UNKNOWN'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Server availability and why not, as DCV Session Manager names them. */
export const AVAILABILITIES = ['AVAILABLE', 'UNAVAILABLE'] as const;
export const UNAVAILABILITY_REASONS = [
  'SERVER_FULL',
  'SERVER_CLOSED',
  'UNREACHABLE_AGENT',
  'UNHEALTHY_DCV_SERVER',
  'UNKNOWN',
] as const;

// ---- components -----------------------------------------------------------------------------------------

export const KeyValuePair = z.strictObject({ Key: z.string().optional(), Value: z.string().optional() });

const int = z.number().int();

export const Endpoint = z.strictObject({
  IpAddress: z.string().optional(),
  Port: int.optional(),
  WebUrlPath: z.string().optional(),
  Protocol: z.string().optional(),
});

const Bytes = z.strictObject({ TotalBytes: int.optional(), UsedBytes: int.optional() });

export const Host = z.strictObject({
  Os: z
    .strictObject({
      Family: z.string().optional(),
      Name: z.string().optional(),
      Version: z.string().optional(),
      KernelVersion: z.string().optional(),
      BuildNumber: z.string().optional(),
    })
    .optional(),
  Memory: Bytes.optional(),
  Swap: Bytes.optional(),
  Aws: z
    .strictObject({
      Region: z.string().optional(),
      EC2InstanceType: z.string().optional(),
      EC2InstanceId: z.string().optional(),
      EC2ImageId: z.string().optional(),
    })
    .optional(),
  CpuInfo: z
    .strictObject({
      Vendor: z.string().optional(),
      ModelName: z.string().optional(),
      Architecture: z.string().optional(),
      NumberOfCpus: int.optional(),
      PhysicalCoresPerCpu: int.optional(),
    })
    .optional(),
  CpuLoadAverage: z
    .strictObject({
      OneMinute: z.number().optional(),
      FiveMinutes: z.number().optional(),
      FifteenMinutes: z.number().optional(),
    })
    .optional(),
  Gpus: z
    .array(z.strictObject({ Vendor: z.string().optional(), ModelName: z.string().optional() }))
    .optional(),
  LoggedInUsers: z.array(z.strictObject({ Username: z.string().optional() })).optional(),
});
export type Host = z.infer<typeof Host>;

export const Server = z.strictObject({
  Id: z.string().optional(),
  Ip: z.string().optional(),
  Hostname: z.string().optional(),
  DefaultDnsName: z.string().optional(),
  Port: z.string().optional(),
  Endpoints: z.array(Endpoint).optional(),
  WebUrlPath: z.string().optional(),
  Version: z.string().optional(),
  SessionManagerAgentVersion: z.string().optional(),
  Availability: z.enum(AVAILABILITIES).optional(),
  UnavailabilityReason: z.enum(UNAVAILABILITY_REASONS).optional(),
  ConsoleSessionCount: int.optional(),
  VirtualSessionCount: int.optional(),
  Host: Host.optional(),
  Tags: z.array(KeyValuePair).optional(),
});
export type Server = z.infer<typeof Server>;

const dateTime = z.iso.datetime({ offset: true });

export const Session = z.strictObject({
  Id: z.string().optional(),
  Name: z.string().optional(),
  Owner: z.string().optional(),
  Server: Server.optional(),
  Type: z.enum(['Virtual', 'Console']).optional(),
  MaxConcurrentClients: int.optional(),
  State: z.enum(SESSION_STATES).optional(),
  Substate: z.string().optional(),
  StateReason: z.string().optional(),
  CreationTime: dateTime.optional(),
  LastDisconnectionTime: dateTime.optional(),
  NumOfConnections: int.optional(),
  StorageRoot: z.string().optional(),
});
export type Session = z.infer<typeof Session>;

// ---- requests (strict: an unknown field is a typo the caller hears about, not a silently ignored wish) ----

const maxResults = int
  .min(1, 'MaxResults must be between 1 and 1000')
  .max(1000, 'MaxResults must be between 1 and 1000');

export const DescribeSessionsRequest = z.strictObject({
  SessionIds: z.array(z.string()).optional(),
  Filters: z.array(KeyValuePair).optional(),
  MaxResults: maxResults.optional(),
  NextToken: z.string().optional(),
});
export type DescribeSessionsRequest = z.infer<typeof DescribeSessionsRequest>;

export const DescribeServersRequest = z.strictObject({
  ServerIds: z.array(z.string()).optional(),
  MaxResults: maxResults.optional(),
  NextToken: z.string().optional(),
});
export type DescribeServersRequest = z.infer<typeof DescribeServersRequest>;

export const CreateSessionRequestData = z.strictObject({
  Name: z.string().optional(),
  Owner: z.string().optional(),
  Type: z.string().optional(),
  DcvGlEnabled: z.boolean().optional(),
  MaxConcurrentClients: int.min(0).optional(),
  InitFilePath: z.string().optional(),
  InitFile: z.string().optional(),
  AutorunFile: z.string().optional(),
  AutorunFileArguments: z.array(z.string()).optional(),
  PermissionsFile: z.string().optional(),
  Requirements: z.string().optional(),
  EnqueueRequest: z.boolean().optional(),
  DisableRetryOnFailure: z.boolean().optional(),
  StorageRoot: z.string().optional(),
});
export type CreateSessionRequestData = z.infer<typeof CreateSessionRequestData>;
export const CreateSessionsRequest = z
  .array(CreateSessionRequestData)
  .min(1, 'at least one session is required');

export const DeleteSessionRequestData = z.strictObject({
  SessionId: z.string().optional(),
  Owner: z.string().optional(),
  Force: z.boolean().optional(),
});
export const DeleteSessionsRequest = z
  .array(DeleteSessionRequestData)
  .min(1, 'at least one session is required');

export const UpdateSessionPermissionsRequestData = z.strictObject({
  SessionId: z.string().optional(),
  Owner: z.string().optional(),
  PermissionsFile: z.string().optional(),
});
export const UpdateSessionPermissionsRequest = z.array(UpdateSessionPermissionsRequestData).min(1);

export const GetSessionScreenshotRequestData = z.strictObject({
  SessionId: z.string().optional(),
  MaxWidth: int.min(1).nullable().optional(),
  MaxHeight: int.min(1).nullable().optional(),
});
export const GetSessionScreenshotsRequest = z.array(GetSessionScreenshotRequestData).min(1);

export const OpenServerRequestData = z.strictObject({ ServerId: z.string().optional() });
export const OpenServersRequest = z.array(OpenServerRequestData).min(1);
export const CloseServerRequestData = z.strictObject({
  ServerId: z.string().optional(),
  Force: z.boolean().optional(),
});
export const CloseServersRequest = z.array(CloseServerRequestData).min(1);

// ---- responses ------------------------------------------------------------------------------------------

export const DescribeSessionsResponse = z.strictObject({
  RequestId: z.string().optional(),
  Sessions: z.array(Session).optional(),
  NextToken: z.string().optional(),
});
export const DescribeServersResponse = z.strictObject({
  RequestId: z.string().optional(),
  Servers: z.array(Server).optional(),
  NextToken: z.string().optional(),
});
export const CreateSessionsResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z.array(Session).optional(),
  UnsuccessfulList: z
    .array(
      z.strictObject({
        CreateSessionRequestData: CreateSessionRequestData.optional(),
        FailureReason: z.string().optional(),
      }),
    )
    .optional(),
});
export const DeleteSessionsResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z
    .array(z.strictObject({ SessionId: z.string().optional(), State: z.enum(SESSION_STATES).optional() }))
    .optional(),
  UnsuccessfulList: z
    .array(z.strictObject({ SessionId: z.string().optional(), FailureReason: z.string().optional() }))
    .optional(),
});
export const UpdateSessionPermissionsResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z.array(z.strictObject({ SessionId: z.string().optional() })).optional(),
  UnsuccessfulList: z
    .array(z.strictObject({ SessionId: z.string().optional(), FailureReason: z.string().optional() }))
    .optional(),
});
export const GetSessionConnectionDataResponse = z.strictObject({
  Session: Session.optional(),
  ConnectionToken: z.string().optional(),
});
export const SessionScreenshotImage = z.strictObject({
  Format: z.enum(['jpeg', 'png']).optional(),
  Data: z.string().optional(),
  CreationTime: dateTime.optional(),
  Primary: z.boolean().optional(),
});
export const GetSessionScreenshotsResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z
    .array(
      z.strictObject({
        SessionScreenshot: z
          .strictObject({
            SessionId: z.string().optional(),
            Images: z.array(SessionScreenshotImage).optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  UnsuccessfulList: z
    .array(
      z.strictObject({
        GetSessionScreenshotRequestData: GetSessionScreenshotRequestData.optional(),
        FailureReason: z.string().optional(),
      }),
    )
    .optional(),
});
const ServerFailure = <T extends z.ZodType>(requestKey: string, request: T) =>
  z.strictObject({
    [requestKey]: request.optional(),
    FailureCode: z.string().optional(),
    FailureReason: z.string().optional(),
  });
export const OpenServersResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z.array(z.strictObject({ ServerId: z.string().optional() })).optional(),
  UnsuccessfulList: z.array(ServerFailure('OpenServerRequestData', OpenServerRequestData)).optional(),
});
export const CloseServersResponse = z.strictObject({
  RequestId: z.string().optional(),
  SuccessfulList: z.array(z.strictObject({ ServerId: z.string().optional() })).optional(),
  UnsuccessfulList: z.array(ServerFailure('CloseServerRequestData', CloseServerRequestData)).optional(),
});

/** OAuth2 client-credentials answer (RFC 6749 §5.1), as DCV Session Manager's authorization server sends it. */
export const TokenResponse = z.strictObject({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: int,
});

/**
 * The body of every refused call. The spec leaves error bodies open ("400: Invalid input"); the broker always
 * sends this one shape, with a stable code from the catalogue (src/errors.ts) and a message that says what to do.
 */
export const ErrorResponse = z.strictObject({
  RequestId: z.string(),
  Error: z.strictObject({ Code: z.string(), Message: z.string() }),
});

/** zod's issues in one line for a 400 answer: which field, what is wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}
