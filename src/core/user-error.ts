/**
 * An error caused by the user's input (a missing file, a bad flag, a broken config).
 * Front doors print its message alone, without a stack trace, and exit non-zero.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** Exit code the CLI should use; 2 for usage and input errors by convention. */
    readonly exitCode: number = 2,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * The setup cannot work as it stands (no way to propose, an unknown or retired model, a rejected key, a
 * file the config names is missing): nothing is worth retrying until the config or the environment
 * changes. The message says what to fix.
 */
export class SetupError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = "SetupError";
  }
}
