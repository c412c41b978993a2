// The heartbeat file's one schema lives with the other state-file schemas.
export { heartbeatFileSchema, writeHeartbeatFileAt as writeHeartbeatFile, type HeartbeatFile } from '../config/heartbeat-file.js';
