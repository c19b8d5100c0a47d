// One request from `dcv` to dcvserver over the control socket.
import type { CliIo } from './command.js';
import { connectControlSocket } from '../server/control/control-socket.js';
import type { ControlMethod } from '../control/contract.js';

export async function callServer(io: CliIo, method: ControlMethod, params: Record<string, unknown> = {}): Promise<unknown> {
  const connection = await connectControlSocket(io.paths.controlSocket);
  try {
    return await connection.channel.request(method, params);
  } finally {
    connection.close();
  }
}
