/**
 * internal/tmux: the only code in gt that runs tmux. Everything takes a `Tmux` bound to one
 * socket (one server per town), targets sessions exactly and passes argv arrays, never a shell.
 */
export { Tmux, DEFAULT_TMUX_TIMEOUT_MS, type TmuxOptions, type RunOptions, type TmuxResult } from './run.js';
export { TmuxError, SessionExistsError, NudgeRefusedError, isNoServerMessage, isNotFoundMessage } from './errors.js';
export { townSocketName, socketPath, TMUX_SOCKET_ENV } from './socket.js';
export {
  validateSessionName,
  validateSocketName,
  validatePaneId,
  sessionTarget,
  sessionPaneTarget,
  paneTarget,
} from './names.js';
export { shellQuote, shellQuoteArgv, tmuxArg, tmuxQuote, escapeFormat } from './quote.js';
export { snapshot, parseSnapshot, findSession, activePane, SNAPSHOT_FORMAT, type Snapshot, type SessionInfo, type PaneInfo } from './snapshot.js';
export {
  createSession,
  hasSession,
  killServer,
  SESSION_MARKER_ENV,
  SOCKET_MARKER_ENV,
  DEFAULT_HEALTH_WINDOW_MS,
  type CreateSessionOptions,
  type CreateSessionResult,
} from './session.js';
export {
  killSession,
  sessionProcesses,
  sweepSessionLeftovers,
  sweepTown,
  townProcesses,
  TOWN_MARKER_ENV,
  TOWN_PROCESS_MARKERS,
  townMarker,
  DEFAULT_KILL_GRACE_MS,
  type KillSessionOptions,
  type KillSessionResult,
  type SweepResult,
} from './kill.js';
export { sendKeys, sendKey, nudge, resolvePane, sanitizeNudgeText, type KeyName, type NudgeOptions, type NudgeResult } from './keys.js';
export { capturePane, capturePanes, type CaptureOptions, type CapturePanesOptions, type PaneCapture } from './capture.js';
export { attachPty, windowSize, type AttachPtyOptions } from './pty.js';
export { setSessionEnv, unsetSessionEnv, getSessionEnv } from './env.js';
export { themeFor, applyTheme, readTheme, rigColour, ROLE_STYLES, RIG_PALETTE, type Theme, type ThemeInput, type RoleStyle } from './theme.js';
export {
  installHooks,
  removeHooks,
  hookStatus,
  ensureHooks,
  hookShellCommand,
  hookTmuxCommand,
  hooksFingerprint,
  DEATH_HOOKS,
  HOOKS_OPTION,
  type DeathHook,
  type HookStatus,
} from './hooks.js';
export { attachSession } from './attach.js';
export { tmuxVersion, atLeast, MIN_TMUX_VERSION, type TmuxVersion } from './version.js';
