/** The shape of a command module. Zod-free so that loading the registry costs nothing. */

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Placeholder in help, e.g. "DIR". */
  arg?: string;
}

export interface PositionalSpec {
  name: string;
  required?: boolean;
  /** Takes every remaining argument. */
  rest?: boolean;
  description?: string;
}

export interface CommandSpec {
  /** One line, e.g. "gt daemon start [--town DIR]". */
  usage: string;
  description: string;
  options?: Record<string, OptionSpec>;
  positionals?: PositionalSpec[];
  /** Extra help text (examples, exit codes). */
  details?: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CommandContext {
  args: ParsedArgs;
  /** The resolved town root; throws TOWN_NOT_FOUND when not in a town. */
  town(): string;
  /** --town value as given, if any. */
  townFlag: string | undefined;
  json: boolean;
  out: (line?: string) => void;
  err: (line?: string) => void;
  argv0: string;
}

export interface CommandModule {
  spec: CommandSpec;
  /** Returns the exit status (default 0). */
  run(ctx: CommandContext): Promise<number | void>;
}
