import type { TownLayout } from '../town/layout.js';
import { heartbeatFileSchema, readHeartbeatFileAt, writeHeartbeatFileAt, type HeartbeatFile } from '../config/heartbeat-file.js';

export { heartbeatFileSchema, type HeartbeatFile };

export function writeHeartbeatFile(layout: Pick<TownLayout, 'heartbeatsDir' | 'heartbeatFile'>, session: string, hb: HeartbeatFile): string {
  const path = layout.heartbeatFile(session);
  writeHeartbeatFileAt(path, hb);
  return path;
}

export function readHeartbeatFile(layout: Pick<TownLayout, 'heartbeatFile'>, session: string): HeartbeatFile | undefined {
  return readHeartbeatFileAt(layout.heartbeatFile(session), `.runtime/heartbeats/${session}.json`);
}
