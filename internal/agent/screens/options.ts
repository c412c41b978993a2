export interface RecognizeOptions {
  /** When the screen was captured (epoch ms): reset times shown as clock times or durations count from it. Default: now. */
  now?: number;
  /** The zone a clock time without one is read in (the CLI's). Default: this process's zone. */
  timeZone?: string;
}
